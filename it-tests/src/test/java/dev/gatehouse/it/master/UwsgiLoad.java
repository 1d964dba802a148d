package dev.gatehouse.it.master;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gatehouse.it.support.UwsgiPacketClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Load straight on an app-server's socket: clients that each send {@code GET target} as a uwsgi
 * packet on a new connection, back to back or with a pause between, until closed; every answer
 * that is not a 200 and every error is kept. New connections each time, so that requests the
 * workers cannot take yet wait in the listen queue, and a connection a stopping master or worker
 * refused would show.
 */
final class UwsgiLoad implements AutoCloseable {

    private static final Duration WAIT = Duration.ofSeconds(90);

    private final AtomicBoolean running = new AtomicBoolean(true);
    private final List<Thread> threads = new ArrayList<>();
    private final AtomicLong ok = new AtomicLong();
    private final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();

    /**
     * @param socket the app-server's unix socket
     * @param target the request target, such as {@code /sleep?ms=50}
     * @param clients how many clients at once
     * @param pause the time each waits between its requests; zero: none
     */
    UwsgiLoad(Path socket, String target, int clients, Duration pause) {
        for (int i = 0; i < clients; i++) {
            threads.add(Thread.ofPlatform().daemon().name("load-" + i).start(() -> {
                while (running.get()) {
                    try {
                        byte[] reply = UwsgiPacketClient.exchange(socket, 0, UwsgiPacketClient.getVars(target),
                                new byte[0], Duration.ofSeconds(60));
                        String text = new String(reply, StandardCharsets.ISO_8859_1);
                        if (text.startsWith("HTTP/1.1 200 ")) {
                            ok.incrementAndGet();
                        } else {
                            failures.add(text.lines().findFirst().orElse("(empty reply)"));
                        }
                    } catch (RuntimeException e) {
                        failures.add(e.toString());
                    }
                    if (!pause.isZero()) {
                        MasterUnderTest.sleep(pause);
                    }
                }
            }));
        }
    }

    /** Answers with 200 so far. */
    long ok() {
        return ok.get();
    }

    /** What went wrong so far: status lines other than 200, and errors. */
    List<String> failures() {
        return List.copyOf(failures);
    }

    /** Waits until {@code count} requests were answered with 200, failing at once on a failed one. */
    void awaitOk(long count) {
        long target = ok() + count;
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (ok() < target) {
            assertTrue(failures.isEmpty(), () -> "failed requests: " + failures());
            assertTrue(System.nanoTime() < deadline, "fewer than " + count + " answers within " + WAIT);
            MasterUnderTest.sleep(Duration.ofMillis(50));
        }
    }

    /** Stops the clients, each after its request in flight. */
    @Override
    public void close() {
        running.set(false);
        for (Thread t : threads) {
            try {
                t.join(WAIT);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
