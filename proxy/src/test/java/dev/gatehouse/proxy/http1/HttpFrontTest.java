package dev.gatehouse.proxy.http1;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gatehouse.proxy.support.EchoUpstream;
import dev.gatehouse.proxy.support.RawClient;
import dev.gatehouse.proxy.support.TestProxy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The HTTP front over real sockets: keep-alive, pipelining, Expect, limits, strict parsing, timeouts. */
class HttpFrontTest {

    @TempDir
    Path root;
    TestProxy proxy;
    EchoUpstream echo = new EchoUpstream(0);

    @BeforeEach
    void writeFiles() throws IOException {
        Files.writeString(root.resolve("hello.txt"), "hello\n");
    }

    @AfterEach
    void stop() {
        if (proxy != null) {
            proxy.close();
        }
    }

    private String toml() {
        return "[[location]]\npath = \"/\"\nroot = \"" + root + "\"\n"
                + "[[location]]\npath = \"/app/\"\nupstream = \"echo\"\n"
                + "[upstream.echo]\nservers = [\"unix:/tmp/gatehouse-test-none.sock\"]\n";
    }

    private TestProxy start(Map<String, String> overrides) {
        proxy = TestProxy.start(toml(), overrides, c -> echo);
        return proxy;
    }

    private TestProxy start() {
        return start(Map.of());
    }

    @Test
    void servesKeepAliveRequestsOnOneConnection() {
        start();
        try (RawClient c = proxy.client()) {
            for (int i = 0; i < 3; i++) {
                RawClient.Response r = c.send("GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n").read();
                assertEquals(200, r.status());
                assertEquals("hello\n", r.text());
                assertNull(r.header("connection"));
                assertNotNull(r.header("date"));
                assertEquals("gatehouse", r.header("server"));
            }
        }
    }

    @Test
    void http10ClosesUnlessKeepAliveAsked() {
        start();
        try (RawClient c = proxy.client()) {
            RawClient.Response r = c.send("GET /hello.txt HTTP/1.0\r\n\r\n").read();
            assertEquals("HTTP/1.0 200 OK", r.statusLine());
            assertEquals("close", r.header("connection"));
            assertTrue(c.closedByPeer());
        }
        try (RawClient c = proxy.client()) {
            RawClient.Response r = c.send("GET /hello.txt HTTP/1.0\r\nConnection: keep-alive\r\n\r\n").read();
            assertEquals("keep-alive", r.header("connection"));
            assertEquals(200, c.send("GET /hello.txt HTTP/1.0\r\nConnection: keep-alive\r\n\r\n").read().status());
        }
    }

    @Test
    void connectionCloseIsHonoured() {
        start();
        try (RawClient c = proxy.client()) {
            RawClient.Response r = c.send("GET /hello.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").read();
            assertEquals("close", r.header("connection"));
            assertTrue(c.closedByPeer());
        }
    }

    @Test
    void keepaliveRequestsLimitClosesAfterTheLastOne() {
        start(Map.of("keepalive_requests", "2"));
        try (RawClient c = proxy.client()) {
            assertNull(c.send("GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n").read().header("connection"));
            assertEquals("close", c.send("GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n").read().header("connection"));
            assertTrue(c.closedByPeer());
        }
    }

    @Test
    void idleKeepAliveConnectionIsClosedAfterKeepaliveTimeout() {
        start(Map.of("keepalive_timeout", "300ms"));
        try (RawClient c = proxy.client()) {
            assertEquals(200, c.send("GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n").read().status());
            c.timeout(3000);
            long t0 = System.nanoTime();
            assertTrue(c.closedByPeer());
            assertTrue(System.nanoTime() - t0 < 2_000_000_000L);
        }
    }

    @Test
    void pipelinedRequestsAreAnsweredInOrderEvenWhenTheFirstIsSlow() {
        echo = new EchoUpstream(200);
        start();
        try (RawClient c = proxy.client()) {
            c.send("GET /app/one HTTP/1.1\r\nHost: x\r\n\r\nGET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\nPOST /app/two HTTP/1.1\r\nHost: x\r\n"
                    + "Content-Length: 3\r\n\r\nabcGET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n");
            assertEquals("GET /app/one", c.read().text());
            assertEquals("hello\n", c.read().text());
            assertEquals("POST /app/two", c.read().text());
            assertEquals("hello\n", c.read().text());
        }
        assertEquals("abc", new String(echo.seen.get(1).body()));
    }

    @Test
    void expectContinueGetsA100ThenTheResponse() {
        start();
        try (RawClient c = proxy.client()) {
            c.send("POST /app/up HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
            RawClient.Response cont = c.read(true);
            assertEquals(100, cont.status());
            c.send("12345");
            RawClient.Response r = c.read();
            assertEquals(200, r.status());
        }
        assertEquals("12345", new String(echo.seen.get(0).body()));
    }

    @Test
    void expectContinuePastTheBodyLimitGets413WithoutA100() {
        start(Map.of("client_max_body_size", "10"));
        try (RawClient c = proxy.client()) {
            RawClient.Response r = c.send("POST /app/up HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\nExpect: 100-continue\r\n\r\n").read();
            assertEquals(413, r.status());
            assertEquals("close", r.header("connection"));
        }
    }

    @Test
    void unknownExpectationGets417() {
        start();
        try (RawClient c = proxy.client()) {
            assertEquals(417, c.send("POST /app/up HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nExpect: magic\r\n\r\nx").read().status());
        }
    }

    @Test
    void serverHeaderIsConfigurableAndCanBeOff() {
        start(Map.of("server_header", ""));
        try (RawClient c = proxy.client()) {
            RawClient.Response r = c.send("GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n").read();
            assertNull(r.header("server"));
            assertNotNull(r.header("date"));
        }
        proxy.close();
        start(Map.of("server_header", "edge/1"));
        try (RawClient c = proxy.client()) {
            assertEquals("edge/1", c.send("GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n").read().header("server"));
        }
    }

    @Test
    void errorPagesAreSmallPlainTextWithDate() {
        start();
        try (RawClient c = proxy.client()) {
            RawClient.Response r = c.send("GET /nope HTTP/1.1\r\nHost: x\r\n\r\n").read();
            assertEquals(404, r.status());
            assertEquals("text/plain", r.header("content-type"));
            assertEquals("404 Not Found\n", r.text());
            assertNotNull(r.header("date"));
        }
    }

    // ---- limits: at the limit and one past

    @Test
    void requestLineAtTheLimitPassesAndOnePastGets414() {
        start(Map.of("large_header_line", "1024"));
        String prefix = "GET /app/";
        String suffix = " HTTP/1.1";
        String atLimit = prefix + "a".repeat(1024 - prefix.length() - suffix.length()) + suffix;
        assertEquals(1024, atLimit.length());
        try (RawClient c = proxy.client()) {
            assertEquals(200, c.send(atLimit + "\r\nHost: x\r\n\r\n").read().status());
        }
        String past = prefix + "a".repeat(1025 - prefix.length() - suffix.length()) + suffix;
        try (RawClient c = proxy.client()) {
            RawClient.Response r = c.send(past + "\r\nHost: x\r\n\r\n").read();
            assertEquals(414, r.status());
            assertEquals("close", r.header("connection"));
            assertTrue(c.closedByPeer());
        }
    }

    @Test
    void headerFieldCountAtTheLimitPassesAndOnePastGets431() {
        start(Map.of("max_headers", "5"));
        StringBuilder five = new StringBuilder("GET /hello.txt HTTP/1.1\r\nHost: x\r\n"); // Host and four more
        for (int i = 0; i < 4; i++) {
            five.append("X-H").append(i).append(": v\r\n");
        }
        try (RawClient c = proxy.client()) {
            assertEquals(200, c.send(five + "\r\n").read().status());
        }
        try (RawClient c = proxy.client()) {
            assertEquals(431, c.send(five + "X-H5: v\r\n\r\n").read().status());
        }
    }

    @Test
    void headSizeAtTheLimitPassesAndOnePastGets431() {
        start(Map.of("large_header_size", "2048", "large_header_line", "1024"));
        String line = "GET /hello.txt HTTP/1.1\r\nHost: x\r\n";
        // head = request line + fields + final CRLF; fill to exactly 2048 bytes.
        StringBuilder h = new StringBuilder(line);
        int fill = 2048 - line.length() - 2;
        int n = 0;
        while (fill > 0) {
            int len = Math.min(fill, 900);
            String name = "X-F" + (n++) + ": ";
            h.append(name).append("v".repeat(len - name.length() - 2)).append("\r\n");
            fill -= len;
        }
        String head = h + "\r\n";
        assertEquals(2048, head.length());
        try (RawClient c = proxy.client()) {
            assertEquals(200, c.send(head).read().status());
        }
        try (RawClient c = proxy.client()) {
            assertEquals(431, c.send(h + "X: y\r\n\r\n").read().status());
        }
    }

    @Test
    void bodyAtTheLimitPassesAndOnePastGets413BeforeTheBodyIsRead() {
        start(Map.of("client_max_body_size", "100"));
        try (RawClient c = proxy.client()) {
            assertEquals(200, c.send("POST /app/x HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n" + "b".repeat(100)).read().status());
        }
        try (RawClient c = proxy.client()) {
            // Only the head is sent: the answer comes without waiting for the body.
            RawClient.Response r = c.send("POST /app/x HTTP/1.1\r\nHost: x\r\nContent-Length: 101\r\n\r\n").read();
            assertEquals(413, r.status());
        }
        assertEquals(1, echo.seen.size());
    }

    @Test
    void chunkedBodyPastTheLimitGets413() {
        start(Map.of("client_max_body_size", "10"));
        try (RawClient c = proxy.client()) {
            assertEquals(200, c.send("POST /app/x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\na\r\n0123456789\r\n0\r\n\r\n")
                    .read().status());
        }
        try (RawClient c = proxy.client()) {
            assertEquals(413, c.send("POST /app/x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nb\r\n0123456789a\r\n0\r\n\r\n")
                    .read().status());
        }
    }

    @Test
    void slowHeadGets408AfterClientHeaderTimeout() throws Exception {
        start(Map.of("client_header_timeout", "300ms"));
        try (RawClient c = proxy.client()) {
            c.send("GET /hello.txt HTTP/1.1\r\nHost: x\r\nX-Slow: ");
            Thread.sleep(150);
            c.send("a");
            RawClient.Response r = c.read();
            assertEquals(408, r.status());
            assertTrue(c.closedByPeer());
        }
    }

    @Test
    void stalledBodyGets408AfterClientBodyTimeout() {
        start(Map.of("client_body_timeout", "300ms"));
        try (RawClient c = proxy.client()) {
            RawClient.Response r = c.send("POST /app/x HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n12345").read();
            assertEquals(408, r.status());
        }
        assertTrue(echo.seen.isEmpty());
    }

    @Test
    void maxConnectionsHoldsFurtherClientsInTheListenQueue() throws Exception {
        start(Map.of("max_connections", "2"));
        try (RawClient a = proxy.client(); RawClient b = proxy.client()) {
            assertEquals(200, a.send("GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n").read().status());
            assertEquals(200, b.send("GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n").read().status());
            try (RawClient third = proxy.client()) {
                third.timeout(500).send("GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n");
                assertFalse(third.closedByPeer(), "no answer while at the limit");
                a.close();
                third.timeout(5000);
                RawClient.Response r = third.read();
                assertEquals(200, r.status());
            }
        }
    }

    // ---- strict parsing: 400 and close

    private void assertRejected(String request) {
        try (RawClient c = proxy.client()) {
            RawClient.Response r = c.send(request).read();
            assertEquals(400, r.status(), request);
            assertEquals("close", r.header("connection"));
            assertTrue(c.closedByPeer());
        }
    }

    @Test
    void smugglingShapesGet400AndClose() {
        start();
        assertRejected("POST /app/x HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n");
        assertRejected("POST /app/x HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd");
        assertRejected("POST /app/x HTTP/1.1\r\nHost: x\r\nContent-Length: 3, 3\r\n\r\nabc");
        assertRejected("POST /app/x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n");
        assertRejected("GET /hello.txt HTTP/1.1\r\nHost: x\r\nX-A: one\r\n two\r\n\r\n");
        assertRejected("GET /hello.txt HTTP/1.1\r\nHost: x\r\nX\u0001A: one\r\n\r\n");
        assertRejected("GET /hello.txt HTTP/1.1\r\nHost: x\r\nX-A : one\r\n\r\n");
        assertRejected("GET /hello.txt HTTP/1.1\r\nHost: x\r\nX-A: o\rne\r\n\r\n");
        assertRejected("GET /hello.txt HTTP/1.1\nHost: x\n\n");
        assertRejected("POST /app/x HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n");
        assertTrue(echo.seen.isEmpty());
    }

    @Test
    void absoluteFormForTheSameHostIsServedByPath() {
        start();
        try (RawClient c = proxy.client()) {
            RawClient.Response r = c.send("GET http://good.example/hello.txt HTTP/1.1\r\nHost: good.example\r\n\r\n").read();
            assertEquals(200, r.status());
        }
    }

    @Test
    void reloadSwapsRoutesForNewRequestsOnAnOpenConnection() throws Exception {
        start();
        Path other = Files.createTempDirectory("gh-other");
        Files.writeString(other.resolve("hello.txt"), "other\n");
        try (RawClient c = proxy.client()) {
            assertEquals("hello\n", c.send("GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n").read().text());
            Map<String, String> o = new LinkedHashMap<>();
            o.put("listen", "127.0.0.1:" + proxy.port);
            proxy.server.reload(dev.gatehouse.conf.proxy.ProxyConfig.fromToml(
                    "[[location]]\npath = \"/\"\nroot = \"" + other + "\"\n", "t", o));
            assertEquals("other\n", c.send("GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n").read().text());
        }
    }

    @Test
    void stopFinishesInFlightRequestsAndClosesIdleConnections() throws Exception {
        echo = new EchoUpstream(300);
        start();
        try (RawClient idle = proxy.client(); RawClient busy = proxy.client()) {
            assertEquals(200, idle.send("GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n").read().status());
            busy.send("GET /app/slow HTTP/1.1\r\nHost: x\r\n\r\n");
            // In flight once the upstream has it (it answers 300 ms later); stopping earlier would
            // find an idle connection.
            long deadline = System.nanoTime() + java.time.Duration.ofSeconds(60).toNanos();
            while (echo.seen.isEmpty()) {
                assertTrue(System.nanoTime() < deadline, "the slow request never reached the upstream");
                Thread.sleep(5);
            }
            assertTrue(proxy.server.stop(java.time.Duration.ofSeconds(5)));
            RawClient.Response r = busy.read();
            assertEquals(200, r.status());
            assertEquals("close", r.header("connection"));
            assertTrue(idle.closedByPeer());
        }
        proxy = null;
    }
}
