package dev.gatehouse.it.support;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * The parts of the {@link GatehouseAppServer} fixture that do not need a working app-server;
 * starting a real one is covered by the tests that use it (e.g. {@code JwsgiCompatTest}).
 */
class GatehouseAppServerFixtureTest {

    @Test
    void failsWithTheLogTailWhenTheServerExitsAtStart() {
        // close() only runs if start() wrongly succeeds.
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> GatehouseAppServer.builder()
                .mainClass("dev.gatehouse.it.NoSuchMain")
                .jwsgi("dev.gatehouse.demo.jwsgi.JwsgiShapes:application")
                .start().close());
        assertTrue(e.getMessage().contains("exited with status 1"), e.getMessage());
        assertTrue(e.getMessage().contains("dev.gatehouse.it.NoSuchMain"), e.getMessage());
        assertTrue(e.getMessage().contains("app-server.log"), e.getMessage());
    }
}
