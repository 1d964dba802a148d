package dev.gatehouse.systemd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServiceNotifierTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    @Test
    void withoutNotifySocketNothingIsEnabled() {
        ServiceNotifier n = ServiceNotifier.from(Map.of(), 42);
        assertFalse(n.enabled());
        assertEquals(Optional.empty(), n.watchdogPingInterval());
        n.ready("x"); // sends nothing, throws nothing
    }

    @Test
    void statesReachTheNotifySocketInOrder() throws Exception {
        try (FakeNotifySocket manager = new FakeNotifySocket(dir)) {
            ServiceNotifier n = ServiceNotifier.from(Map.of("NOTIFY_SOCKET", manager.path().toString()), 42);
            assertTrue(n.enabled());
            n.ready("serving on 127.0.0.1:8080");
            n.reloading();
            n.ready("serving\nagain");
            n.stopping();
            n.mainPid(4242);
            n.watchdog();
            assertEquals("READY=1\nSTATUS=serving on 127.0.0.1:8080", manager.await("READY", m -> true, WAIT));
            String reloading = manager.await("RELOADING", m -> true, WAIT);
            assertTrue(reloading.matches("RELOADING=1\nMONOTONIC_USEC=\\d+\nSTATUS=reloading"), reloading);
            long usec = Long.parseLong(reloading.split("\n")[1].substring("MONOTONIC_USEC=".length()));
            // CLOCK_MONOTONIC, the clock System.nanoTime reads: not wall-clock microseconds.
            assertTrue(Math.abs(System.nanoTime() / 1000 - usec) < 60_000_000L, reloading);
            assertEquals("READY=1\nSTATUS=serving again", manager.await("READY", m -> true, WAIT));
            assertEquals("STOPPING=1\nSTATUS=stopping", manager.await("STOPPING", m -> true, WAIT));
            assertEquals("MAINPID=4242", manager.await("MAINPID", m -> true, WAIT));
            assertEquals("WATCHDOG=1", manager.await("WATCHDOG", m -> true, WAIT));
        }
    }

    @Test
    void watchdogPingsAtHalfTheIntervalAndOnlyForTheNamedPid() {
        Map<String, String> env = Map.of("NOTIFY_SOCKET", "/run/systemd/notify", "WATCHDOG_USEC", "30000000",
                "WATCHDOG_PID", "42");
        assertEquals(Optional.of(Duration.ofSeconds(15)), ServiceNotifier.from(env, 42).watchdogPingInterval());
        assertEquals(Optional.empty(), ServiceNotifier.from(env, 43).watchdogPingInterval());
        assertEquals(Optional.of(Duration.ofSeconds(5)), ServiceNotifier.from(
                Map.of("NOTIFY_SOCKET", "@notify", "WATCHDOG_USEC", "10000000"), 7).watchdogPingInterval());
    }

    @Test
    void aMissingManagerIsOneWarningNotAFailure() {
        ServiceNotifier n = ServiceNotifier.from(Map.of("NOTIFY_SOCKET", dir.resolve("gone.sock").toString()), 42);
        n.ready("x"); // ENOENT: logged, not thrown; the server goes on serving
        assertTrue(n.enabled());
    }

    @Test
    void anUnknownSocketFamilyDisablesNotification() {
        assertFalse(ServiceNotifier.from(Map.of("NOTIFY_SOCKET", "vsock:2:1234"), 42).enabled());
    }
}
