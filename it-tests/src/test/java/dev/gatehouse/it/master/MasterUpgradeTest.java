package dev.gatehouse.it.master;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gatehouse.appserver.control.AdminCommands;
import dev.gatehouse.it.support.GatehouseAppServer;
import dev.gatehouse.it.support.UwsgiPacketClient;
import dev.gatehouse.systemd.FakeNotifySocket;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Upgrading the master in place, as nginx's USR2 does: the running master starts a successor
 * with its own command line, the successor takes the listening socket over the admin socket,
 * starts its workers, and the old master retires once they serve. Clients open a new connection
 * per request all along; none may fail.
 */
class MasterUpgradeTest {

    private static final int WORKERS = 2;
    private static final Duration WAIT = Duration.ofSeconds(120);

    @TempDir
    Path work;

    /** The successor, which outlives the fixture's process: stopped here whatever the outcome. */
    private final Set<Long> successors = new HashSet<>();

    @BeforeEach
    void noSuccessorYet() {
        successors.clear();
    }

    @AfterEach
    void stopSuccessors() {
        for (long pid : successors) {
            ProcessHandle.of(pid).ifPresent(h -> {
                h.destroy();
                h.onExit().orTimeout(60, java.util.concurrent.TimeUnit.SECONDS).exceptionally(t -> {
                    h.destroyForcibly();
                    return h;
                }).join();
            });
        }
    }

    private static GatehouseAppServer.Builder server(Path appJar) {
        return GatehouseAppServer.builder().app(VersionedAppJar.CLASS_NAME).classpath(appJar.toString())
                .workers(WORKERS).args("--pidfile", "@DIR@/app.pid")
                // What bin/gatehouse sets: HotSpot suspends threads with another signal, USR2 is free.
                .environment("_JAVA_SR_SIGNUM", "40");
    }

    @Test
    void ctlUpgradeHandsTheSocketToANewMasterWithoutAFailedRequest() throws Exception {
        Path appJar = VersionedAppJar.build(work, "v1", work.resolve("app.jar"));
        Path nextJar = VersionedAppJar.build(work, "v2", work.resolve("app-v2.jar"));
        try (MasterUnderTest master = MasterUnderTest.start(server(appJar))) {
            Set<Long> oldWorkers = master.awaitServing(WORKERS);
            Path pidfile = master.server().dir().resolve("app.pid");
            long oldPid = master.pid();
            try (UwsgiLoad load = new UwsgiLoad(master.server().socketPath(), "/", 4, Duration.ofMillis(2))) {
                load.awaitOk(100);
                // A new release in place, as an operator copies it before upgrading.
                Files.move(nextJar, appJar, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                String answer = AdminCommands.ask(master.server().dir().resolve("app-" + oldPid + ".ctl"), "upgrade");
                assertTrue(answer.startsWith("ok: upgrading, new master pid "), answer);
                long newPid = Long.parseLong(answer.replaceAll("(?s)^ok: upgrading, new master pid (\\d+) .*$", "$1"));
                successors.add(newPid);

                master.awaitLogLine("upgrade: master pid " + newPid + " serves on .* with " + WORKERS
                        + " worker\\(s\\); the old master retires", WAIT);
                assertTrue(master.server().waitForExit(WAIT).isPresent(), "the old master did not exit");
                assertEquals(0, master.server().waitForExit(Duration.ZERO).getAsInt(), master::diagnostics);
                for (long w : oldWorkers) {
                    ProcessHandle.of(w).ifPresent(h -> h.onExit().join());
                }
                assertEquals(newPid + "\n", Files.readString(pidfile));
                // The new generation answers, from the new release, on the same socket.
                awaitAnswer(master.server().socketPath(), "v2 ", WAIT);
                load.awaitOk(100);
                load.close();
                assertEquals(List.of(), load.failures());
                assertTrue(Files.exists(master.server().socketPath()), "the socket file is the new master's now");
                assertTrue(master.logLines("upgrade: handed the listening socket").size() == 1, master::diagnostics);
            }
            stopSuccessors(); // before the fixture removes the directory the new master serves in
        }
    }

    @Test
    void usr2StartsTheUpgrade() throws Exception {
        Path appJar = VersionedAppJar.build(work, "v1", work.resolve("app.jar"));
        try (MasterUnderTest master = MasterUnderTest.start(server(appJar))) {
            master.awaitServing(WORKERS);
            long oldPid = master.pid();
            try (UwsgiLoad load = new UwsgiLoad(master.server().socketPath(), "/", 2, Duration.ofMillis(5))) {
                load.awaitOk(50);
                master.signal("USR2");
                var started = master.awaitLogLine("USR2: ok: upgrading, new master pid (\\d+) ", WAIT);
                long newPid = Long.parseLong(started.group(1));
                successors.add(newPid);
                assertTrue(newPid != oldPid);
                master.awaitLogLine("upgrade: master pid " + newPid + " serves on ", WAIT);
                assertTrue(master.server().waitForExit(WAIT).isPresent(), "the old master did not exit");
                load.awaitOk(50);
                load.close();
                assertEquals(List.of(), load.failures());
            }
            stopSuccessors();
        }
    }

    @Test
    void underSystemdTheOldMasterNamesTheNewOneMainPidAndTheNewOneFeedsTheWatchdog() throws Exception {
        Path appJar = VersionedAppJar.build(work, "v1", work.resolve("app.jar"));
        try (FakeNotifySocket systemd = new FakeNotifySocket(work);
                MasterUnderTest master = MasterUnderTest.start(server(appJar)
                        .environment("NOTIFY_SOCKET", systemd.path().toString())
                        .environment("WATCHDOG_USEC", "2000000"))) {
            master.awaitServing(WORKERS);
            systemd.await("READY=1", m -> m.startsWith("READY=1"), WAIT);
            long oldPid = master.pid();
            String answer = AdminCommands.ask(master.server().dir().resolve("app-" + oldPid + ".ctl"), "upgrade");
            long newPid = Long.parseLong(answer.replaceAll("(?s)^ok: upgrading, new master pid (\\d+) .*$", "$1"));
            successors.add(newPid);
            systemd.await("MAINPID=" + newPid, ("MAINPID=" + newPid)::equals, WAIT);
            assertEquals("READY=1\nSTATUS=serving generation 1 with " + WORKERS + " worker(s) after an upgrade",
                    systemd.await("the new master's READY=1", m -> m.startsWith("READY=1"), WAIT));
            // The old master stopped pinging before it named the new one: this ping is the new one's.
            systemd.await("WATCHDOG=1 from the new master", "WATCHDOG=1"::equals, WAIT);
            assertTrue(master.server().waitForExit(WAIT).isPresent(), "the old master did not exit");
            stopSuccessors();
        }
    }

    @Test
    void aNewMasterThatCannotLoadTheAppLeavesTheOldOneServing() throws Exception {
        Path appJar = VersionedAppJar.build(work, "v1", work.resolve("app.jar"));
        // The same class from the old jar, already loaded by the old workers; the new release is broken.
        Path brokenJar = VersionedAppJar.broken(work.resolve("broken.jar"));
        try (MasterUnderTest master = MasterUnderTest.start(server(appJar))) {
            Set<Long> oldWorkers = master.awaitServing(WORKERS);
            Path pidfile = master.server().dir().resolve("app.pid");
            long oldPid = master.pid();
            try (UwsgiLoad load = new UwsgiLoad(master.server().socketPath(), "/", 2, Duration.ofMillis(5))) {
                load.awaitOk(50);
                Files.move(brokenJar, appJar, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                String answer = AdminCommands.ask(master.server().dir().resolve("app-" + oldPid + ".ctl"), "upgrade");
                long newPid = Long.parseLong(answer.replaceAll("(?s)^ok: upgrading, new master pid (\\d+) .*$", "$1"));
                successors.add(newPid);
                master.awaitLogLine("upgrade: the new master \\(pid " + newPid + "\\) exited with code \\d+ before it"
                        + " took over; still serving", WAIT);
                // The old master and its workers serve on, with the socket file, pidfile and stats in place.
                load.awaitOk(50);
                load.close();
                assertEquals(List.of(), load.failures());
                assertEquals(oldPid + "\n", Files.readString(pidfile));
                assertTrue(Files.exists(master.server().socketPath()));
                MasterStats stats = master.awaitStats("stats back", s -> s.serving().size() == WORKERS, WAIT);
                assertEquals(oldWorkers, new HashSet<>(stats.servingPids()));
                assertTrue(master.server().handle().isAlive());
            }
        }
    }

    private static void awaitAnswer(Path socket, String prefix, Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        Optional<String> last = Optional.empty();
        while (System.nanoTime() < deadline) {
            String reply = new String(UwsgiPacketClient.exchange(socket, 0, UwsgiPacketClient.getVars("/"), new byte[0],
                    Duration.ofSeconds(30)), StandardCharsets.UTF_8);
            String body = reply.substring(reply.indexOf("\r\n\r\n") + 4);
            if (body.startsWith(prefix)) {
                return;
            }
            last = Optional.of(body);
            MasterUnderTest.sleep(Duration.ofMillis(100));
        }
        throw new AssertionError("no answer starting with \"" + prefix + "\" within " + timeout + "; last " + last);
    }
}
