package dev.gatehouse.it.master;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gatehouse.it.support.GatehouseAppServer;
import dev.gatehouse.it.support.Nginx;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Graceful recycling under load through real nginx: {@code max_requests} (+ jitter) and
 * {@code reload_on_rss} replace workers (replacement first, then a graceful stop) without a
 * single failed request.
 */
class RecycleTest {

    private static final Logger log = LoggerFactory.getLogger(RecycleTest.class);

    private static final int WORKERS = 2;

    @Test
    void maxRequestsWithJitterRecyclesWorkersWithoutFailedRequests() {
        try (MasterUnderTest master = MasterUnderTest.start(GatehouseAppServer.builder()
                        .app("dev.gatehouse.demo.DemoApp").workers(WORKERS)
                        .args("--set", "max_requests=20", "--set", "max_requests_jitter=5"));
                Nginx nginx = master.startNginx()) {
            Set<Long> first = master.awaitServing(WORKERS);

            // About 40 requests a second: ~100 requests pass while the first generation recycles.
            HttpLoad load = HttpLoad.start(nginx.port(), "/pid", 2, Duration.ofMillis(50));
            load.awaitOk(100, Duration.ofSeconds(60));
            master.awaitStats("both first workers recycled",
                    s -> s.serving().size() == WORKERS && s.allPids().stream().noneMatch(first::contains),
                    MasterUnderTest.BOOT);
            for (long pid : first) {
                ProcessHandle.of(pid).ifPresent(h -> h.onExit().join());
            }
            int okSoFar = (int) load.okCount();
            load.awaitOk(okSoFar + 20, Duration.ofSeconds(30));
            load.stop();
            log.info("max_requests: {}", load.summary());

            assertEquals(List.of(), load.failures(), () -> "requests failed while recycling: " + load.summary());
            assertTrue(load.okByPid().size() > WORKERS, () -> "no new worker answered: " + load.summary());
            Pattern reason = Pattern.compile("max_requests (\\d+) reached \\((\\d+) requests\\); starting its replacement");
            for (long pid : first) {
                List<String> lines = master.logLines("\\(pid " + pid + "\\): max_requests ");
                assertEquals(1, lines.size(), () -> "recycle lines for pid " + pid + "\n" + master.diagnostics());
                Matcher m = reason.matcher(lines.get(0));
                assertTrue(m.find(), lines.get(0));
                int limit = Integer.parseInt(m.group(1));
                assertTrue(limit >= 20 && limit <= 25, () -> "max_requests with jitter " + limit + " not in 20..25");
                assertTrue(Long.parseLong(m.group(2)) >= limit, lines.get(0));
                assertEquals(1, master.logLines("\\(pid " + pid + "\\) exited \\(exit code 0\\) after stopping: max_requests")
                        .size(), () -> "pid " + pid + " did not stop gracefully\n" + master.diagnostics());
            }
        }
    }

    @Test
    void reloadOnRssRecyclesWorkersWhileRequestsKeepSucceeding() {
        try (MasterUnderTest master = MasterUnderTest.start(GatehouseAppServer.builder()
                        .app("dev.gatehouse.demo.DemoApp").workers(WORKERS).args("--set", "reload_on_rss=1k"));
                Nginx nginx = master.startNginx()) {
            // Every worker is over 1 KiB as soon as it is ready, so the pool never settles:
            // wait for one serving worker only.
            MasterStats serving = master.awaitStats("a serving worker", s -> !s.serving().isEmpty(), MasterUnderTest.BOOT);
            Set<Long> first = serving.allPids();

            HttpLoad load = HttpLoad.start(nginx.port(), "/pid", 2, Duration.ofMillis(20));
            load.awaitOk(50, Duration.ofSeconds(60));
            Matcher recycled = master.awaitLogLine("worker \\d+ \\(pid (\\d+)\\): reload_on_rss: resident memory (\\d+) KiB"
                    + " > 1 KiB; starting its replacement", MasterUnderTest.BOOT);
            master.awaitLogLine("\\(pid \\d+\\) exited \\(exit code 0\\) after stopping: reload_on_rss", MasterUnderTest.BOOT);
            load.awaitOutcomes("an answer from a worker started after the first ones",
                    o -> o.ok() && !first.contains(o.pid()), 1, MasterUnderTest.BOOT);
            int okSoFar = (int) load.okCount();
            load.awaitOk(okSoFar + 50, Duration.ofSeconds(30));
            load.stop();
            log.info("reload_on_rss: {}; first line: {}", load.summary(), recycled.group());

            assertEquals(List.of(), load.failures(), () -> "requests failed while recycling: " + load.summary());
            assertTrue(Long.parseLong(recycled.group(2)) > 1, recycled.group());
            assertFalse(master.logLines("died").size() > 0, () -> "a worker died instead of being recycled\n"
                    + master.diagnostics());
        }
    }
}
