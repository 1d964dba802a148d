package dev.gatehouse.it.master;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gatehouse.it.support.GatehouseAppServer;
import dev.gatehouse.it.support.ServerJvm;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@code gatehouse ctl} against a running master, as a separate process: list, add, remove,
 * stop one worker, reload, show the config; and {@code ctl top} in a real terminal (tmux).
 */
class CtlTest {

    private static final Duration WAIT = Duration.ofSeconds(90);

    record Run(int exit, String out) {
    }

    private static Run ctl(Path pidfile, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(ServerJvm.command(List.of(), ServerJvm.defaultClasspath(),
                "dev.gatehouse.appserver.ctl.CtlCommand"));
        cmd.addAll(List.of("--pidfile", pidfile.toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "ctl did not finish");
        return new Run(p.exitValue(), out);
    }

    @Test
    void ctlListsAddsRemovesStopsAWorkerReloadsAndShowsTheConfig() throws Exception {
        try (MasterUnderTest master = MasterUnderTest.start(GatehouseAppServer.builder()
                .app("dev.gatehouse.demo.DemoApp").workers(1).args("--pidfile", "@DIR@/app.pid"))) {
            Set<Long> first = master.awaitServing(1);
            Path pidfile = master.server().dir().resolve("app.pid");
            Path admin = master.server().dir().resolve("app-" + master.pid() + ".ctl");
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(admin)));

            Run workers = ctl(pidfile, "workers");
            assertEquals(0, workers.exit(), workers.out());
            assertTrue(workers.out().startsWith("master pid " + master.pid() + ", listening on unix:"), workers.out());
            long workerPid = first.iterator().next();
            assertTrue(workers.out().lines().anyMatch(l -> l.matches("1\\s+" + workerPid + "\\s+1\\s+(idle|busy)\\s+.*")),
                    workers.out());

            Run json = ctl(pidfile, "--json", "workers");
            assertTrue(json.out().startsWith("{\"version\":\"gatehouse\",\"pid\":" + master.pid()), json.out());

            assertEquals("ok: 2 worker(s) wanted\n", ctl(pidfile, "add").out());
            assertEquals(2, master.awaitServing(2).size());
            assertEquals("ok: 1 worker(s) wanted\n", ctl(pidfile, "remove").out());
            Set<Long> one = master.awaitServing(1);

            long before = one.iterator().next();
            int id = master.stats().worker(before).id();
            Run stop = ctl(pidfile, "stop-worker", Integer.toString(id));
            assertTrue(stop.out().startsWith("ok: worker " + id + " (pid " + before + ") stops gracefully"), stop.out());
            master.awaitStats("worker " + before + " replaced",
                    s -> s.serving().size() == 1 && !s.servingPids().contains(before), WAIT);

            Run reload = ctl(pidfile, "reload");
            assertTrue(reload.out().startsWith("ok: reloading, generation 2 starting"), reload.out());
            master.awaitLogLine("HUP: reload done, generation 2 serving", WAIT);

            Run config = ctl(pidfile, "config");
            assertTrue(config.out().contains("\napp = \"dev.gatehouse.demo.DemoApp\"\n"), config.out());
            Run bad = ctl(pidfile, "frobnicate");
            assertEquals(1, bad.exit());
            assertTrue(bad.out().startsWith("error: unknown command \"frobnicate\"; commands: "), bad.out());
            assertEquals(1, ctl(pidfile, "stop-worker", "99").exit());
        }
    }

    @Test
    void ctlTopRedrawsTheWorkerTableInATerminal() throws Exception {
        try (MasterUnderTest master = MasterUnderTest.start(GatehouseAppServer.builder()
                .app("dev.gatehouse.demo.DemoApp").workers(2).args("--pidfile", "@DIR@/app.pid"))) {
            Set<Long> pids = master.awaitServing(2);
            Path pidfile = master.server().dir().resolve("app.pid");
            String session = "gatehouse-ctl-top-" + ProcessHandle.current().pid();
            List<String> cmd = new ArrayList<>(ServerJvm.command(List.of(),
                    ServerJvm.defaultClasspath(), "dev.gatehouse.appserver.ctl.CtlCommand"));
            cmd.addAll(List.of("--pidfile", pidfile.toString(), "--interval-ms", "200", "top"));
            Path script = Files.writeString(master.server().dir().resolve("top.sh"),
                    "exec " + String.join(" ", cmd.stream().map(a -> "'" + a + "'").toList()) + "\n");
            tmux("new-session", "-d", "-s", session, "-x", "160", "-y", "40", "bash " + script);
            try {
                long deadline = System.nanoTime() + WAIT.toNanos();
                String screen = "";
                while (System.nanoTime() < deadline) {
                    screen = tmux("capture-pane", "-p", "-t", session);
                    String s = screen;
                    if (s.contains("gatehouse ctl top, every 200 ms") && pids.stream().allMatch(p -> s.contains(" " + p + " "))) {
                        break;
                    }
                    Thread.sleep(100);
                }
                String s = screen;
                assertTrue(s.contains("gatehouse ctl top, every 200 ms (Ctrl-C to quit)"), s);
                assertTrue(pids.stream().allMatch(p -> s.contains(" " + p + " ")), "both workers on screen:\n" + s);
                // A redraw, not a scroll: the header is on the screen once.
                assertEquals(1, s.lines().filter(l -> l.startsWith("master pid ")).count(), s);
            } finally {
                tmux("kill-session", "-t", session);
            }
        }
    }

    private static String tmux(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("tmux"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor(30, TimeUnit.SECONDS);
        return out;
    }
}
