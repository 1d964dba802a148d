package dev.gatehouse.it.master;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gatehouse.it.support.GatehouseAppServer;
import dev.gatehouse.it.support.UnixSignal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Workers that cannot boot: an app class that does not exist stops the whole server with exit
 * code 3 and one clear line, instead of an endless respawn loop; a worker JVM that dies at boot
 * for another reason is retried with a growing delay.
 */
class BootFailureTest {

    private static final Logger log = LoggerFactory.getLogger(BootFailureTest.class);

    @Test
    void missingAppClassStopsTheMasterWithExitCode3AndNoRespawn() {
        long started = System.nanoTime();
        try (GatehouseAppServer server = GatehouseAppServer.builder().app("com.example.Missing").workers(2).launch()) {
            OptionalInt exit = server.waitForExit(Duration.ofSeconds(60));
            Duration took = Duration.ofNanos(System.nanoTime() - started);
            String text = server.log();
            log.info("master exited {} after {} ms", exit, took.toMillis());

            assertEquals(OptionalInt.of(3), exit, () -> "exit status\n" + server.diagnostics());
            // Two JVMs on two shared cores boot in ~3-4 s each; no respawn round fits in 20 s.
            assertTrue(took.compareTo(Duration.ofSeconds(20)) < 0, () -> "took " + took.toMillis() + " ms");
            List<String> masterLines = lines(text, "Master: .*cannot load the application");
            assertEquals(1, masterLines.size(), () -> "the master's load-failure lines\n" + text);
            assertTrue(masterLines.get(0).contains("stopping the app-server"), masterLines.get(0));
            assertEquals(2, lines(text, "Master: spawned worker").size(), () -> "spawns (no respawn expected)\n" + text);
            assertEquals(0, lines(text, "retrying in").size(), () -> "a respawn was attempted\n" + text);
            List<String> workerLines = lines(text, "app class com.example.Missing not found on the class path");
            assertTrue(!workerLines.isEmpty() && workerLines.size() <= 2, () -> "the workers' reason\n" + text);
        }
    }

    @Test
    void workerDyingAtBootIsRetriedWithGrowingBackoff() {
        // A JVM option the JVM rejects: the worker exits 1 before it can say hello.
        try (GatehouseAppServer server = GatehouseAppServer.builder().app("dev.gatehouse.demo.DemoApp").workers(1)
                .args("--set", "jvm_options=-XX:+GatehouseNoSuchOption").start()) {
            long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
            while (lines(server.log(), "died while booting").size() < 4 && System.nanoTime() < deadline) {
                MasterUnderTest.sleep(Duration.ofMillis(100));
            }
            assertTrue(server.handle().isAlive(), () -> "the master gave up\n" + server.diagnostics());
            List<Long> delays = new ArrayList<>();
            Pattern retry = Pattern.compile("died while booting \\(exit code 1\\); retrying in (\\d+) ms");
            for (String line : lines(server.log(), "died while booting")) {
                Matcher m = retry.matcher(line);
                assertTrue(m.find(), line);
                delays.add(Long.parseLong(m.group(1)));
            }
            log.info("boot retry delays: {}", delays);
            assertTrue(delays.size() >= 4, () -> "boot failures seen: " + delays + "\n" + server.diagnostics());
            for (int i = 1; i < delays.size(); i++) {
                assertTrue(delays.get(i) > delays.get(i - 1), () -> "backoff does not grow: " + delays);
            }

            UnixSignal.send(server.pid(), "TERM");
            assertEquals(OptionalInt.of(0), server.waitForExit(Duration.ofSeconds(10)),
                    () -> "exit after TERM while backing off\n" + server.diagnostics());
        }
    }

    private static List<String> lines(String text, String regex) {
        Pattern p = Pattern.compile(regex);
        return text.lines().filter(l -> p.matcher(l).find()).toList();
    }
}
