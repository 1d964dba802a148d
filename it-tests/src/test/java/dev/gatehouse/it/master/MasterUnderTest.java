package dev.gatehouse.it.master;

import dev.gatehouse.it.support.GatehouseAppServer;
import dev.gatehouse.it.support.Nginx;
import dev.gatehouse.it.support.UnixSignal;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.OptionalInt;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * A Gatehouse app-server master under test, with its stats endpoint on a unix socket in the
 * server's own directory: readiness and worker pids are read from the stats JSON (what an
 * operator sees), not guessed from log timing.
 *
 * <p>Every worker pid ever seen is remembered, and {@link #close()} kills any of them still
 * alive, so a test that kills the master (and orphans its workers, if the master is wrong)
 * leaves no JVM behind.
 */
final class MasterUnderTest implements AutoCloseable {

    /** Generous: 2 shared cores, several worker JVMs booting at once. */
    static final Duration BOOT = Duration.ofSeconds(90);

    private static final Duration POLL = Duration.ofMillis(100);

    private static final String WORKER_MAIN = "dev.gatehouse.appserver.worker.WorkerMain";

    private final GatehouseAppServer server;
    private final SocketAddress statsAddress;
    private final Path logFile;
    private final Set<Long> seenWorkerPids = new LinkedHashSet<>();

    private MasterUnderTest(GatehouseAppServer server, SocketAddress statsAddress, Path logFile) {
        this.server = server;
        this.statsAddress = statsAddress;
        this.logFile = logFile;
    }

    /**
     * Starts the server with {@code --stats unix:<dir>/stats.sock} added and waits until its
     * listening socket accepts (the workers may still be booting).
     *
     * @param builder the server, configured by the test
     * @return the running master
     */
    static MasterUnderTest start(GatehouseAppServer.Builder builder) {
        return start(builder, null);
    }

    /**
     * Like {@link #start(GatehouseAppServer.Builder)}, with a stats address of the test's choice.
     *
     * @param builder the server, configured by the test
     * @param stats {@code --stats} value (e.g. {@code 127.0.0.1:PORT}), or null for the default
     *     unix socket
     * @return the running master
     */
    static MasterUnderTest start(GatehouseAppServer.Builder builder, String stats) {
        builder.args("--stats", stats == null ? "unix:@DIR@/stats.sock" : stats);
        GatehouseAppServer server = builder.start();
        SocketAddress address = stats == null ? UnixDomainSocketAddress.of(server.dir().resolve("stats.sock"))
                : new InetSocketAddress(stats.substring(0, stats.lastIndexOf(':')),
                        Integer.parseInt(stats.substring(stats.lastIndexOf(':') + 1)));
        return new MasterUnderTest(server, address, null);
    }

    /**
     * Same as {@link #start(GatehouseAppServer.Builder)} for a server run with
     * {@code --set log_file=<file>}: {@link #log()} then reads that file too.
     *
     * @param builder the server, configured by the test (with {@code log_file} set)
     * @param logFile the configured log file
     * @return the running master
     */
    static MasterUnderTest startWithLogFile(GatehouseAppServer.Builder builder, Path logFile) {
        builder.args("--stats", "unix:@DIR@/stats.sock");
        GatehouseAppServer server = builder.start();
        return new MasterUnderTest(server, UnixDomainSocketAddress.of(server.dir().resolve("stats.sock")), logFile);
    }

    /** @return the fixture */
    GatehouseAppServer server() {
        return server;
    }

    /**
     * Starts a real nginx in front of this app-server, with Debian's stock {@code uwsgi_params}.
     *
     * @return the running nginx; the caller closes it before the app-server
     */
    Nginx startNginx() {
        return Nginx.builder().server(Nginx.uwsgiLocation("/", server.uwsgiPass(), 0)).start();
    }

    /** @return the master's pid */
    long pid() {
        return server.pid();
    }

    /** @return where the stats endpoint listens */
    SocketAddress statsAddress() {
        return statsAddress;
    }

    /** @return the current stats; fails with the server's log tail if they cannot be read */
    MasterStats stats() {
        try {
            return read();
        } catch (RuntimeException e) {
            throw new AssertionError("cannot read the stats of " + server + ": " + e + "\n" + diagnostics(), e);
        }
    }

    /** Reads the stats, remembering every worker pid seen for {@link #close()}. */
    private MasterStats read() {
        MasterStats stats = MasterStats.parse(MasterStats.rawJson(statsAddress));
        synchronized (seenWorkerPids) {
            seenWorkerPids.addAll(stats.allPids());
        }
        return stats;
    }

    /**
     * Polls the stats until {@code condition} holds.
     *
     * @param what the awaited state in words, for the failure message
     * @param condition tested against each stats answer
     * @param timeout the bound
     * @return the first stats that satisfied it
     * @throws AssertionError with the last stats and the log tail on timeout or master exit
     */
    MasterStats awaitStats(String what, Predicate<MasterStats> condition, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            if (!server.handle().isAlive()) {
                throw new AssertionError("the master exited while waiting for " + what + "\n" + diagnostics());
            }
            String lastJson;
            try {
                MasterStats last = read();
                if (condition.test(last)) {
                    return last;
                }
                lastJson = last.json();
            } catch (UncheckedIOException e) {
                // The master binds the stats socket a moment after the app socket.
                lastJson = "(cannot connect: " + e.getCause() + ")";
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no " + what + " within " + timeout + "; last stats: " + lastJson + "\n"
                        + diagnostics());
            }
            sleep(POLL);
        }
    }

    /**
     * Waits until exactly {@code count} workers serve and none is starting or stopping.
     *
     * @param count the expected pool size
     * @return the serving workers' pids
     */
    Set<Long> awaitServing(int count) {
        return awaitServing(count, BOOT);
    }

    /**
     * @param count the expected pool size
     * @param timeout the bound
     * @return the serving workers' pids, once exactly {@code count} serve and no other exists
     */
    Set<Long> awaitServing(int count, Duration timeout) {
        return awaitStats(count + " serving worker(s) and no other",
                s -> s.serving().size() == count && s.workers().size() == count, timeout).servingPids();
    }

    /**
     * Sends a signal to the master.
     *
     * @param name the signal without {@code SIG}, e.g. {@code HUP}
     */
    void signal(String name) {
        if (!UnixSignal.send(pid(), name)) {
            throw new AssertionError("kill -s " + name + " " + pid() + " failed: the master is gone\n" + diagnostics());
        }
    }

    /** @return the master's live child processes (its workers), as the kernel sees them */
    Set<Long> childPids() {
        return server.handle().children().filter(ProcessHandle::isAlive).map(ProcessHandle::pid)
                .collect(Collectors.toCollection(LinkedHashSet::new));
    }

    /**
     * @param timeout the bound
     * @return the master's exit status, or empty if it still runs
     */
    OptionalInt waitForExit(Duration timeout) {
        return server.waitForExit(timeout);
    }

    /** @return the master's and workers' log so far: standard output/error plus the log file */
    String log() {
        String text = server.log();
        if (logFile != null && Files.exists(logFile)) {
            try {
                text += new String(Files.readAllBytes(logFile), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return text;
    }

    /**
     * @param regex a pattern for one log line
     * @return the matching log lines
     */
    List<String> logLines(String regex) {
        Pattern p = Pattern.compile(regex);
        return log().lines().filter(l -> p.matcher(l).find()).toList();
    }

    /**
     * Waits until the log has a line matching {@code regex}.
     *
     * @param regex a pattern for one log line
     * @param timeout the bound
     * @return the first match
     */
    Matcher awaitLogLine(String regex, Duration timeout) {
        Pattern p = Pattern.compile(regex);
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            for (String line : log().lines().toList()) {
                Matcher m = p.matcher(line);
                if (m.find()) {
                    return m;
                }
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no log line matching /" + regex + "/ within " + timeout + "\n" + diagnostics());
            }
            sleep(POLL);
        }
    }

    /** @return the log tail, for failure messages */
    String diagnostics() {
        String text = server.diagnostics();
        if (logFile != null) {
            List<String> lines = log().lines().toList();
            text += "\n--- last 60 lines of the master's and workers' log ---\n"
                    + String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
        }
        return text;
    }

    /** Stops the server (TERM, then KILL) and kills any worker it left behind. */
    @Override
    public void close() {
        Set<Long> workers;
        synchronized (seenWorkerPids) {
            workers = new LinkedHashSet<>(seenWorkerPids);
        }
        workers.addAll(childPids());
        try {
            server.close();
        } finally {
            for (long pid : workers) {
                // Only our own worker JVMs: a pid seen earlier may have been reused since.
                ProcessHandle.of(pid).filter(MasterUnderTest::isWorkerJvm).ifPresent(ProcessHandle::destroyForcibly);
            }
        }
    }

    /** @return whether the process is a Gatehouse worker JVM (its command line names WorkerMain) */
    static boolean isWorkerJvm(ProcessHandle h) {
        return dev.gatehouse.it.support.ProcessCommandLine.has(h, WORKER_MAIN);
    }

    static void sleep(Duration d) {
        try {
            Thread.sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    @Override
    public String toString() {
        return "master " + pid() + " (" + server + ")";
    }
}
