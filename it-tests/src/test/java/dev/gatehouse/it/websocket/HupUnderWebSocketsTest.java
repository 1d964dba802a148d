package dev.gatehouse.it.websocket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gatehouse.it.support.GatehouseAppServer;
import dev.gatehouse.it.support.GatehouseProxy;
import dev.gatehouse.it.support.NodeWsClient;
import dev.gatehouse.it.support.ResourceStack;
import dev.gatehouse.it.support.UnixSignal;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * A reload (HUP) under 1,000 open WebSockets with messages flowing, through the Gatehouse proxy:
 * the old generation's workers keep their sockets for {@code graceful_timeout}, then close every
 * one with 1001; each socket got every echo in order until then; a new socket reaches a worker of
 * the new generation.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 600, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class HupUnderWebSocketsTest {

    private static final int SOCKETS = 1000;
    private static final Pattern CLOSED = Pattern.compile("closing (\\d+) open WebSocket\\(s\\) with 1001");

    private final ResourceStack processes = new ResourceStack();
    private GatehouseAppServer app;
    private GatehouseProxy proxy;

    @BeforeAll
    void start() {
        NodeWsClient.install();
        app = processes.push(GatehouseAppServer.builder()
                .app("dev.gatehouse.demo.DemoApp")
                .workers(2)
                .args("--set", "graceful_timeout=5s", "--set", "jvm_options=-Xmx256m -XX:+UseSerialGC")
                .startTimeout(Duration.ofSeconds(90))
                .start());
        proxy = processes.push(GatehouseProxy.builder()
                .jvmArgs("-Xmx128m", "-XX:+UseSerialGC")
                .forwardingEverythingTo(app.uwsgiPass())
                .start());
    }

    @AfterAll
    void stop() {
        processes.close();
    }

    @Test
    void everyOldSocketGets1001AfterTheGraceAndNewOnesReachTheNewGeneration() throws Exception {
        try (NodeWsClient.Running client = NodeWsClient.start("ws://127.0.0.1:" + proxy.port() + "/ws/echo", "hup",
                Integer.toString(SOCKETS))) {
            client.awaitLine("READY", Duration.ofSeconds(180));
            long hup = System.nanoTime();
            assertTrue(UnixSignal.send(app.pid(), "HUP"), "kill -s HUP " + app.pid());
            List<String> lines = client.finish(Duration.ofSeconds(240));
            long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - hup);
            org.slf4j.LoggerFactory.getLogger(HupUnderWebSocketsTest.class).info(
                    "HUP under {} WebSockets: all closed with 1001 and a new socket served {} ms after the HUP: {}",
                    SOCKETS, took, lines);
            assertEquals(List.of("OK every socket closed with 1001", "OK no echo missing or out of order",
                    "OK messages flowed", "OK a new socket reaches the new generation", "DONE"),
                    lines.subList(1, lines.size()), () -> lines + "\n" + app.diagnostics());
            // The sockets were held for the grace period: not closed before it ran out.
            assertTrue(took >= 5_000, "the sockets were closed " + took + " ms after the HUP, before graceful_timeout");
        }
        int closed = 0;
        Matcher m = CLOSED.matcher(app.log());
        while (m.find()) {
            closed += Integer.parseInt(m.group(1));
        }
        assertEquals(SOCKETS + 0, closed, app::diagnostics);
    }
}
