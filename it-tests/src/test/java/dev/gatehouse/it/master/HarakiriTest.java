package dev.gatehouse.it.master;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gatehouse.it.support.GatehouseAppServer;
import dev.gatehouse.it.support.Nginx;
import dev.gatehouse.it.support.UwsgiPacketClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code harakiri = 2s}: a request running 10 s gets its worker killed; the client gets nginx's
 * 502 soon after the 2 s, the master logs the request line, a replacement serves, and the other
 * worker is untouched. One harakiri is one log line and one count, however long the killed
 * worker takes to go.
 */
class HarakiriTest {

    private static final Logger log = LoggerFactory.getLogger(HarakiriTest.class);

    private static final int WORKERS = 2;

    @Test
    void requestPastHarakiriKillsItsWorkerOnlyAndIsLogged() {
        try (MasterUnderTest master = MasterUnderTest.start(GatehouseAppServer.builder()
                        .app("dev.gatehouse.demo.DemoApp").workers(WORKERS).args("--set", "harakiri=2s"));
                Nginx nginx = master.startNginx()) {
            Set<Long> before = master.awaitServing(WORKERS);

            CompletableFuture<HttpLoad.Outcome> stuck = HttpLoad.sendAsync(nginx.port(), "/sleep?ms=10000");
            MasterStats running = master.awaitStats("the slow request running", s -> s.totalRunning() == 1,
                    Duration.ofSeconds(10));
            MasterStats.Worker victim = running.workers().stream().filter(w -> w.running() == 1).findFirst().orElseThrow();
            Set<Long> others = new HashSet<>(before);
            others.remove(victim.pid());

            HttpLoad.Outcome outcome = stuck.join();
            log.info("harakiri: {}", outcome);
            assertEquals(502, outcome.status(), () -> outcome + "\n" + master.diagnostics());
            Duration took = Duration.ofNanos(outcome.endNanos() - outcome.startNanos());
            assertTrue(took.compareTo(Duration.ofSeconds(2)) >= 0 && took.compareTo(Duration.ofSeconds(5)) < 0,
                    () -> "the 502 came after " + took.toMillis() + " ms; harakiri is 2 s, heartbeats every 1 s");

            Matcher line = master.awaitLogLine("harakiri: worker " + victim.id() + " \\(pid " + victim.pid()
                    + "\\) has run \"GET /sleep\\?ms=10000[^\"]*\" for (\\d+) ms \\(harakiri [^)]+\\); killing the worker",
                    Duration.ofSeconds(5));
            long ranMillis = Long.parseLong(line.group(1));
            assertTrue(ranMillis > 2000 && ranMillis < 5000, () -> "logged run time " + ranMillis + " ms");

            Set<Long> after = master.awaitServing(WORKERS);
            assertTrue(after.containsAll(others) && !after.contains(victim.pid()),
                    () -> "workers before " + before + ", after " + after + ", victim " + victim.pid());
            others.forEach(pid -> assertTrue(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false),
                    "the other worker " + pid + " was touched"));
            MasterStats stats = master.stats();
            long newPid = after.stream().filter(p -> !before.contains(p)).findFirst().orElseThrow();
            assertEquals(1, stats.worker(newPid).harakiriCount(), stats::json);
            assertEquals(victim.id(), stats.worker(newPid).id(), "the replacement takes the victim's slot");

            // The replacement serves: through nginx, until it has answered.
            HttpLoad load = HttpLoad.start(nginx.port(), "/pid", 2, Duration.ZERO);
            load.awaitOutcomes("an answer from the replacement", o -> o.ok() && o.pid() == newPid, 1,
                    Duration.ofSeconds(30));
            load.stop();
            assertEquals(List.of(), load.failures(), load::summary);
            assertEquals(1, master.logLines("harakiri: ").size(), master::diagnostics);
        }
    }

    /**
     * A worker with a large, touched heap takes a few hundred milliseconds to disappear after
     * SIGKILL (the kernel unmaps its memory), longer than the master's 200 ms tick: the harakiri
     * must still be logged and counted once.
     */
    @Test
    void harakiriIsLoggedAndCountedOnceWhenTheKilledWorkerIsSlowToDie() {
        try (MasterUnderTest master = MasterUnderTest.start(GatehouseAppServer.builder()
                .app("dev.gatehouse.demo.DemoApp").workers(1)
                .args("--set", "harakiri=2s",
                        "--set", "jvm_options=-XX:+UseSerialGC -Xms4g -Xmx4g -XX:+AlwaysPreTouch"))) {
            long victim = master.awaitServing(1).iterator().next();
            CompletableFuture<String> stuck = CompletableFuture.supplyAsync(() -> new String(
                    UwsgiPacketClient.exchange(master.server().socketPath(), 0,
                            UwsgiPacketClient.getVars("/sleep?ms=10000"), new byte[0], Duration.ofSeconds(30)),
                    StandardCharsets.ISO_8859_1));
            // The worker dies mid-request: no response byte, just the close.
            assertEquals("", stuck.join(), "what the killed worker sent");
            long replacement = master.awaitServing(1).iterator().next();
            assertTrue(replacement != victim);

            List<String> lines = master.logLines("harakiri: worker 1 \\(pid " + victim + "\\)");
            MasterStats stats = master.stats();
            assertAll(() -> assertEquals(1, lines.size(), () -> "one harakiri, one line: " + lines),
                    () -> assertEquals(1, stats.worker(replacement).harakiriCount(), () -> "harakiri_count: " + stats.json()));
        }
    }
}
