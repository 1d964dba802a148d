package dev.gatehouse.it.master;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gatehouse.it.support.GatehouseAppServer;
import dev.gatehouse.it.support.Nginx;
import dev.gatehouse.it.support.UnixSignal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * HUP under continuous load, with the app jar replaced by a new build: not one request fails,
 * the new generation's workers are all new processes, and they run the new code. A new build
 * that cannot load is refused: the running generation keeps serving. An old worker that will
 * not stop is killed after {@code graceful_timeout}.
 */
class ReloadTest {

    private static final Logger log = LoggerFactory.getLogger(ReloadTest.class);

    private static final int WORKERS = 2;
    private static final int LOAD_THREADS = 3;

    @TempDir
    Path work;

    @Test
    void hupWithAChangedJarReloadsEveryWorkerWithoutAFailedRequest() throws Exception {
        Path appJar = VersionedAppJar.build(work, "v1", work.resolve("app.jar"));
        Path nextJar = VersionedAppJar.build(work, "v2", work.resolve("app-v2.jar"));

        try (MasterUnderTest master = MasterUnderTest.start(GatehouseAppServer.builder()
                        .app(VersionedAppJar.CLASS_NAME).classpath(appJar.toString()).workers(WORKERS));
                Nginx nginx = master.startNginx()) {
            Set<Long> oldPids = master.awaitServing(WORKERS);

            HttpLoad load = HttpLoad.start(nginx.port(), "/", LOAD_THREADS, Duration.ofMillis(5));
            load.awaitOk(50, Duration.ofSeconds(30));

            // A deployment: the new jar takes the old one's name in one rename, so the old
            // workers keep reading the file they opened.
            Files.move(nextJar, appJar, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            long hupSent = System.nanoTime();
            master.signal("HUP");

            MasterStats reloaded = master.awaitStats("generation 2 alone, " + WORKERS + " workers serving",
                    s -> s.workers().size() == WORKERS && s.serving().size() == WORKERS
                            && s.workers().stream().allMatch(w -> w.generation() == 2),
                    MasterUnderTest.BOOT);
            long reloadedAt = System.nanoTime();
            for (long pid : oldPids) {
                ProcessHandle.of(pid).ifPresent(h -> h.onExit().join());
            }
            int okBefore = (int) load.okCount();
            load.awaitOk(okBefore + 100, Duration.ofSeconds(30));
            load.stop();
            log.info("HUP reload took {} ms under load: {}", (reloadedAt - hupSent) / 1_000_000, load.summary());

            assertEquals(List.of(), load.failures(), () -> "requests failed across the HUP: " + load.summary());

            Set<Long> newPids = reloaded.servingPids();
            Set<Long> common = new HashSet<>(newPids);
            common.retainAll(oldPids);
            assertTrue(common.isEmpty(), () -> "workers " + common + " survived the reload: old " + oldPids
                    + ", new " + newPids);

            List<HttpLoad.Outcome> afterReload = load.outcomes().stream()
                    .filter(o -> o.startNanos() > reloadedAt).toList();
            assertFalse(afterReload.isEmpty(), "no request after the reload");
            for (HttpLoad.Outcome o : afterReload) {
                assertTrue(o.body().startsWith("v2 "), () -> "old code answered after the reload: " + o);
                assertTrue(newPids.contains(o.pid()), () -> "an unknown worker answered after the reload: " + o
                        + ", new workers " + newPids);
            }
            List<HttpLoad.Outcome> beforeHup = load.outcomes().stream().filter(o -> o.endNanos() < hupSent).toList();
            assertFalse(beforeHup.isEmpty(), "no request before the HUP");
            beforeHup.forEach(o -> assertTrue(o.body().startsWith("v1 ") && oldPids.contains(o.pid()), o::toString));

            assertEquals(1, master.logLines("HUP: reload done, generation 2 serving").size(), master::diagnostics);
            for (long pid : oldPids) {
                assertEquals(1, master.logLines("\\(pid " + pid + "\\) exited \\(exit code 0\\) after stopping: reload")
                        .size(), () -> "old worker " + pid + " did not stop gracefully\n" + master.diagnostics());
            }
        }
    }

    @Test
    void hupWithAnAppThatCannotLoadKeepsTheRunningGeneration() throws Exception {
        Path appJar = VersionedAppJar.build(work, "v1", work.resolve("app.jar"));
        // A jar without the app class: the new generation cannot load the application.
        Path brokenJar = VersionedAppJar.broken(work.resolve("broken.jar"));

        try (MasterUnderTest master = MasterUnderTest.start(GatehouseAppServer.builder()
                        .app(VersionedAppJar.CLASS_NAME).classpath(appJar.toString()).workers(WORKERS));
                Nginx nginx = master.startNginx()) {
            Set<Long> oldPids = master.awaitServing(WORKERS);
            HttpLoad load = HttpLoad.start(nginx.port(), "/", LOAD_THREADS, Duration.ofMillis(5));
            load.awaitOk(50, Duration.ofSeconds(30));

            Files.move(brokenJar, appJar, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            master.signal("HUP");
            master.awaitLogLine("HUP: generation 2 cannot load the application .*keeping generation 1 running",
                    MasterUnderTest.BOOT);
            // Every generation-2 worker gone, the old ones still serving, the master still up.
            MasterStats after = master.awaitStats("generation 1 alone again",
                    s -> s.workers().size() == WORKERS && s.serving().size() == WORKERS
                            && s.workers().stream().allMatch(w -> w.generation() == 1), Duration.ofSeconds(30));
            int okSoFar = (int) load.okCount();
            load.awaitOk(okSoFar + 100, Duration.ofSeconds(30));
            // Two heartbeats later nothing has changed: no respawn loop, no stop.
            MasterUnderTest.sleep(Duration.ofMillis(2500));
            MasterStats settled = master.stats();
            load.stop();
            log.info("HUP with a broken app: {}; master: {}", load.summary(),
                    master.logLines("HUP|generation 2|exited|died|spawned"));

            assertEquals(oldPids, after.servingPids(), after::json);
            assertEquals(oldPids, settled.servingPids(), settled::json);
            assertEquals(WORKERS, settled.targetWorkers(), settled::json);
            assertTrue(master.server().handle().isAlive(), master::diagnostics);
            assertEquals(List.of(), load.failures(), () -> "requests failed across the refused reload: " + load.summary());
            load.outcomes().forEach(o -> assertTrue(o.body().startsWith("v1 ") && oldPids.contains(o.pid()), o::toString));
            assertEquals(List.of(), master.logLines("stopping the app-server"), master::diagnostics);
        }
    }

    /**
     * {@code graceful_timeout} bounds a reload too: an old worker that does not exit once told to
     * stop (here it is frozen with SIGSTOP) is killed after the grace, not left behind.
     */
    @Test
    void oldWorkerThatDoesNotStopWithinGracefulTimeoutIsKilled() {
        Duration grace = Duration.ofSeconds(2);
        try (MasterUnderTest master = MasterUnderTest.start(GatehouseAppServer.builder()
                .app("dev.gatehouse.demo.DemoApp").workers(1).args("--set", "graceful_timeout=2s"))) {
            long old = master.awaitServing(1).iterator().next();
            assertTrue(UnixSignal.send(old, "STOP"), "kill -s STOP " + old);
            master.signal("HUP");
            master.awaitLogLine("HUP: reload done, generation 2 serving", MasterUnderTest.BOOT);
            long stopAsked = System.nanoTime();

            // The grace, the master's 200 ms tick, and slack for a loaded machine.
            Duration bound = grace.plusSeconds(5);
            boolean gone = ProcessHandle.of(old)
                    .map(h -> h.onExit().completeOnTimeout(null, bound.toMillis(), TimeUnit.MILLISECONDS).join() != null)
                    .orElse(true);
            MasterStats stats = master.stats();
            assertTrue(gone, () -> "old worker " + old + " still there " + Duration.ofNanos(System.nanoTime() - stopAsked)
                    .toMillis() + " ms after it was told to stop (graceful_timeout " + grace + "); stats: " + stats.json()
                    + "\n" + master.diagnostics());
            assertFalse(stats.allPids().contains(old), stats::json);
        }
    }
}
