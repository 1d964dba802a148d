package dev.gatehouse.it.master;

import dev.gatehouse.it.support.UwsgiPacketClient;
import dev.gatehouse.uwsgi.MiniJson;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * One answer of the master's stats endpoint, parsed: the master's pid, the worker count it aims
 * for, and one {@link Worker} per worker process it knows (starting, serving or stopping).
 *
 * @param pid the master's pid
 * @param targetWorkers the pool size the master keeps ({@code target_workers})
 * @param workers every worker process the master knows
 * @param json the document as received, for failure messages
 */
record MasterStats(long pid, int targetWorkers, List<Worker> workers, String json) {

    /**
     * A worker as the stats endpoint shows it (uWSGI's field names).
     *
     * @param id the worker slot, 1..N
     * @param pid its process id
     * @param generation 1, then one more per HUP
     * @param status idle, busy, starting or stopping
     * @param requests requests answered, as of the worker's last heartbeat
     * @param running requests running at the last heartbeat
     * @param exceptions requests whose application threw
     * @param harakiriCount workers of this slot killed by harakiri
     * @param respawnCount respawns of this slot
     * @param rss resident memory in bytes
     */
    record Worker(int id, long pid, int generation, String status, long requests, long running, long exceptions,
            long harakiriCount, long respawnCount, long rss) {

        /** @return whether it accepts requests (uWSGI's idle or busy) */
        boolean serving() {
            return status.equals("idle") || status.equals("busy");
        }
    }

    /**
     * @param json the stats endpoint's JSON
     * @return the parsed stats
     * @throws IllegalArgumentException if the JSON is malformed or a field is missing
     */
    @SuppressWarnings("unchecked")
    static MasterStats parse(String json) {
        Map<String, Object> root = MiniJson.parseObject(json);
        List<Worker> workers = ((List<Object>) field(root, "workers")).stream()
                .map(o -> (Map<String, Object>) o)
                .map(w -> new Worker((int) number(w, "id"), number(w, "pid"), (int) number(w, "generation"),
                        (String) field(w, "status"), number(w, "requests"), number(w, "running"),
                        number(w, "exceptions"), number(w, "harakiri_count"), number(w, "respawn_count"),
                        number(w, "rss")))
                .toList();
        return new MasterStats(number(root, "pid"), (int) number(root, "target_workers"), workers, json);
    }

    private static Object field(Map<String, Object> object, String name) {
        if (!object.containsKey(name)) {
            throw new IllegalArgumentException("stats JSON lacks \"" + name + "\" in " + object);
        }
        return object.get(name);
    }

    private static long number(Map<String, Object> object, String name) {
        if (!(field(object, name) instanceof Long n)) {
            throw new IllegalArgumentException("stats JSON field \"" + name + "\" is not an integer in " + object);
        }
        return n;
    }

    /** @return the workers accepting requests (idle or busy) */
    List<Worker> serving() {
        return workers.stream().filter(Worker::serving).toList();
    }

    /** @return the pids of the workers accepting requests */
    Set<Long> servingPids() {
        return serving().stream().map(Worker::pid).collect(Collectors.toSet());
    }

    /** @return every worker pid the master knows, in any state */
    Set<Long> allPids() {
        return workers.stream().map(Worker::pid).collect(Collectors.toSet());
    }

    /** @return the sum of every known worker's {@code requests} */
    long totalRequests() {
        return workers.stream().mapToLong(Worker::requests).sum();
    }

    /** @return the sum of every known worker's {@code running} */
    long totalRunning() {
        return workers.stream().mapToLong(Worker::running).sum();
    }

    /** @return the sum of every known worker's {@code exceptions} */
    long totalExceptions() {
        return workers.stream().mapToLong(Worker::exceptions).sum();
    }

    /**
     * @param pid a worker pid
     * @return that worker
     * @throws IllegalStateException if the master does not know it
     */
    Worker worker(long pid) {
        return workers.stream().filter(w -> w.pid() == pid).findFirst()
                .orElseThrow(() -> new IllegalStateException("no worker with pid " + pid + " in " + json));
    }

    /**
     * Reads the stats the raw way: connect, send nothing, read the JSON until the master closes.
     *
     * @param address the stats endpoint (TCP or unix)
     * @return the JSON text
     */
    static String rawJson(SocketAddress address) {
        return new String(exchange(address, new byte[0], Duration.ofSeconds(10)), StandardCharsets.UTF_8);
    }

    /**
     * Sends {@code request} (possibly nothing) and reads every byte until the peer closes.
     *
     * @param address a TCP or unix socket address
     * @param request the bytes to send first
     * @param timeout the bound for the whole exchange
     * @return what the peer sent
     * @throws UncheckedIOException naming the address on failure or timeout
     */
    static byte[] exchange(SocketAddress address, byte[] request, Duration timeout) {
        try {
            UwsgiPacketClient.Reply reply = UwsgiPacketClient.readUntilClose(address, request, false, timeout);
            if (reply.reset()) {
                throw new IOException("connection reset after " + reply.bytes().length + " bytes");
            }
            return reply.bytes();
        } catch (IOException e) {
            throw new UncheckedIOException("exchange with " + address + " failed", e);
        }
    }
}
