package dev.gatehouse.systemd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.unix.DomainSocketAddress;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PassedSocketsTest {

    @Test
    void countIsForTheNamedPidOnly() {
        assertEquals(2, PassedSockets.count(Map.of("LISTEN_FDS", "2", "LISTEN_PID", "42"), 42));
        // A child that inherited its parent's variables: not its sockets.
        assertEquals(0, PassedSockets.count(Map.of("LISTEN_FDS", "2", "LISTEN_PID", "42"), 43));
        assertEquals(0, PassedSockets.count(Map.of(), 42));
        assertEquals(1, PassedSockets.count(Map.of("LISTEN_FDS", "1"), 42));
    }

    @Test
    void malformedCountIsAnErrorNamingTheVariable() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> PassedSockets.count(Map.of("LISTEN_FDS", "two", "LISTEN_PID", "42"), 42));
        assertTrue(e.getMessage().contains("LISTEN_FDS=two"), e.getMessage());
    }

    @Test
    void namesDefaultToUnknown() {
        assertEquals(List.of("http", "unknown", "unknown"),
                PassedSockets.names(Map.of("LISTEN_FDNAMES", "http::"), 3));
        assertEquals(List.of("unknown"), PassedSockets.names(Map.of(), 1));
    }

    @Test
    void addressesMatchByPortHostOrPath() throws Exception {
        InetAddress loopback = InetAddress.getByName("127.0.0.1");
        InetSocketAddress passed = new InetSocketAddress(loopback, 8080);
        assertTrue(PassedSockets.matches(passed, new InetSocketAddress(loopback, 8080)));
        assertFalse(PassedSockets.matches(passed, new InetSocketAddress(loopback, 8081)));
        assertFalse(PassedSockets.matches(passed, new InetSocketAddress(InetAddress.getByName("127.0.0.2"), 8080)));
        // *:8080 is the wildcard, which systemd's ListenStream=8080 binds ([::], dual stack).
        assertTrue(PassedSockets.matches(new InetSocketAddress(InetAddress.getByName("::"), 8080),
                new InetSocketAddress(8080)));
        assertFalse(PassedSockets.matches(passed, new InetSocketAddress(8080)));
        assertTrue(PassedSockets.matches(new DomainSocketAddress("/run/app.sock"), new DomainSocketAddress("/run/app.sock")));
        assertFalse(PassedSockets.matches(new DomainSocketAddress("/run/app.sock"), passed));
        assertFalse(PassedSockets.matches(null, passed));
    }

    @Test
    void nonBlockingIsReadFromTheFdinfoFlags() {
        assertTrue(PassedSockets.isNonBlocking("pos:\t0\nflags:\t02004002\nmnt_id:\t9\n"));
        assertFalse(PassedSockets.isNonBlocking("pos:\t0\nflags:\t02000002\nmnt_id:\t9\n"));
        assertFalse(PassedSockets.isNonBlocking("pos:\t0\n"));
    }

    @Test
    void noVariablesMeansNoSockets() {
        // The test JVM was not socket-activated.
        assertTrue(PassedSockets.fromEnvironment().isEmpty());
    }
}
