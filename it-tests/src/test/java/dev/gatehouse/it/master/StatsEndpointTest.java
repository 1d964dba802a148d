package dev.gatehouse.it.master;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gatehouse.it.support.FreePort;
import dev.gatehouse.it.support.GatehouseAppServer;
import dev.gatehouse.it.support.RawHttpClient;
import dev.gatehouse.it.support.RawHttpResponse;
import dev.gatehouse.it.support.UwsgiPacketClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The stats endpoint counts exactly what the workers answered: after N requests sent straight
 * over uwsgi (M of them app exceptions), the workers' {@code requests} add up to N and their
 * {@code exceptions} to M, in the raw JSON, the JSON over HTTP and the Prometheus text.
 */
class StatsEndpointTest {

    private static final int WORKERS = 2;
    private static final int HELLO_REQUESTS = 37;
    private static final int CRASH_REQUESTS = 3;

    @Test
    void countersAgreeWithTheRequestsSentInJsonAndPrometheusText() {
        int port = FreePort.pick();
        try (MasterUnderTest master = MasterUnderTest.start(GatehouseAppServer.builder()
                .app("dev.gatehouse.demo.DemoApp").workers(WORKERS), "127.0.0.1:" + port)) {
            Set<Long> pids = master.awaitServing(WORKERS);
            MasterStats idle = master.stats();
            assertEquals(0, idle.totalRequests(), idle::json);
            assertEquals(master.pid(), idle.pid(), idle::json);
            assertEquals(WORKERS, idle.targetWorkers(), idle::json);

            for (int i = 0; i < HELLO_REQUESTS; i++) {
                assertTrue(uwsgi(master, "/hello").startsWith("HTTP/1.1 200 "));
            }
            for (int i = 0; i < CRASH_REQUESTS; i++) {
                assertTrue(uwsgi(master, "/crash").startsWith("HTTP/1.1 500 "));
            }
            int sent = HELLO_REQUESTS + CRASH_REQUESTS;

            // Heartbeats come every second: the counters catch up within ~1.5 s on a quiet machine.
            master.awaitStats(sent + " requests counted", s -> s.totalRequests() >= sent, Duration.ofSeconds(60));
            MasterUnderTest.sleep(Duration.ofMillis(1500));
            MasterStats raw = master.stats();
            assertEquals(sent, raw.totalRequests(), raw::json);
            assertEquals(CRASH_REQUESTS, raw.totalExceptions(), raw::json);
            assertEquals(0, raw.totalRunning(), raw::json);
            assertEquals(pids, raw.servingPids(), raw::json);
            for (MasterStats.Worker w : raw.workers()) {
                assertTrue(w.rss() > 0, raw::json);
                assertEquals(0, w.respawnCount(), raw::json);
                assertEquals(0, w.harakiriCount(), raw::json);
                assertEquals("idle", w.status(), raw::json);
            }

            RawHttpResponse json = RawHttpClient.get(port, "/");
            assertEquals(200, json.status(), json::toString);
            assertEquals("application/json", json.header("Content-Type").orElse(""), json::toString);
            MasterStats overHttp = MasterStats.parse(json.bodyText());
            assertEquals(sent, overHttp.totalRequests(), overHttp::json);
            assertEquals(CRASH_REQUESTS, overHttp.totalExceptions(), overHttp::json);

            RawHttpResponse metrics = RawHttpClient.get(port, "/metrics");
            assertEquals(200, metrics.status(), metrics::toString);
            assertTrue(metrics.header("Content-Type").orElse("").startsWith("text/plain; version=0.0.4"),
                    metrics::toString);
            String text = metrics.bodyText();
            assertTrue(text.contains("# TYPE gatehouse_worker_requests_total counter\n"), text);
            assertEquals(sent, sumOf(text, "gatehouse_worker_requests_total", pids), text);
            assertEquals(CRASH_REQUESTS, sumOf(text, "gatehouse_worker_exceptions_total", pids), text);
            assertTrue(text.contains("\ngatehouse_workers " + WORKERS + "\n"), text);
        }
    }

    private static String uwsgi(MasterUnderTest master, String target) {
        return new String(UwsgiPacketClient.exchange(master.server().socketPath(), 0, UwsgiPacketClient.getVars(target),
                new byte[0], Duration.ofSeconds(10)), StandardCharsets.ISO_8859_1);
    }

    /** Sums one metric over its per-worker samples, checking there is one sample per worker pid. */
    private static long sumOf(String text, String metric, Set<Long> pids) {
        Pattern sample = Pattern.compile("(?m)^" + metric + "\\{worker=\"(\\d+)\",pid=\"(\\d+)\"\\} (\\d+)$");
        Matcher m = sample.matcher(text);
        Map<Long, Long> byPid = new HashMap<>();
        while (m.find()) {
            byPid.merge(Long.parseLong(m.group(2)), Long.parseLong(m.group(3)), Long::sum);
        }
        assertEquals(pids, byPid.keySet(), () -> metric + " samples per pid in:\n" + text);
        return byPid.values().stream().mapToLong(Long::longValue).sum();
    }
}
