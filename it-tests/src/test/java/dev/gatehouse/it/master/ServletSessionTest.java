package dev.gatehouse.it.master;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gatehouse.it.support.ExampleWar;
import dev.gatehouse.it.support.GatehouseAppServer;
import dev.gatehouse.it.support.Nginx;
import dev.gatehouse.it.support.RawHttpClient;
import dev.gatehouse.it.support.RawHttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.OptionalInt;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Servlet sessions on a prefork pool: the kernel, not a cookie, picks the worker, so the Spring
 * example's HttpSession counter must count on whichever worker answers, past a worker killed
 * with {@code kill -9} and past a HUP reload (a whole new generation of workers). And a WAR
 * that cannot deploy stops the server at boot with exit code 3 and one line naming the cause.
 */
class ServletSessionTest {

    private static final int WORKERS = 2;

    @TempDir
    Path tmp;

    private static Path war() {
        return ExampleWar.build(ExampleWar.REPO.resolve("examples/spring-app"), "spring-app.war");
    }

    /** One counter request with the session cookie; asserts the count it answers. */
    private static void expectCount(Nginx nginx, String cookie, int n, MasterUnderTest master) {
        RawHttpResponse r = RawHttpClient.get(nginx.port(), "/api/counter", "Cookie: " + cookie);
        assertEquals("{\"count\":" + n + "}", r.bodyText(), () -> "request " + n + ": " + r + "\n" + master.diagnostics());
    }

    @Test
    void sessionCounterSurvivesBothWorkersAKill9AndAHupReload() {
        try (MasterUnderTest master = MasterUnderTest.start(GatehouseAppServer.builder()
                .workers(WORKERS)
                .args("--war", war().toString(), "--set", "session_dir=" + tmp.resolve("sessions"),
                        "--set", "jvm_options=-Xmx128m -XX:+UseSerialGC")
                .startTimeout(MasterUnderTest.BOOT));
                Nginx nginx = master.startNginx()) {
            master.awaitServing(WORKERS);
            RawHttpResponse first = RawHttpClient.get(nginx.port(), "/api/counter");
            assertEquals("{\"count\":1}", first.bodyText(), () -> first + "\n" + master.diagnostics());
            String setCookie = first.header("Set-Cookie").orElseThrow(() -> new AssertionError("no cookie: " + first));
            String cookie = setCookie.substring(0, setCookie.indexOf(';'));

            // Until both workers have answered counter requests (nginx: one connection each,
            // the kernel spreads them); every answer one more than the last.
            int n = 1;
            while (!master.stats().serving().stream().allMatch(w -> w.requests() > 0)) {
                expectCount(nginx, cookie, ++n, master);
                assertTrue(n < 400, () -> "one worker took every request: " + master.stats().json());
            }
            expectCount(nginx, cookie, ++n, master);

            long victim = master.stats().serving().get(0).pid();
            ProcessHandle.of(victim).orElseThrow().destroyForcibly();
            ProcessHandle.of(victim).ifPresent(h -> h.onExit().join());
            for (int i = 0; i < 5; i++) {
                expectCount(nginx, cookie, ++n, master);
            }
            Set<Long> afterKill = master.awaitServing(WORKERS);
            assertTrue(!afterKill.contains(victim), () -> "the killed worker still serves: " + afterKill);
            for (int i = 0; i < 5; i++) {
                expectCount(nginx, cookie, ++n, master);
            }

            master.signal("HUP");
            master.awaitStats("generation 2 alone, " + WORKERS + " workers serving",
                    s -> s.workers().size() == WORKERS && s.serving().size() == WORKERS
                            && s.workers().stream().allMatch(w -> w.generation() == 2),
                    MasterUnderTest.BOOT);
            for (int i = 0; i < 10; i++) {
                expectCount(nginx, cookie, ++n, master);
            }
            assertTrue(master.stats().serving().stream().allMatch(w -> w.generation() == 2));
        }
    }

    @Test
    void warThatCannotDeployStopsTheServerWithExitCode3AndOneLine() throws Exception {
        Path bad = tmp.resolve("broken.war");
        Files.writeString(bad, "this is not a zip file\n");
        try (GatehouseAppServer server = GatehouseAppServer.builder().workers(WORKERS)
                .args("--war", bad.toString(), "--set", "session_dir=" + tmp.resolve("sessions")).launch()) {
            OptionalInt exit = server.waitForExit(Duration.ofSeconds(90));
            assertEquals(OptionalInt.of(3), exit, () -> "exit status\n" + server.diagnostics());
            String log = server.log();
            List<String> master = log.lines().filter(l -> l.contains("Master: ") && l.contains("cannot load the application")).toList();
            assertEquals(1, master.size(), () -> "the master's load-failure lines\n" + log);
            List<String> workers = log.lines().filter(l -> l.contains("war " + bad + " is not a WAR (zip) file: ")).toList();
            assertTrue(!workers.isEmpty() && workers.size() <= WORKERS, () -> "the workers' reason\n" + log);
            assertTrue(log.lines().noneMatch(l -> l.startsWith("\tat ")), () -> "a stack trace in the log\n" + log);
        }
    }
}
