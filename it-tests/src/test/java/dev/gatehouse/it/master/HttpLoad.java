package dev.gatehouse.it.master;

import dev.gatehouse.it.support.RawHttpClient;
import dev.gatehouse.it.support.RawHttpResponse;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * Continuous HTTP load through a front server (nginx): a few threads each send
 * {@code GET target} in a loop, one connection per request, and record every outcome with its
 * start and end time, status and body. With the demo app's {@code /pid} the body names the
 * worker that answered, so a test can count requests per worker and see new workers appear.
 *
 * <pre>{@code
 * try (HttpLoad load = HttpLoad.start(nginx.port(), "/pid", 4, Duration.ZERO)) {
 *     load.awaitOk(200, Duration.ofSeconds(30));
 *     ... kill, reload, signal ...
 *     load.stop();
 *     assertEquals(List.of(), load.failures());
 * }
 * }</pre>
 */
final class HttpLoad implements AutoCloseable {

    /** Long enough for a worker to boot on a loaded machine while nginx holds the request. */
    static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(60);

    /**
     * One request's outcome.
     *
     * @param thread the load thread that sent it (0..threads-1)
     * @param target the request target
     * @param startNanos {@link System#nanoTime()} before connecting
     * @param endNanos {@link System#nanoTime()} after the response (or the error)
     * @param status the HTTP status, or -1 when no response came
     * @param body the body as UTF-8, trimmed; empty when none
     * @param error the I/O error when no response came, else null
     */
    record Outcome(int thread, String target, long startNanos, long endNanos, int status, String body, String error) {

        /** @return a 200 response */
        boolean ok() {
            return status == 200;
        }

        /** @return the answering worker's pid, for {@code /pid} (or a body that is "text pid") */
        long pid() {
            String[] words = body.split(" ");
            return Long.parseLong(words[words.length - 1]);
        }

        @Override
        public String toString() {
            return target + " -> " + (error != null ? error : status + " \"" + abbreviate(body) + "\"")
                    + " (thread " + thread + ", " + (endNanos - startNanos) / 1_000_000 + " ms)";
        }

        private static String abbreviate(String s) {
            return s.length() <= 80 ? s : s.substring(0, 80) + "...";
        }
    }

    private final int port;
    private final String target;
    private final Duration pause;
    private final List<Thread> threads = new ArrayList<>();
    private final ConcurrentLinkedQueue<Outcome> outcomes = new ConcurrentLinkedQueue<>();
    private volatile boolean running = true;

    private HttpLoad(int port, String target, Duration pause) {
        this.port = port;
        this.target = target;
        this.pause = pause;
    }

    /**
     * Starts the load.
     *
     * @param port the front server's port on 127.0.0.1
     * @param target the request target, e.g. {@code /pid}
     * @param threads how many requests are in flight at most
     * @param pause how long each thread waits between two requests
     * @return the running load
     */
    static HttpLoad start(int port, String target, int threads, Duration pause) {
        HttpLoad load = new HttpLoad(port, target, pause);
        for (int i = 0; i < threads; i++) {
            int id = i;
            Thread t = Thread.ofPlatform().name("http-load-" + i).daemon().start(() -> load.loop(id));
            load.threads.add(t);
        }
        return load;
    }

    private void loop(int id) {
        while (running) {
            outcomes.add(send(id, port, target));
            if (!pause.isZero()) {
                try {
                    Thread.sleep(pause);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }

    /**
     * Sends one {@code GET} and records its outcome (never throws for I/O errors).
     *
     * @param thread a number for the outcome
     * @param port the front server's port on 127.0.0.1
     * @param target the request target
     * @return the outcome
     */
    static Outcome send(int thread, int port, String target) {
        byte[] request = ("GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nConnection: close\r\n\r\n")
                .getBytes(StandardCharsets.ISO_8859_1);
        long start = System.nanoTime();
        try {
            RawHttpResponse r = RawHttpClient.exchange(port, request, REQUEST_TIMEOUT);
            return new Outcome(thread, target, start, System.nanoTime(), r.status(), r.bodyText().trim(), null);
        } catch (UncheckedIOException e) {
            return new Outcome(thread, target, start, System.nanoTime(), -1, "",
                    String.valueOf(e.getCause() != null ? e.getCause() : e));
        }
    }

    /**
     * Sends one {@code GET} on a thread of its own.
     *
     * @param port the front server's port on 127.0.0.1
     * @param target the request target
     * @return the outcome, once it is known
     */
    static CompletableFuture<Outcome> sendAsync(int port, String target) {
        CompletableFuture<Outcome> result = new CompletableFuture<>();
        Thread.ofPlatform().name("http-one-shot").daemon().start(() -> result.complete(send(-1, port, target)));
        return result;
    }

    /**
     * Waits until at least {@code count} requests have succeeded in total.
     *
     * @param count how many 200 responses
     * @param timeout the bound
     */
    void awaitOk(int count, Duration timeout) {
        awaitOutcomes(count + " successful requests", o -> o.ok(), count, timeout);
    }

    /**
     * Waits until at least {@code count} recorded outcomes satisfy {@code which}.
     *
     * @param what the awaited outcomes in words
     * @param which the outcomes that count
     * @param count how many
     * @param timeout the bound
     */
    void awaitOutcomes(String what, Predicate<Outcome> which, int count, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (outcomes.stream().filter(which).count() < count) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no " + what + " within " + timeout + "; " + summary());
            }
            MasterUnderTest.sleep(Duration.ofMillis(20));
        }
    }

    /** Stops the threads after their current request and waits for them. Idempotent. */
    void stop() {
        running = false;
        for (Thread t : threads) {
            try {
                if (!t.join(REQUEST_TIMEOUT.plusSeconds(5))) {
                    throw new AssertionError(t.getName() + " still busy " + REQUEST_TIMEOUT + " after stop()");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted while stopping the load", e);
            }
        }
    }

    /** @return every outcome so far, in completion order */
    List<Outcome> outcomes() {
        return List.copyOf(outcomes);
    }

    /** @return the outcomes that are not a 200 response */
    List<Outcome> failures() {
        return outcomes.stream().filter(o -> !o.ok()).toList();
    }

    /** @return the number of 200 responses */
    long okCount() {
        return outcomes.stream().filter(Outcome::ok).count();
    }

    /** @return 200 responses per answering worker pid (for {@code /pid}) */
    Map<Long, Long> okByPid() {
        return outcomes.stream().filter(Outcome::ok)
                .collect(Collectors.groupingBy(Outcome::pid, TreeMap::new, Collectors.counting()));
    }

    /** @return outcomes per status (-1: no response) */
    Map<Integer, Long> byStatus() {
        return outcomes.stream().collect(Collectors.groupingBy(Outcome::status, TreeMap::new, Collectors.counting()));
    }

    /** @return counts and the first failures, for messages */
    String summary() {
        List<Outcome> failures = failures();
        return outcomes.size() + " requests to " + target + ", by status " + byStatus() + ", by pid " + okByPid()
                + (failures.isEmpty() ? "" : ", failures: " + failures.subList(0, Math.min(10, failures.size())));
    }

    @Override
    public void close() {
        stop();
    }
}
