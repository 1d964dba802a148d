package dev.gatehouse.it.master;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gatehouse.it.support.GatehouseAppServer;
import dev.gatehouse.it.support.Nginx;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * TERM under load: the requests running when the signal arrives finish with 200, and the master
 * exits 0 within {@code graceful_timeout}.
 */
class GracefulStopTest {

    private static final Logger log = LoggerFactory.getLogger(GracefulStopTest.class);

    private static final int WORKERS = 2;
    private static final int SLOW_REQUESTS = 4;
    private static final long SLOW_MILLIS = 3000;
    private static final Duration GRACEFUL_TIMEOUT = Duration.ofSeconds(10);

    @Test
    void termLetsRunningRequestsFinishAndExitsZeroWithinGracefulTimeout() {
        try (MasterUnderTest master = MasterUnderTest.start(GatehouseAppServer.builder()
                        .app("dev.gatehouse.demo.DemoApp").workers(WORKERS)
                        .args("--set", "graceful_timeout=" + GRACEFUL_TIMEOUT.toSeconds() + "s"));
                Nginx nginx = master.startNginx()) {
            Set<Long> workers = master.awaitServing(WORKERS);
            HttpLoad load = HttpLoad.start(nginx.port(), "/pid", 2, Duration.ofMillis(2));
            load.awaitOk(50, Duration.ofSeconds(30));

            List<CompletableFuture<HttpLoad.Outcome>> slow = new ArrayList<>();
            for (int i = 0; i < SLOW_REQUESTS; i++) {
                slow.add(HttpLoad.sendAsync(nginx.port(), "/sleep?ms=" + SLOW_MILLIS));
            }
            // TERM once the workers run them (their heartbeats report running requests every
            // second, and each runs 3 s), not after a guess at how long nginx takes to pass them on.
            master.awaitStats(SLOW_REQUESTS + " slow requests running", s -> s.totalRunning() >= SLOW_REQUESTS,
                    Duration.ofMillis(SLOW_MILLIS));
            long termSent = System.nanoTime();
            master.signal("TERM");
            OptionalInt exit = master.waitForExit(GRACEFUL_TIMEOUT.plusSeconds(20));
            Duration stoppedIn = Duration.ofNanos(System.nanoTime() - termSent);
            List<HttpLoad.Outcome> slowOutcomes = slow.stream().map(CompletableFuture::join).toList();
            load.stop();
            log.info("master exited {} {} ms after TERM; slow requests {}; load during the stop: {}", exit,
                    stoppedIn.toMillis(), slowOutcomes, load.summary());

            for (HttpLoad.Outcome o : slowOutcomes) {
                assertEquals(200, o.status(), () -> "a request running at TERM: " + o + "\n" + master.diagnostics());
                assertEquals("slept", o.body(), o::toString);
                assertTrue(o.endNanos() > termSent, () -> "finished before TERM, so it proves nothing: " + o);
            }
            assertEquals(OptionalInt.of(0), exit, () -> "master exit status\n" + master.diagnostics());
            assertTrue(stoppedIn.compareTo(GRACEFUL_TIMEOUT) < 0,
                    () -> "the master took " + stoppedIn.toMillis() + " ms to stop, graceful_timeout is " + GRACEFUL_TIMEOUT);
            for (long pid : workers) {
                assertTrue(ProcessHandle.of(pid).isEmpty() || !ProcessHandle.of(pid).get().isAlive(),
                        "worker " + pid + " outlived the master");
                assertEquals(1, master.logLines("\\(pid " + pid + "\\) exited \\(exit code 0\\) after stopping: TERM")
                        .size(), () -> "worker " + pid + " did not stop gracefully\n" + master.diagnostics());
            }
            assertEquals(1, master.logLines("Master: master \\(pid " + master.pid() + "\\) stopped").size(),
                    master::diagnostics);
        }
    }

    @Test
    void termKillsWhatStillRunsAfterGracefulTimeout() {
        Duration grace = Duration.ofSeconds(2);
        try (MasterUnderTest master = MasterUnderTest.start(GatehouseAppServer.builder()
                        .app("dev.gatehouse.demo.DemoApp").workers(1).args("--set", "graceful_timeout=2s"));
                Nginx nginx = master.startNginx()) {
            master.awaitServing(1);
            CompletableFuture<HttpLoad.Outcome> endless = HttpLoad.sendAsync(nginx.port(), "/sleep?ms=60000");
            master.awaitStats("the long request running", s -> s.totalRunning() == 1, Duration.ofSeconds(60));
            long termSent = System.nanoTime();
            master.signal("TERM");
            OptionalInt exit = master.waitForExit(Duration.ofSeconds(30));
            Duration stoppedIn = Duration.ofNanos(System.nanoTime() - termSent);
            HttpLoad.Outcome outcome = endless.join();
            log.info("TERM with a request past graceful_timeout {}: exit {} after {} ms; the request: {}", grace, exit,
                    stoppedIn.toMillis(), outcome);

            assertEquals(OptionalInt.of(0), exit, master::diagnostics);
            // The grace, then the worker closes what still runs (the master would kill it 2 s
            // later); slack for the JVMs' exits on a loaded machine.
            assertTrue(stoppedIn.compareTo(grace) >= 0 && stoppedIn.compareTo(grace.plusSeconds(4)) < 0,
                    () -> "stopped " + stoppedIn.toMillis() + " ms after TERM with graceful_timeout " + grace);
            assertEquals(502, outcome.status(), outcome::toString);
        }
    }

    @Test
    void intStopsQuicklyWithoutWaitingForRunningRequests() {
        try (MasterUnderTest master = MasterUnderTest.start(GatehouseAppServer.builder()
                        .app("dev.gatehouse.demo.DemoApp").workers(WORKERS));
                Nginx nginx = master.startNginx()) {
            master.awaitServing(WORKERS);
            CompletableFuture<HttpLoad.Outcome> slow = HttpLoad.sendAsync(nginx.port(), "/sleep?ms=60000");
            master.awaitStats("the long request running", s -> s.totalRunning() == 1, Duration.ofSeconds(60));
            long intSent = System.nanoTime();
            master.signal("INT");
            OptionalInt exit = master.waitForExit(Duration.ofSeconds(30));
            Duration stoppedIn = Duration.ofNanos(System.nanoTime() - intSent);
            HttpLoad.Outcome outcome = slow.join();
            log.info("INT: exit {} after {} ms; the running request: {}", exit, stoppedIn.toMillis(), outcome);

            assertEquals(OptionalInt.of(0), exit, master::diagnostics);
            // Default graceful_timeout is 30 s; a quick stop gives 1 s (then kills 2 s later).
            assertTrue(stoppedIn.compareTo(Duration.ofSeconds(5)) < 0,
                    () -> "INT took " + stoppedIn.toMillis() + " ms\n" + master.diagnostics());
            assertEquals(502, outcome.status(), outcome::toString);
        }
    }
}
