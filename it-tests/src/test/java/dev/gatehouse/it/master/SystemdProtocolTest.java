package dev.gatehouse.it.master;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gatehouse.it.support.GatehouseAppServer;
import dev.gatehouse.it.support.UwsgiPacketClient;
import dev.gatehouse.systemd.FakeNotifySocket;
import dev.gatehouse.systemd.SocketActivation;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The master under systemd, as a .socket unit and a {@code Type=notify} service start it: it
 * adopts the uwsgi socket passed on descriptor 3 instead of binding one, its workers accept from
 * it, and it tells the notify socket each state change and feeds the watchdog.
 */
class SystemdProtocolTest {

    private static final Duration WAIT = Duration.ofSeconds(90);

    @TempDir
    Path scratch;

    @Test
    void socketActivatedMasterServesOnThePassedSocketAndNotifiesEachState() throws Exception {
        try (FakeNotifySocket systemd = new FakeNotifySocket(scratch);
                MasterUnderTest master = MasterUnderTest.start(GatehouseAppServer.builder()
                        .app("dev.gatehouse.demo.DemoApp").workers(2)
                        .commandPrefix(SocketActivation.command(scratch, false, List.of("app=@DIR@/app.sock"), List.of()))
                        .environment("NOTIFY_SOCKET", systemd.path().toString())
                        .environment("WATCHDOG_USEC", "2000000"))) {
            String ready = systemd.await("READY=1", m -> m.startsWith("READY=1"), WAIT);
            assertEquals("READY=1\nSTATUS=serving generation 1 with 2 worker(s)", ready);
            // READY only once both workers serve: systemd starts the proxy after it.
            assertEquals(2, master.awaitServing(2).size());
            assertEquals(1, master.logLines("socket passed by systemd \\(fd 3, name app\\)").size(), master::diagnostics);
            assertTrue(hello(master).endsWith("Hello, World!"));
            systemd.await("WATCHDOG=1", "WATCHDOG=1"::equals, WAIT);

            master.signal("HUP");
            systemd.await("RELOADING=1", m -> m.startsWith("RELOADING=1\nMONOTONIC_USEC="), WAIT);
            assertEquals("READY=1\nSTATUS=serving generation 2 with 2 worker(s)",
                    systemd.await("READY=1 after the reload", m -> m.startsWith("READY=1"), WAIT));
            assertTrue(hello(master).endsWith("Hello, World!"));

            Path socket = master.server().socketPath();
            master.signal("TERM");
            systemd.await("STOPPING=1", m -> m.startsWith("STOPPING=1"), WAIT);
            assertEquals(OptionalInt.of(0), master.waitForExit(WAIT), master::diagnostics);
            // The socket file is the .socket unit's: the master leaves it for the next start.
            assertTrue(Files.exists(socket), "the passed socket's file was removed");
        }
    }

    @Test
    void aBlockingPassedSocketStopsTheMasterWithTheUnitSettingToFixIt() throws Exception {
        try (GatehouseAppServer server = GatehouseAppServer.builder().app("dev.gatehouse.demo.DemoApp")
                .commandPrefix(SocketActivation.command(scratch, true, List.of("app=@DIR@/app.sock"), List.of()))
                .launch()) {
            OptionalInt exit = server.waitForExit(WAIT);
            assertTrue(exit.isPresent() && exit.getAsInt() != 0, server::diagnostics);
            assertTrue(server.log().contains("(fd 3, name app) is blocking: set NonBlocking=yes in the service unit"),
                    server::diagnostics);
            assertTrue(!server.log().contains("\tat "), "no stack trace:\n" + server.log());
        }
    }

    private static String hello(MasterUnderTest master) {
        return new String(UwsgiPacketClient.exchange(master.server().socketPath(), 0,
                UwsgiPacketClient.getVars("/hello"), new byte[0], Duration.ofSeconds(30)), StandardCharsets.UTF_8);
    }
}
