package dev.gatehouse.it.master;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gatehouse.it.support.ExampleWar;
import dev.gatehouse.it.support.GatehouseAppServer;
import dev.gatehouse.it.support.PostgresCluster;
import dev.gatehouse.it.support.UwsgiPacketClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * {@code session_store = "jdbc"} against a real PostgreSQL started by the test: two app-server
 * processes, each with its own socket (two hosts, as far as sessions go), share one session
 * counter through the database; Jetty's JDBCSessionDataStore makes its table itself.
 */
class JdbcSessionTest {

    private static final Pattern SET_COOKIE = Pattern.compile("(?mi)^Set-Cookie: (JSESSIONID=[^;\\r\\n]+)");

    private static GatehouseAppServer.Builder server(PostgresCluster pg, int workers) {
        return GatehouseAppServer.builder()
                .workers(workers)
                .args("--war", ExampleWar.build(ExampleWar.REPO.resolve("examples/spring-app"), "spring-app.war").toString(),
                        "--set", "session_store=jdbc", "--set", "session_jdbc_url=" + pg.jdbcUrl(),
                        "--set", "session_jdbc_user=postgres",
                        "--set", "jvm_options=-Xmx128m -XX:+UseSerialGC")
                .startTimeout(MasterUnderTest.BOOT);
    }

    private static String counter(GatehouseAppServer server, String cookie) {
        Map<String, String> vars = UwsgiPacketClient.getVars("/api/counter");
        if (cookie != null) {
            vars.put("HTTP_COOKIE", cookie);
        }
        return new String(UwsgiPacketClient.exchange(server.socketPath(), 0, vars, new byte[0], Duration.ofSeconds(30)),
                StandardCharsets.UTF_8);
    }

    @Test
    void sessionCounterIsSharedByTwoAppServersThroughPostgres() {
        try (PostgresCluster pg = PostgresCluster.start()) {
            // The first server's two workers start together on an empty database: both may try
            // to create the session table (one then deploys once more).
            try (MasterUnderTest a = MasterUnderTest.start(server(pg, 2))) {
                a.awaitServing(2);
                try (MasterUnderTest b = MasterUnderTest.start(server(pg, 1))) {
                    b.awaitServing(1);
                    String first = counter(a.server(), null);
                    assertTrue(first.startsWith("HTTP/1.1 200 ") && first.endsWith("{\"count\":1}"),
                            () -> first + "\n" + a.diagnostics() + "\n" + pg.log());
                    Matcher m = SET_COOKIE.matcher(first);
                    assertTrue(m.find(), first);
                    String cookie = m.group(1);
                    for (int n = 2; n <= 8; n++) {
                        MasterUnderTest next = n % 2 == 0 ? b : a;
                        String reply = counter(next.server(), cookie);
                        int expected = n;
                        assertTrue(reply.endsWith("{\"count\":" + expected + "}"),
                                () -> "request " + expected + ": " + reply + "\n" + next.diagnostics());
                    }
                    // Lines logged at ERROR: the table race's INFO line quotes PostgreSQL's
                    // "ERROR: relation ... already exists", which is expected and retried.
                    assertEquals(0, a.logLines("Z ERROR +\\[").size() + b.logLines("Z ERROR +\\[").size(),
                            () -> a.log() + "\n" + b.log());
                }
            }
        }
    }
}
