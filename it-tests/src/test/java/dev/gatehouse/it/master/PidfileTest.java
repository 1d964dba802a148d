package dev.gatehouse.it.master;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.gatehouse.it.support.GatehouseAppServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.OptionalInt;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code --pidfile}: the master writes its own pid there once it runs, and removes the file (and
 * its unix socket) when it stops cleanly, by TERM or by INT.
 */
class PidfileTest {

    @ParameterizedTest(name = "stopped by {0}")
    @ValueSource(strings = {"TERM", "INT"})
    void pidfileHoldsTheMastersPidAndIsRemovedOnACleanStop(String signal) throws Exception {
        try (MasterUnderTest master = MasterUnderTest.start(GatehouseAppServer.builder()
                .app("dev.gatehouse.demo.DemoApp").workers(1)
                .args("--pidfile", "@DIR@/master.pid"))) {
            Path pidfile = master.server().dir().resolve("master.pid");
            master.awaitServing(1);

            assertEquals(master.pid() + "\n", Files.readString(pidfile), "pidfile content");

            master.signal(signal);
            OptionalInt exit = master.waitForExit(Duration.ofSeconds(30));
            assertEquals(OptionalInt.of(0), exit, () -> "exit status after " + signal + "\n" + master.diagnostics());
            assertFalse(Files.exists(pidfile), () -> "pidfile left after " + signal + "\n" + master.diagnostics());
            assertFalse(Files.exists(master.server().socketPath()),
                    () -> "socket file left after " + signal + "\n" + master.diagnostics());
        }
    }
}
