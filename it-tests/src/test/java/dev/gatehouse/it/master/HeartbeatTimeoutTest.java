package dev.gatehouse.it.master;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gatehouse.it.support.GatehouseAppServer;
import dev.gatehouse.it.support.UnixSignal;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code timeout}: a worker that stops sending heartbeats (a SIGSTOPped JVM sends nothing) is
 * killed once it has been silent that long, and replaced; the other worker is left alone.
 *
 * <p>Run with 3 s, about what a worker JVM takes to boot on a loaded 2-core machine, and with
 * 10 s. A heartbeat timeout must not kill workers that are still booting, or a short one never
 * lets the server start: a third test loads an app whose {@code start()} takes longer than the
 * timeout.
 */
class HeartbeatTimeoutTest {

    private static final Logger log = LoggerFactory.getLogger(HeartbeatTimeoutTest.class);

    private static final int WORKERS = 2;
    /** Heartbeats come every second and the master checks every 200 ms; plus scheduling slack. */
    private static final Duration DETECTION_SLACK = Duration.ofMillis(1500);
    /** A replacement's boot, on 2 shared cores. */
    private static final Duration REPLACEMENT_BOOT = Duration.ofSeconds(5);

    @TempDir
    Path work;

    /**
     * An application whose {@code start()} takes 5 s, with {@code timeout = 3s}: the worker JVM is
     * alive and loading, not silent, and must come up rather than be killed and respawned without end.
     */
    @Test
    void workerLoadingASlowAppIsNotKilledByAShorterHeartbeatTimeout() {
        Path jar = VersionedAppJar.build(work, "slow", 5000, work.resolve("slow-start.jar"));
        try (MasterUnderTest master = MasterUnderTest.start(GatehouseAppServer.builder()
                .app(VersionedAppJar.CLASS_NAME).classpath(jar.toString()).workers(1)
                .args("--set", "timeout=3s"))) {
            // Stops waiting at the first kill rather than at the bound.
            master.awaitStats("the worker serving, or killed while loading",
                    s -> s.serving().size() == 1 || !master.logLines("sent no heartbeat").isEmpty(),
                    Duration.ofSeconds(40));
            assertEquals(List.of(), master.logLines("sent no heartbeat|died while booting"), master::diagnostics);
            assertEquals(1, master.awaitServing(1, Duration.ofSeconds(60)).size());
            assertEquals(1, master.logLines("Master: spawned worker").size(), master::diagnostics);
        }
    }

    @ParameterizedTest(name = "timeout = {0}s")
    @ValueSource(ints = {3, 10})
    void silentWorkerIsKilledAfterTimeoutAndReplaced(int timeoutSeconds) {
        Duration timeout = Duration.ofSeconds(timeoutSeconds);
        try (MasterUnderTest master = MasterUnderTest.start(GatehouseAppServer.builder()
                .app("dev.gatehouse.demo.DemoApp").workers(WORKERS).args("--set", "timeout=" + timeoutSeconds + "s"))) {
            // Stops waiting at the first kill rather than at the bound.
            master.awaitStats(WORKERS + " workers serving, or one killed while booting",
                    s -> s.serving().size() == WORKERS || !master.logLines("sent no heartbeat").isEmpty(),
                    MasterUnderTest.BOOT);
            assertEquals(List.of(), master.logLines("sent no heartbeat"),
                    () -> "a worker was killed for silence before the test stopped one\n" + master.diagnostics());
            Set<Long> before = master.awaitServing(WORKERS);
            long victim = before.iterator().next();
            Set<Long> others = new HashSet<>(before);
            others.remove(victim);

            long stopped = System.nanoTime();
            assertTrue(UnixSignal.send(victim, "STOP"), "kill -s STOP " + victim);
            ProcessHandle.of(victim).ifPresent(h -> h.onExit()
                    .orTimeout(timeout.plus(DETECTION_SLACK).toSeconds() + 5, TimeUnit.SECONDS).join());
            Duration killedAfter = Duration.ofNanos(System.nanoTime() - stopped);
            Set<Long> after = master.awaitServing(WORKERS);
            Duration replacedAfter = Duration.ofNanos(System.nanoTime() - stopped);
            log.info("timeout {}: SIGSTOPped worker {} killed after {} ms, replacement serving after {} ms", timeout,
                    victim, killedAfter.toMillis(), replacedAfter.toMillis());

            Matcher line = master.awaitLogLine("worker \\d+ \\(pid " + victim
                    + "\\) sent no heartbeat for (\\d+) ms \\(timeout [^)]+\\); killing it", Duration.ofSeconds(5));
            long silentMillis = Long.parseLong(line.group(1));
            assertTrue(silentMillis >= timeout.toMillis() && silentMillis < timeout.plus(DETECTION_SLACK).toMillis(),
                    () -> "logged silence " + silentMillis + " ms");
            assertEquals(1, master.logLines("\\(pid " + victim + "\\) sent no heartbeat").size(),
                    () -> "one kill, one line\n" + master.diagnostics());
            assertTrue(killedAfter.compareTo(timeout.plus(DETECTION_SLACK)) < 0,
                    () -> "killed " + killedAfter.toMillis() + " ms after it went silent");
            assertTrue(after.containsAll(others) && !after.contains(victim),
                    () -> "workers before " + before + ", after " + after + ", victim " + victim);
            assertTrue(replacedAfter.compareTo(killedAfter.plus(REPLACEMENT_BOOT)) < 0,
                    () -> "replacement serving " + replacedAfter.toMillis() + " ms after the worker went silent");
        }
    }
}
