package dev.gatehouse.proxy.upstream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gatehouse.proxy.support.RawClient;
import dev.gatehouse.proxy.support.TestProxy;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The forwarding path against a scripted uwsgi server: vars, response parsing, failures, reuse. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class UwsgiForwardingTest {

    @TempDir
    Path dir;

    private final List<AutoCloseable> open = new ArrayList<>();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    @AfterEach
    void closeAll() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
    }

    private FakeUwsgiServer upstream(FakeUwsgiServer.Behaviour b) throws IOException {
        FakeUwsgiServer s = new FakeUwsgiServer(b);
        open.add(s);
        return s;
    }

    private TestProxy proxy(String toml) {
        TestProxy p = TestProxy.start(toml, Map.of(), UwsgiForwarder.FACTORY);
        open.add(p);
        return p;
    }

    private static String pool(String servers, String extra) {
        return "[upstream.app]\nservers = [" + servers + "]\n" + extra + "\n[[location]]\npath = \"/\"\nupstream = \"app\"\n";
    }

    private static String quoted(FakeUwsgiServer... servers) {
        return List.of(servers).stream().map(s -> "\"" + s.address() + "\"").collect(Collectors.joining(", "));
    }

    /** Replies 200 with Content-Length and the request's method and URI; keeps the connection when asked. */
    private static boolean ok(FakeUwsgiServer.Packet p, OutputStream out) throws IOException {
        String body = p.var("REQUEST_METHOD") + " " + p.var("REQUEST_URI") + " " + p.body().length;
        FakeUwsgiServer.write(out, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " + body.length()
                + "\r\n\r\n" + body);
        return "1".equals(p.var("GATEHOUSE_KEEPALIVE"));
    }

    private HttpResponse<String> get(TestProxy p, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(p.url(path))).timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void varsAreNginxStockParamsThenOneHttpVarPerHeader() throws Exception {
        FakeUwsgiServer up = upstream(UwsgiForwardingTest::ok);
        TestProxy p = proxy(pool(quoted(up), "modifier1 = 8\nmodifier2 = 3"));
        try (RawClient c = p.client()) {
            c.send("POST /caf%C3%A9/x?q=a%20b HTTP/1.1\r\nHost: Example.COM:8080\r\nX-Multi: one\r\n"
                    + "X_Under: dropped\r\nX-Multi: two\r\nContent-Type: text/plain\r\nContent-Length: 4\r\n"
                    + "X-Name: caf\u00c3\u00a9\r\n\r\nbody");
            assertEquals(200, c.read().status());
        }
        FakeUwsgiServer.Packet pkt = up.packets.get(0);
        assertEquals(8, pkt.modifier1());
        assertEquals(3, pkt.modifier2());
        List<String> vars = pkt.vars().stream()
                .filter(e -> !e.getKey().equals("REMOTE_PORT"))
                .map(e -> e.getKey() + "=" + e.getValue()).toList();
        assertEquals(List.of(
                "QUERY_STRING=q=a%20b",
                "REQUEST_METHOD=POST",
                "CONTENT_TYPE=text/plain",
                "CONTENT_LENGTH=4",
                "REQUEST_URI=/caf%C3%A9/x?q=a%20b",
                "PATH_INFO=/caf\u00c3\u00a9/x",
                "DOCUMENT_ROOT=",
                "SERVER_PROTOCOL=HTTP/1.1",
                "REQUEST_SCHEME=http",
                "REMOTE_ADDR=127.0.0.1",
                "SERVER_PORT=" + p.port,
                "SERVER_NAME=127.0.0.1",
                "HTTP_HOST=example.com",
                "HTTP_X_MULTI=one",
                "HTTP_X_MULTI=two",
                "HTTP_CONTENT_TYPE=text/plain",
                "HTTP_CONTENT_LENGTH=4",
                "HTTP_X_NAME=caf\u00c3\u00a9",
                "GATEHOUSE_KEEPALIVE=1",
                "GATEHOUSE_CHUNKED=1"), vars);
        assertArrayEquals("body".getBytes(StandardCharsets.US_ASCII), pkt.body());
    }

    @Test
    void locationParamsReplaceInPlaceAppendAndHonourIfNotEmpty() throws Exception {
        FakeUwsgiServer up = upstream(UwsgiForwardingTest::ok);
        TestProxy p = proxy("[upstream.app]\nservers = [\"" + up.address() + "\"]\nkeepalive = 0\n"
                + "[[location]]\npath = \"/\"\nupstream = \"app\"\n"
                + "[[location.uwsgi_params]]\nname = \"SERVER_NAME\"\nvalue = \"site.test\"\n"
                + "[[location.uwsgi_params]]\nname = \"SCRIPT_NAME\"\nvalue = \"\"\n"
                + "[[location.uwsgi_params]]\nname = \"HTTPS\"\nvalue = \"$https\"\nif_not_empty = true\n"
                + "[[location.uwsgi_params]]\nname = \"X_URI\"\nvalue = \"$request_method:$uri\"\n"
                + "[[location.uwsgi_params]]\nname = \"HTTP_X_OVERRIDE\"\nvalue = \"from-param\"\n");
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(p.url("/a"))).header("X-Override", "client")
                .build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode());
        FakeUwsgiServer.Packet pkt = up.packets.get(0);
        List<String> keys = pkt.vars().stream().map(Map.Entry::getKey).toList();
        assertEquals("site.test", pkt.var("SERVER_NAME"));
        assertEquals(12, keys.indexOf("SERVER_NAME"), "replaced in place: " + keys);
        assertEquals("", pkt.var("SCRIPT_NAME"));
        assertFalse(keys.contains("HTTPS"), keys.toString());
        assertEquals("GET:/a", pkt.var("X_URI"));
        assertEquals("from-param", pkt.var("HTTP_X_OVERRIDE"));
        assertEquals(1, keys.stream().filter("HTTP_X_OVERRIDE"::equals).count(), "the client's header is suppressed");
        assertFalse(keys.contains("GATEHOUSE_KEEPALIVE"), "keepalive = 0 asks for no keep-alive");
    }

    @Test
    void statusHeaderAndCloseDelimitedBodyReachAnHttp11ClientChunked() throws Exception {
        FakeUwsgiServer up = upstream((pkt, out) -> {
            FakeUwsgiServer.write(out, "Status: 201 Created\r\nContent-Type: text/plain\r\nX-Accel-Buffering: no\r\n"
                    + "Connection: close, X-Hop\r\nX-Hop: 1\r\nServer: MyApp/1.0\r\n\r\nhello ");
            out.flush();
            FakeUwsgiServer.write(out, "world");
            return false;
        });
        TestProxy p = proxy(pool(quoted(up), ""));
        try (RawClient c = p.client()) {
            c.send("GET /s HTTP/1.1\r\nHost: x\r\n\r\n");
            byte[] all = readUntilChunkedEnd(c);
            String text = new String(all, StandardCharsets.ISO_8859_1);
            assertTrue(text.startsWith("HTTP/1.1 201 Created\r\n"), text);
            assertTrue(text.contains("\r\nStatus: 201 Created\r\n"), "nginx's uwsgi module passes Status on: " + text);
            assertTrue(text.contains("\r\nServer: MyApp/1.0\r\n"), text);
            assertTrue(text.contains("\r\ntransfer-encoding: chunked\r\n"), text);
            assertFalse(text.contains("X-Accel"), text);
            assertFalse(text.contains("X-Hop"), text);
            assertTrue(text.endsWith("\r\n\r\n6\r\nhello \r\n5\r\nworld\r\n0\r\n\r\n")
                    || text.endsWith("\r\n\r\nb\r\nhello world\r\n0\r\n\r\n"), text);
        }
    }

    private static byte[] readUntilChunkedEnd(RawClient c) {
        java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
        c.timeout(20_000);
        while (true) {
            byte[] one = c.readN(1);
            if (one.length == 0) {
                return b.toByteArray();
            }
            b.write(one[0]);
            if (b.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n0\r\n\r\n")) {
                return b.toByteArray();
            }
        }
    }

    @Test
    void http10ClientGetsACloseDelimitedBodyAsIs() throws Exception {
        FakeUwsgiServer up = upstream((pkt, out) -> {
            FakeUwsgiServer.write(out, "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nold body");
            return false;
        });
        TestProxy p = proxy(pool(quoted(up), ""));
        try (RawClient c = p.client()) {
            c.send("GET /old HTTP/1.0\r\n\r\n");
            RawClient.Response r = c.read();
            assertEquals("HTTP/1.0 200 OK", r.statusLine());
            assertNull(r.header("transfer-encoding"));
            assertEquals("old body", r.text());
        }
        assertEquals("HTTP/1.0", up.packets.get(0).var("SERVER_PROTOCOL"));
    }

    @Test
    void noStatusAtAllIs200Or302WithLocation() throws Exception {
        FakeUwsgiServer up = upstream((pkt, out) -> {
            String loc = pkt.var("PATH_INFO").equals("/moved") ? "Location: /there\r\n" : "";
            FakeUwsgiServer.write(out, loc + "Content-Length: 2\r\n\r\nokTRAILING-GARBAGE");
            return false;
        });
        TestProxy p = proxy(pool(quoted(up), ""));
        HttpResponse<String> plain = get(p, "/plain");
        assertEquals(200, plain.statusCode());
        assertEquals("ok", plain.body(), "the body stops at Content-Length");
        try (RawClient c = p.client()) {
            RawClient.Response r = c.send("GET /moved HTTP/1.1\r\nHost: x\r\n\r\n").read();
            assertEquals(302, r.status());
            assertEquals("/there", r.header("location"));
        }
    }

    @Test
    void headersPastBufferSizeAre502() throws Exception {
        FakeUwsgiServer up = upstream((pkt, out) -> {
            FakeUwsgiServer.write(out, "HTTP/1.1 200 OK\r\nX-Big: " + "a".repeat(5000) + "\r\n\r\n");
            return false;
        });
        TestProxy p = proxy(pool(quoted(up), "buffer_size = \"4k\""));
        assertEquals(502, get(p, "/").statusCode());
    }

    @Test
    void refusedConnectionIs502AtOnce() throws Exception {
        int dead = TestProxy.freePort();
        TestProxy p = proxy(pool("\"127.0.0.1:" + dead + "\"", ""));
        long t0 = System.nanoTime();
        assertEquals(502, get(p, "/").statusCode());
        assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(5));
    }

    @Test
    void hungUpstreamIs504AfterReadTimeout() throws Exception {
        FakeUwsgiServer up = upstream((pkt, out) -> {
            try {
                Thread.sleep(30_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return false;
        });
        TestProxy p = proxy(pool(quoted(up), "read_timeout = \"1s\""));
        long t0 = System.nanoTime();
        assertEquals(504, get(p, "/").statusCode());
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertTrue(ms >= 1000 && ms < 15_000, ms + " ms");
    }

    @Test
    void connectFailureMovesToTheNextServerEvenForPost() throws Exception {
        FakeUwsgiServer up = upstream(UwsgiForwardingTest::ok);
        int dead = TestProxy.freePort();
        TestProxy p = proxy(pool("\"127.0.0.1:" + dead + "\", " + quoted(up), ""));
        for (int i = 0; i < 6; i++) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(p.url("/p" + i)))
                    .POST(HttpRequest.BodyPublishers.ofString("x")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode());
            assertEquals("POST /p" + i + " 1", r.body());
        }
    }

    @Test
    void sentRequestIsRetriedOnlyWhenIdempotent() throws Exception {
        FakeUwsgiServer dropper = upstream((pkt, out) -> false); // reads the request, closes without a byte
        FakeUwsgiServer good = upstream(UwsgiForwardingTest::ok);
        // The dropper is the only primary server (never taken out: max_fails = 0), so every
        // request tries it first; the backup is the next server.
        TestProxy p = proxy(pool("{ address = \"" + dropper.address() + "\", max_fails = 0 }, { address = \""
                + good.address() + "\", backup = true }", "keepalive = 0"));
        for (int i = 0; i < 3; i++) {
            HttpResponse<String> g = get(p, "/g" + i);
            assertEquals(200, g.statusCode(), "GET is retried on the next server");
            assertEquals("GET /g" + i + " 0", g.body());
            HttpResponse<String> post = http.send(HttpRequest.newBuilder(URI.create(p.url("/p" + i)))
                    .POST(HttpRequest.BodyPublishers.ofString("x")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(502, post.statusCode(), "a POST that reached a server is not sent again");
        }
        assertEquals(0, good.packets.stream().filter(x -> x.var("REQUEST_METHOD").equals("POST")).count());
        assertEquals(3, dropper.packets.stream().filter(x -> x.var("REQUEST_METHOD").equals("POST")).count());
    }

    @Test
    void keptConnectionsAreReused() throws Exception {
        FakeUwsgiServer up = upstream(UwsgiForwardingTest::ok);
        TestProxy p = proxy(pool(quoted(up), "keepalive = 4"));
        try (RawClient c = p.client()) {
            for (int i = 0; i < 20; i++) {
                assertEquals("GET /k" + i + " 0", c.send("GET /k" + i + " HTTP/1.1\r\nHost: x\r\n\r\n").read().text());
            }
        }
        assertEquals(1, up.connections.get());
    }

    @Test
    void clientThatLeavesBeforeTheAnswerDoesNotCountAsAServerFailure() throws Exception {
        // The slow server answers late; its client has gone by then. With max_fails = 1 a single
        // failure would take it out of rotation for a minute, so every later request would go to
        // the other server: a client leaving must not count as one.
        java.util.concurrent.CountDownLatch clientLeft = new java.util.concurrent.CountDownLatch(1);
        FakeUwsgiServer slow = upstream((pkt, out) -> {
            if (pkt.var("REQUEST_URI").equals("/leave")) {
                try {
                    clientLeft.await(10, TimeUnit.SECONDS);
                    Thread.sleep(200); // the proxy sees the client's close first
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return ok(pkt, out);
        });
        FakeUwsgiServer other = upstream(UwsgiForwardingTest::ok);
        TestProxy p = proxy(pool("{ address = \"" + slow.address() + "\", max_fails = 1, fail_timeout = \"60s\" }, "
                + "{ address = \"" + other.address() + "\", max_fails = 1, fail_timeout = \"60s\" }", "keepalive = 0"));
        try (RawClient c = p.client()) {
            // Round robin starts at the first server: /leave goes to the slow one.
            c.send("GET /leave HTTP/1.1\r\nHost: x\r\n\r\n");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (slow.packets.isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertEquals(1, slow.packets.size(), "the request reached the slow server");
        }
        clientLeft.countDown();
        Thread.sleep(600);
        for (int i = 0; i < 6; i++) {
            assertEquals(200, get(p, "/after" + i).statusCode());
        }
        assertEquals(4, slow.packets.size(), "the slow server stays in rotation: " + slow.packets.size()
                + " packets, the other server " + other.packets.size());
    }

    @Test
    void stalePooledConnectionIsRetriedOnAFreshOneEvenForPost() throws Exception {
        // Keeps the connection after the first response, then closes it on the second packet
        // without a byte: a server closing an idle connection just as the proxy reuses it.
        FakeUwsgiServer up = upstream((pkt, out) -> pkt.indexOnConnection() == 1 && ok(pkt, out));
        TestProxy p = proxy(pool(quoted(up), "keepalive = 4"));
        try (RawClient c = p.client()) {
            for (int i = 0; i < 5; i++) {
                c.send("POST /s" + i + " HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc");
                RawClient.Response r = c.read();
                assertEquals(200, r.status(), "request " + i);
                assertEquals("POST /s" + i + " 3", r.text());
            }
        }
    }

    @Test
    void chunkedClientBodyIsDechunkedAndSentWithItsLength() throws Exception {
        FakeUwsgiServer up = upstream(UwsgiForwardingTest::ok);
        TestProxy p = proxy(pool(quoted(up), ""));
        try (RawClient c = p.client()) {
            c.send("POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n");
            assertEquals("POST /c 11", c.read().text());
        }
        FakeUwsgiServer.Packet pkt = up.packets.get(0);
        assertEquals("11", pkt.var("CONTENT_LENGTH"));
        assertEquals("chunked", pkt.var("HTTP_TRANSFER_ENCODING"), "forwarded as nginx does");
        assertEquals("hello world", new String(pkt.body(), StandardCharsets.US_ASCII));
    }

    @Test
    void largeBodiesBufferedAndStreamedArriveByteExact() throws Exception {
        FakeUwsgiServer up = upstream((pkt, out) -> {
            String hex = sha256(pkt.body());
            FakeUwsgiServer.write(out, "HTTP/1.1 200 OK\r\nContent-Length: " + hex.length() + "\r\n\r\n" + hex);
            return true;
        });
        TestProxy p = proxy("client_max_body_size = \"0\"\n[upstream.app]\nservers = [\"" + up.address() + "\"]\n"
                + "[[location]]\npath = \"/\"\nupstream = \"app\"\n"
                + "[[location]]\npath = \"/stream/\"\nupstream = \"app\"\nrequest_buffering = false\n");
        byte[] body = new byte[5 * 1024 * 1024 + 7];
        new Random(1).nextBytes(body);
        String expected = sha256(body);
        for (String path : List.of("/buffered", "/stream/x")) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(p.url(path)))
                    .PUT(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode(), path);
            assertEquals(expected, r.body(), path);
        }
    }

    @Test
    void chunkedUpstreamBodyIsRelayedAndTheConnectionReused() throws Exception {
        FakeUwsgiServer up = upstream((pkt, out) -> {
            FakeUwsgiServer.write(out, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n"
                    + "4;ext=1\r\ndefg\r\n0\r\nX-Trailer: t\r\n\r\n");
            return true;
        });
        TestProxy p = proxy(pool(quoted(up), ""));
        for (int i = 0; i < 3; i++) {
            assertEquals("abcdefg", get(p, "/c").body());
        }
        assertEquals(1, up.connections.get());
    }

    @Test
    void xSendfileInsideTheRootsIsSentAndOutsideRefused() throws Exception {
        Path root = Files.createDirectories(dir.resolve("files"));
        Path file = Files.writeString(root.resolve("big.txt"), "file body");
        Path outside = Files.writeString(dir.resolve("secret.txt"), "secret");
        FakeUwsgiServer up = upstream((pkt, out) -> {
            String target = pkt.var("PATH_INFO").equals("/in") ? file.toString() : outside.toString();
            FakeUwsgiServer.write(out, "HTTP/1.1 200 OK\r\nContent-Type: text/x-app\r\nX-Sendfile: " + target
                    + "\r\nContent-Length: 0\r\n\r\n");
            return false;
        });
        TestProxy p = proxy("[upstream.app]\nservers = [\"" + up.address() + "\"]\n[[location]]\npath = \"/\"\n"
                + "upstream = \"app\"\nsendfile_roots = [\"" + root + "\"]\n");
        HttpResponse<String> in = get(p, "/in");
        assertEquals(200, in.statusCode());
        assertEquals("file body", in.body());
        assertEquals("text/x-app", in.headers().firstValue("Content-Type").orElse(null));
        assertTrue(in.headers().firstValue("X-Sendfile").isEmpty());
        assertEquals(403, get(p, "/out").statusCode());
    }

    @Test
    void xAccelRedirectServesAnInternalLocation() throws Exception {
        Path protectedDir = Files.createDirectories(dir.resolve("protected"));
        Files.writeString(protectedDir.resolve("report.txt"), "internal file");
        FakeUwsgiServer up = upstream((pkt, out) -> {
            FakeUwsgiServer.write(out, "HTTP/1.1 200 OK\r\nX-Accel-Redirect: /protected/report.txt\r\n"
                    + "Content-Length: 0\r\n\r\n");
            return false;
        });
        TestProxy p = proxy("[upstream.app]\nservers = [\"" + up.address() + "\"]\n[[location]]\npath = \"/\"\n"
                + "upstream = \"app\"\n[[location]]\npath = \"/protected/\"\nalias = \"" + protectedDir + "/\"\n"
                + "internal = true\n");
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(p.url("/download")))
                .POST(HttpRequest.BodyPublishers.ofString("x")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode());
        assertEquals("internal file", r.body());
        assertEquals(404, get(p, "/protected/report.txt").statusCode(), "not reachable from outside");
    }

    private static String sha256(byte[] b) {
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(b));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
