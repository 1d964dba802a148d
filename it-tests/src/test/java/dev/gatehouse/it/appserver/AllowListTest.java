package dev.gatehouse.it.appserver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gatehouse.it.support.FreePort;
import dev.gatehouse.it.support.GatehouseAppServer;
import dev.gatehouse.it.support.ManagedProcess;
import dev.gatehouse.it.support.ScratchDir;
import dev.gatehouse.it.support.ServerJvm;
import dev.gatehouse.it.support.UwsgiPacketClient;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/**
 * The uwsgi socket as a trust boundary: a TCP app-server admits only the fronts its {@code allow}
 * list names (the vars, {@code REMOTE_ADDR} and {@code HTTPS} among them, are believed as sent),
 * and does not start on an address beyond loopback without that list. A second loopback address,
 * 127.0.0.2, plays the front that is not allowed.
 */
class AllowListTest {

    private static final Duration WAIT = Duration.ofSeconds(60);

    private static ManagedProcess start(ScratchDir dir, String toml) throws Exception {
        Path file = Files.writeString(dir.resolve("gatehouse-app.toml"), toml);
        List<String> command = ServerJvm.command(List.of(), ServerJvm.defaultClasspath(),
                GatehouseAppServer.MAIN_CLASS);
        command.addAll(List.of("--config", file.toString()));
        return ManagedProcess.start("Gatehouse app-server (allow)", command, dir.path(), dir.resolve("app-server.log"),
                List.of(), Map.of(), ManagedProcess.StopPolicy.term(Duration.ofSeconds(10)));
    }

    /** Sends a GET /hello packet from {@code source} and reads to the end. */
    private static String helloFrom(String source, int port) throws Exception {
        try (Socket s = new Socket()) {
            s.bind(new InetSocketAddress(source, 0));
            s.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
            s.setSoTimeout((int) WAIT.toMillis());
            OutputStream out = s.getOutputStream();
            out.write(UwsgiPacketClient.packet(0, 0, UwsgiPacketClient.getVars("/hello"), new byte[0]));
            out.flush();
            InputStream in = s.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
        } catch (java.net.SocketException e) {
            return "reset: " + e.getMessage(); // closed before our packet was read
        }
    }

    @Test
    void aFrontOutsideTheAllowListIsClosedUnansweredAndLogged() throws Exception {
        int port = FreePort.pick();
        try (ScratchDir dir = ScratchDir.create("allow");
                ManagedProcess server = start(dir, "bind = \"127.0.0.1:" + port + "\"\nworkers = 1\n"
                        + "app = \"dev.gatehouse.demo.DemoApp\"\nallow = [\"127.0.0.1\"]\n")) {
            server.awaitLog("the worker ready", l -> l.contains(") ready, running "), WAIT);
            assertTrue(helloFrom("127.0.0.1", port).startsWith("HTTP/1.1 200 "), server::diagnostics);

            String refused = helloFrom("127.0.0.2", port);
            assertFalse(refused.contains("HTTP/1.1"), "a front not in allow got an answer: " + refused);
            server.awaitLog("the refusal line", l -> l.contains("worker 1: refused a connection from 127.0.0.2:")
                    && l.contains("not in allow"), WAIT);
            // The worker lives on and serves the allowed front.
            assertTrue(helloFrom("127.0.0.1", port).startsWith("HTTP/1.1 200 "), server::diagnostics);
            assertFalse(server.log().contains("\tat "), "no stack trace for a refused front");
        }
    }

    @Test
    void aNetworkRangeAdmitsEveryAddressInIt() throws Exception {
        int port = FreePort.pick();
        try (ScratchDir dir = ScratchDir.create("allow");
                ManagedProcess server = start(dir, "bind = \"127.0.0.1:" + port + "\"\nworkers = 1\n"
                        + "app = \"dev.gatehouse.demo.DemoApp\"\nallow = [\"127.0.0.0/30\"]\n")) {
            server.awaitLog("the worker ready", l -> l.contains(") ready, running "), WAIT);
            assertTrue(helloFrom("127.0.0.2", port).startsWith("HTTP/1.1 200 "), server::diagnostics);
            assertTrue(helloFrom("127.0.0.3", port).startsWith("HTTP/1.1 200 "), server::diagnostics);
            assertFalse(helloFrom("127.0.0.4", port).contains("HTTP/1.1"), server::diagnostics);
        }
    }

    @Test
    void aBindBeyondLoopbackWithoutAllowDoesNotStart() throws Exception {
        try (ScratchDir dir = ScratchDir.create("allow");
                ManagedProcess server = start(dir, "bind = \"0.0.0.0:" + FreePort.pick() + "\"\n")) {
            OptionalInt exit = server.waitForExit(WAIT);
            assertEquals(OptionalInt.of(1), exit, server::diagnostics);
            assertTrue(server.log().contains("allow = [] (the default): expected the fronts allowed to connect"),
                    server::diagnostics);
            assertFalse(server.log().contains("\tat "), "no stack trace");
        }
    }
}
