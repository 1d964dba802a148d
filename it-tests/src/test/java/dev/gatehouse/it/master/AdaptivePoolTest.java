package dev.gatehouse.it.master;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gatehouse.appserver.control.AdminCommands;
import dev.gatehouse.it.support.GatehouseAppServer;
import dev.gatehouse.it.support.UwsgiPacketClient;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The adaptive pool ({@code workers_min} to {@code workers_max}) under load that steps up and
 * down, and {@code ctl advise} for a sleeping and a CPU-bound endpoint. The workers run the demo
 * app on their event loop ({@code dispatch = "event-loop"}), one request at a time each, the
 * prefork model whose worker count the load decides; the clients talk uwsgi straight to the
 * master's socket, a new connection per request, so waiting requests wait in its listen queue.
 */
class AdaptivePoolTest {

    private static final Duration WAIT = Duration.ofSeconds(90);
    private static final Pattern CHANGE = Pattern.compile("pool: (\\d+) -> (\\d+) workers: (.*)");

    /** Records the most workers serving at once, from the stats, while the test runs. */
    private static final class MostServing implements AutoCloseable {

        private final AtomicBoolean running = new AtomicBoolean(true);
        private final AtomicInteger most = new AtomicInteger();
        private final Thread thread;

        MostServing(MasterUnderTest master) {
            thread = Thread.ofPlatform().daemon().name("stats-watch").start(() -> {
                while (running.get()) {
                    int n = master.stats().serving().size();
                    most.accumulateAndGet(n, Math::max);
                    MasterUnderTest.sleep(Duration.ofMillis(100));
                }
            });
        }

        int most() {
            return most.get();
        }

        @Override
        public void close() throws InterruptedException {
            running.set(false);
            thread.join(Duration.ofSeconds(10));
        }
    }

    private static GatehouseAppServer.Builder adaptive(String... keys) {
        GatehouseAppServer.Builder b = GatehouseAppServer.builder().app("dev.gatehouse.demo.DemoApp").workers(0)
                .args("--dispatch", "event-loop", "--pidfile", "@DIR@/app.pid");
        for (String key : keys) {
            b.args("--set", key);
        }
        return b;
    }

    private static List<int[]> changes(MasterUnderTest master) {
        List<int[]> out = new ArrayList<>();
        for (String line : master.logLines(CHANGE.pattern())) {
            Matcher m = CHANGE.matcher(line);
            assertTrue(m.find(), line);
            out.add(new int[] {Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2))});
        }
        return out;
    }

    @Test
    void growsUnderLoadStopsAtWorkersMaxAndShrinksWhenTheLoadFallsWithoutAFailedRequest() throws Exception {
        try (MasterUnderTest master = MasterUnderTest.start(adaptive("workers_min=1", "workers_max=4",
                "scale_up_after=1s", "scale_down_after=3s", "scale_interval=1s"));
                MostServing serving = new MostServing(master)) {
            master.awaitServing(1);
            Path socket = master.server().socketPath();
            // Light: one client, a 50 ms request every 200 ms, a quarter of one worker.
            try (UwsgiLoad light = new UwsgiLoad(socket, "/sleep?ms=50", 1, Duration.ofMillis(200))) {
                light.awaitOk(10);
                // Heavy: eight clients back to back want eight workers; four is the most allowed.
                long heavyStart = System.nanoTime();
                try (UwsgiLoad heavy = new UwsgiLoad(socket, "/sleep?ms=50", 8, Duration.ZERO)) {
                    master.awaitLogLine("pool: 1 -> \\d+ workers: ", WAIT);
                    long grewAfterMillis = (System.nanoTime() - heavyStart) / 1_000_000;
                    master.awaitServing(4, WAIT);
                    master.awaitLogLine("pool: staying at 4 worker\\(s\\): .*; at workers_max 4", WAIT);
                    System.out.println("AdaptivePoolTest: first growth " + grewAfterMillis + " ms after the load rose");
                    heavy.awaitOk(200);
                    heavy.close();
                    assertEquals(List.of(), heavy.failures());
                }
                // Back to light: one worker is retired every scale_down_after, down to workers_min.
                master.awaitLogLine("pool: 2 -> 1 workers: ", WAIT);
                master.awaitServing(1, WAIT);
                light.close();
                assertEquals(List.of(), light.failures());
            }
            assertTrue(serving.most() <= 4, "at most workers_max serving, saw " + serving.most());
            List<int[]> changes = changes(master);
            assertTrue(changes.size() >= 4, master::diagnostics);
            for (int[] c : changes) {
                assertTrue(c[1] >= 1 && c[1] <= 4, () -> "out of bounds: " + c[0] + " -> " + c[1]);
                assertTrue(c[1] <= 2 * c[0] && c[1] >= c[0] - 1, () -> "too big a step: " + c[0] + " -> " + c[1]);
            }
            assertTrue(master.logLines("pool: \\d+ -> \\d+ workers: .*(workers busy|listen queue)").size() == changes.size(),
                    master::diagnostics);
        }
    }

    @Test
    void aMemoryCeilingKeepsThePoolFromGrowingAndRecyclesItsLargestWorker() throws Exception {
        // One worker is already past 1 MiB: the pool may not grow, and recycles that worker.
        try (MasterUnderTest master = MasterUnderTest.start(adaptive("workers_min=1", "workers_max=4",
                "workers_max_rss=1m", "scale_up_after=1s", "scale_down_after=3s", "scale_interval=1s"));
                MostServing serving = new MostServing(master)) {
            master.awaitServing(1);
            try (UwsgiLoad heavy = new UwsgiLoad(master.server().socketPath(), "/sleep?ms=50", 4, Duration.ZERO)) {
                master.awaitLogLine("pool: staying at 1 worker\\(s\\): .*would pass workers_max_rss 1 MiB", WAIT);
                master.awaitLogLine("the pool's resident memory \\d+ MiB > workers_max_rss 1 MiB \\(largest worker \\d+ MiB\\);"
                        + " starting its replacement", WAIT);
                heavy.awaitOk(100);
                heavy.close();
                assertEquals(List.of(), heavy.failures());
            }
            assertEquals(List.of(), changes(master).stream().map(c -> c[0] + " -> " + c[1]).toList());
            // A recycle overlaps the replacement with the old worker, never more.
            assertTrue(serving.most() <= 2, "serving at once: " + serving.most());
        }
    }

    @Test
    void adviceForASleepingEndpointIsLittlesLawWorkedOutByHand() throws Exception {
        try (MasterUnderTest master = MasterUnderTest.start(GatehouseAppServer.builder().app("dev.gatehouse.demo.DemoApp")
                .workers(4).args("--dispatch", "event-loop", "--pidfile", "@DIR@/app.pid"))) {
            master.awaitServing(4);
            long start;
            long answered;
            double seconds;
            try (UwsgiLoad load = new UwsgiLoad(master.server().socketPath(), "/sleep?ms=100", 3, Duration.ZERO)) {
                load.awaitOk(20);
                start = System.nanoTime();
                long before = load.ok();
                MasterUnderTest.sleep(Duration.ofSeconds(12));
                answered = load.ok() - before;
                seconds = (System.nanoTime() - start) / 1e9;
                String json = advise(master, "advise minutes=0.15 target-rps=100 json");
                // By hand: the rate the clients saw, times 100 ms, one request per worker.
                double rate = answered / seconds;
                int byHand = (int) Math.ceil(rate * 0.100);
                int advised = intField(json, "workers");
                assertTrue(Math.abs(advised - byHand) <= 1, "advised " + advised + ", by hand " + byHand + " from " + rate
                        + "/s: " + json);
                int forTarget = intField(json, "target_workers");
                assertTrue(Math.abs(forTarget - 10) <= 1, "100/s x 100 ms = 10 workers, advised " + forTarget + ": " + json);
                String text = advise(master, "advise minutes=0.15 target-rps=100");
                assertTrue(text.contains("By Little's law") && text.contains("For 100/s:"), text);
                System.out.println("AdaptivePoolTest: sleeping endpoint at " + String.format("%.1f", rate)
                        + "/s, advised " + advised + ", by hand " + byHand + "\n" + text);
                load.close();
                assertEquals(List.of(), load.failures());
            }
        }
    }

    @Test
    void adviceForACpuBoundEndpointIsAboutOneWorkerPerCore() throws Exception {
        int cores = Runtime.getRuntime().availableProcessors();
        try (MasterUnderTest master = MasterUnderTest.start(GatehouseAppServer.builder().app("dev.gatehouse.demo.DemoApp")
                .workers(cores + 1).args("--dispatch", "event-loop", "--pidfile", "@DIR@/app.pid"))) {
            master.awaitServing(cores + 1);
            try (UwsgiLoad load = new UwsgiLoad(master.server().socketPath(), "/spin?ms=20", 2 * cores + 2, Duration.ZERO)) {
                load.awaitOk(50);
                MasterUnderTest.sleep(Duration.ofSeconds(12));
                String json = advise(master, "advise minutes=0.15 json");
                int advised = intField(json, "workers");
                assertTrue(Math.abs(advised - cores) <= 1, "about " + cores + " workers for " + cores + " cores, advised "
                        + advised + ": " + json);
                System.out.println("AdaptivePoolTest: CPU-bound endpoint, advised " + advised + " on " + cores
                        + " cores\n" + advise(master, "advise minutes=0.15"));
                load.close();
                assertEquals(List.of(), load.failures());
            }
        }
    }

    /** One admin command, as {@code gatehouse ctl} sends it. */
    private static String advise(MasterUnderTest master, String line) throws IOException {
        return AdminCommands.ask(master.server().dir().resolve("app-" + master.pid() + ".ctl"), line);
    }

    private static int intField(String json, String name) {
        Matcher m = Pattern.compile("\"" + name + "\":(\\d+)").matcher(json);
        assertTrue(m.find(), () -> name + " in " + json);
        return Integer.parseInt(m.group(1));
    }
}
