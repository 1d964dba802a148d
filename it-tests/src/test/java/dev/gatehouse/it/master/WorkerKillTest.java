package dev.gatehouse.it.master;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gatehouse.it.support.GatehouseAppServer;
import dev.gatehouse.it.support.Nginx;
import dev.gatehouse.it.support.UnixSignal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code kill -9} of a busy worker under continuous load through real nginx: the master replaces
 * it, and the only requests that fail are those that were running on the dead worker.
 *
 * <p>The server runs from jars, as deployed, so that workers boot from the master's class-data
 * archive.
 *
 * <p>To know exactly which requests those are, the test first parks slow requests
 * ({@code /sleep}) on the workers and reads from the stats endpoint how many run on each; the
 * busiest worker is killed. Exactly its slow requests must fail (nginx: 502), every other slow
 * request must finish with 200. The fast {@code /pid} load running alongside may lose the few
 * requests it had on the dead worker at that instant: at most one per load thread, each a 502,
 * and each started before the kill.
 */
class WorkerKillTest {

    private static final Logger log = LoggerFactory.getLogger(WorkerKillTest.class);

    private static final int WORKERS = 2;
    private static final int SLOW_REQUESTS = 4;
    private static final int LOAD_THREADS = 3;
    private static final long SLOW_MILLIS = 15_000;

    @Test
    void killedBusyWorkerIsReplacedAndOnlyItsInFlightRequestsFail() throws Exception {
        // Jars, as deployed: the master then gives workers a class-data archive, which the
        // boot-time bound below counts on.
        try (MasterUnderTest master = MasterUnderTest.start(GatehouseAppServer.builder()
                        .launcherClasspath(JarredClasspath.get())
                        .app("dev.gatehouse.demo.DemoApp").workers(WORKERS));
                Nginx nginx = master.startNginx()) {
            Set<Long> before = master.awaitServing(WORKERS);
            assertEquals(1, master.logLines("cds: (made|workers map) ").size(),
                    () -> "no class-data archive for a jar class path\n" + master.diagnostics());

            List<CompletableFuture<HttpLoad.Outcome>> slow = new ArrayList<>();
            for (int i = 0; i < SLOW_REQUESTS; i++) {
                slow.add(HttpLoad.sendAsync(nginx.port(), "/sleep?ms=" + SLOW_MILLIS));
            }
            MasterStats parked = master.awaitStats(SLOW_REQUESTS + " slow requests running",
                    s -> s.totalRunning() == SLOW_REQUESTS && s.serving().size() == WORKERS, Duration.ofSeconds(10));
            MasterStats.Worker victim = parked.serving().stream()
                    .max(Comparator.comparingLong(MasterStats.Worker::running)).orElseThrow();
            long expectedSlowFailures = victim.running();

            HttpLoad load = HttpLoad.start(nginx.port(), "/pid", LOAD_THREADS, Duration.ZERO);
            load.awaitOk(100, Duration.ofSeconds(30));

            assertTrue(UnixSignal.send(victim.pid(), "KILL"), "kill -9 " + victim.pid());
            long killDone = System.nanoTime();
            ProcessHandle.of(victim.pid()).ifPresent(h -> h.onExit().orTimeout(5, TimeUnit.SECONDS).join());
            // The master starts the replacement at once; how fast it serves is bench's to measure.
            master.awaitStats("a replacement for pid " + victim.pid(),
                    s -> s.workers().size() == WORKERS && !s.allPids().contains(victim.pid()), Duration.ofSeconds(60));

            Set<Long> after = master.awaitServing(WORKERS);
            load.awaitOutcomes("a response from a new worker", o -> o.ok() && !before.contains(o.pid()), 1,
                    Duration.ofSeconds(30));
            load.awaitOk((int) load.okCount() + 100, Duration.ofSeconds(30));
            load.stop();
            List<HttpLoad.Outcome> slowOutcomes = slow.stream().map(CompletableFuture::join).toList();

            long firstNewAnswer = load.outcomes().stream().filter(o -> o.ok() && !before.contains(o.pid()))
                    .mapToLong(HttpLoad.Outcome::endNanos).min().orElseThrow();
            Duration replacedIn = Duration.ofNanos(firstNewAnswer - killDone);
            log.info("killed worker pid {} with {} slow request(s) on it; first answer from its replacement {} ms"
                    + " after the kill; slow: {}; load: {}", victim.pid(), expectedSlowFailures, replacedIn.toMillis(),
                    slowOutcomes, load.summary());
            log.info("master: {}", master.logLines("cds: |ready in|died"));

            // The pool is whole again: the survivor and one new worker.
            Set<Long> survivors = new HashSet<>(before);
            survivors.remove(victim.pid());
            assertTrue(after.containsAll(survivors), () -> "survivor " + survivors + " not among " + after);
            assertFalse(after.contains(victim.pid()), "the killed worker is still listed: " + after);
            assertEquals(1, master.logLines("worker \\d+ \\(pid " + victim.pid() + "\\) died \\(signal 9\\); replacing it")
                    .size(), () -> "'died (signal 9)' lines for pid " + victim.pid() + "\n" + master.diagnostics());

            // Exactly the slow requests on the dead worker failed, with nginx's 502.
            long slowFailed = slowOutcomes.stream().filter(o -> !o.ok()).count();
            assertEquals(expectedSlowFailures, slowFailed, () -> "slow requests: " + slowOutcomes);
            slowOutcomes.stream().filter(o -> !o.ok()).forEach(o -> assertEquals(502, o.status(), o::toString));
            slowOutcomes.stream().filter(HttpLoad.Outcome::ok)
                    .forEach(o -> assertEquals("slept", o.body(), o::toString));

            // The fast load lost at most what it had in flight on the dead worker.
            List<HttpLoad.Outcome> fastFailures = load.failures();
            assertTrue(fastFailures.size() <= LOAD_THREADS,
                    () -> fastFailures.size() + " fast requests failed, more than the " + LOAD_THREADS
                            + " that can be in flight: " + load.summary());
            for (HttpLoad.Outcome o : fastFailures) {
                assertEquals(502, o.status(), () -> "a failed request: " + o);
                assertTrue(o.startNanos() < killDone, () -> "a request started after the kill failed: " + o);
            }

        }
    }
}
