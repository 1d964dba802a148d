package dev.gatehouse.appserver.worker;

import dev.gatehouse.conf.app.Dispatch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gatehouse.appserver.api.Application;
import dev.gatehouse.appserver.api.Request;
import dev.gatehouse.appserver.api.Response;
import io.netty.channel.unix.DomainSocketAddress;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import dev.gatehouse.uwsgi.NoLeaks;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * One worker on a real unix socket, driven by a raw uwsgi client as nginx would. Netty's leak
 * detector runs at PARANOID and any leaked buffer fails the class.
 */
@ExtendWith(NoLeaks.class)
class WorkerServerTest {

    @TempDir
    Path dir;

    private WorkerServer server;
    private Path socket;

    /** Paths of the test app: each shows one behaviour of the worker. */
    static final class TestApp implements Application {
        final CountDownLatch release = new CountDownLatch(1);
        final CountDownLatch entered = new CountDownLatch(1);

        @Override
        public Response handle(Request r) throws Exception {
            return switch (r.path()) {
                case "/hello" -> Response.ok("Hello, World!");
                case "/vars" -> {
                    StringBuilder sb = new StringBuilder();
                    for (Map.Entry<String, String> e : r.environ()) {
                        sb.append(e.getKey()).append('=').append(e.getValue()).append('\n');
                    }
                    yield Response.text(200, sb.toString());
                }
                case "/request" -> Response.text(200, String.join("|", r.method(), r.path(), r.rawUri(),
                        r.queryString(), String.valueOf(r.queryParameter("q")), r.header("user-agent"),
                        String.valueOf(r.header("Content-Type")), r.headers("Cookie").toString(), r.scheme(),
                        r.remoteAddress(), Integer.toString(r.remotePort()), r.serverName(),
                        Integer.toString(r.serverPort()), Long.toString(r.contentLength()), r.headerNames().toString()));
                case "/sha" -> {
                    MessageDigest sha = MessageDigest.getInstance("SHA-256");
                    byte[] buf = new byte[8192];
                    long n = 0;
                    int k;
                    while ((k = r.body().read(buf)) > 0) {
                        sha.update(buf, 0, k);
                        n += k;
                    }
                    yield Response.text(200, n + " " + HexFormat.of().formatHex(sha.digest()));
                }
                case "/sha-stream" -> Response.status(200).body((OutputStream out) ->
                        out.write("measured".getBytes(StandardCharsets.US_ASCII))).build();
                case "/stream" -> Response.status(200).body((OutputStream out) -> {
                    for (int i = 0; i < 3; i++) {
                        out.write(("part" + i + ";").getBytes(StandardCharsets.US_ASCII));
                        out.flush();
                    }
                }).build();
                case "/big" -> {
                    byte[] big = new byte[3 * 1024 * 1024 + 7];
                    for (int i = 0; i < big.length; i++) {
                        big[i] = (byte) (i * 31);
                    }
                    yield Response.status(200).body(new java.io.ByteArrayInputStream(big), -1).build();
                }
                case "/short-stream" -> Response.status(200)
                        .body(new java.io.ByteArrayInputStream(new byte[10]), 20).build();
                case "/broken-before-flush" -> Response.status(200).body((OutputStream out) -> {
                    out.write("partial".getBytes(StandardCharsets.US_ASCII));
                    throw new IOException("backend failed before anything was sent");
                }).build();
                case "/broken-stream" -> Response.status(200).body((OutputStream out) -> {
                    out.write("partial".getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                    throw new IOException("backend failed mid-stream");
                }).build();
                case "/file" -> {
                    Path f = Files.writeString(Files.createTempFile("gh", ".txt"), "file body\n");
                    f.toFile().deleteOnExit();
                    yield Response.file(f, "text/plain");
                }
                case "/nocontent" -> Response.status(204).build();
                case "/crash" -> throw new IllegalStateException("boom");
                case "/block" -> {
                    entered.countDown();
                    release.await(10, TimeUnit.SECONDS);
                    yield Response.ok("released");
                }
                default -> Response.notFound();
            };
        }
    }

    private final TestApp app = new TestApp();

    private void start(WorkerOptions options) throws Exception {
        socket = dir.resolve("app.sock");
        server = WorkerServer.bind(options, app, new DomainSocketAddress(socket.toString()), 128);
    }

    private void start() throws Exception {
        start(WorkerOptions.defaults());
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private RawResponse exchange(byte[] packet) throws IOException {
        try (UwsgiTestClient c = new UwsgiTestClient(socket)) {
            RawResponse r = c.send(packet).response();
            assertTrue(c.closedByPeer(), "without the keep-alive var the worker closes after the response");
            return r;
        }
    }

    @Test
    void answersHelloWithContentLengthAndDate() throws Exception {
        start();
        RawResponse r = exchange(UwsgiTestClient.get("/hello"));
        assertEquals("HTTP/1.1 200 OK", r.statusLine());
        assertEquals("Hello, World!", r.bodyText());
        assertEquals("13", r.header("Content-Length"));
        assertNotNull(r.header("Date"));
        assertEquals("text/plain; charset=utf-8", r.header("Content-Type"));
    }

    @Test
    void requestIsReadFromVarsWithoutReparsing() throws Exception {
        start();
        RawResponse r = exchange(UwsgiTestClient.get("/request?q=a%20b&x=1",
                "HTTP_USER_AGENT", "curl/8", "HTTP_COOKIE", "a=1", "HTTP_COOKIE", "b=2"));
        assertEquals("GET|/request|/request?q=a%20b&x=1|q=a%20b&x=1|a b|curl/8|null|[a=1, b=2]|http|127.0.0.1|40000"
                + "|test.local|8080|0|[Host, User-Agent, Cookie]", r.bodyText());
    }

    @Test
    void environKeepsWireOrderAndRepeats() throws Exception {
        start();
        RawResponse r = exchange(UwsgiTestClient.packet(0, new byte[0],
                "REQUEST_METHOD", "GET", "PATH_INFO", "/vars", "HTTP_COOKIE", "a=1", "HTTP_COOKIE", "b=2",
                "EMPTY", ""));
        assertEquals("REQUEST_METHOD=GET\nPATH_INFO=/vars\nHTTP_COOKIE=a=1\nHTTP_COOKIE=b=2\nEMPTY=\n", r.bodyText());
    }

    @Test
    void bodyIsExactlyContentLengthEvenWithExtraBytesAfterIt() throws Exception {
        start();
        byte[] body = new byte[300_000];
        new java.util.Random(1).nextBytes(body);
        RawResponse r = exchange(UwsgiTestClient.request("POST", "/sha", body));
        String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body));
        assertEquals(body.length + " " + sha, r.bodyText());
    }

    @Test
    void unreadBodyIsDrainedSoTheResponseIsNotReset() throws Exception {
        start();
        byte[] body = new byte[4 * 1024 * 1024];
        RawResponse r = exchange(UwsgiTestClient.request("POST", "/hello", body));
        assertEquals(200, r.status());
        assertEquals("Hello, World!", r.bodyText());
    }

    @Test
    void streamingBodyIsSentChunkedToAFrontThatDecodesChunks() throws Exception {
        start();
        RawResponse r = exchange(UwsgiTestClient.get("/stream", "GATEHOUSE_CHUNKED", "1"));
        assertTrue(r.chunked());
        assertNull(r.header("Content-Length"));
        assertEquals("part0;part1;part2;", r.bodyText());
    }

    @Test
    void streamingBodyIsMeasuredForNginxWhichCannotDecodeChunks() throws Exception {
        start();
        // A body of unknown length that ends within the measuring buffer gets a Content-Length.
        RawResponse r = exchange(UwsgiTestClient.get("/sha-stream"));
        assertNull(r.header("Transfer-Encoding"));
        assertEquals("8", r.header("Content-Length"));
        assertEquals("measured", r.bodyText());
    }

    @Test
    void flushedStreamToNginxEndsAtCloseWithoutChunking() throws Exception {
        start();
        RawResponse r = exchange(UwsgiTestClient.get("/stream"));
        assertNull(r.header("Transfer-Encoding"));
        assertNull(r.header("Content-Length"));
        assertEquals("part0;part1;part2;", r.bodyText());
    }

    @Test
    void largeStreamOfUnknownLengthArrivesWhole() throws Exception {
        start();
        for (String[] vars : new String[][] {{}, {"GATEHOUSE_CHUNKED", "1"}}) {
            RawResponse r = exchange(UwsgiTestClient.get("/big", vars));
            assertEquals(vars.length == 0 ? null : "chunked", r.header("Transfer-Encoding"));
            assertEquals(3 * 1024 * 1024 + 7, r.body().length);
            for (int i = 0; i < r.body().length; i += 4099) {
                assertEquals((byte) (i * 31), r.body()[i], "byte " + i);
            }
        }
    }

    @Test
    void fileBodyIsSentWithItsLength() throws Exception {
        start();
        RawResponse r = exchange(UwsgiTestClient.get("/file"));
        assertEquals("10", r.header("Content-Length"));
        assertEquals("file body\n", r.bodyText());
    }

    @Test
    void headGetsHeadersWithoutBody() throws Exception {
        start();
        try (UwsgiTestClient c = new UwsgiTestClient(socket)) {
            RawResponse r = c.send(UwsgiTestClient.request("HEAD", "/hello", new byte[0])).headResponse();
            assertEquals(200, r.status());
            assertEquals("13", r.header("Content-Length"));
            assertTrue(c.closedByPeer(), "no body bytes may follow a HEAD response");
        }
    }

    @Test
    void noContentHasNoFraming() throws Exception {
        start();
        RawResponse r = exchange(UwsgiTestClient.get("/nocontent"));
        assertEquals("HTTP/1.1 204 No Content", r.statusLine());
        assertNull(r.header("Content-Length"));
        assertNull(r.header("Transfer-Encoding"));
    }

    @Test
    void appExceptionIs500AndWorkerServesNext() throws Exception {
        start();
        RawResponse r = exchange(UwsgiTestClient.get("/crash"));
        assertEquals(500, r.status());
        assertEquals("Internal Server Error\n", r.bodyText());
        assertEquals(1, server.stats().exceptions());
        assertEquals(200, exchange(UwsgiTestClient.get("/hello")).status());
    }

    @Test
    void streamShorterThanDeclaredLengthBreaksTheResponseVisibly() throws Exception {
        start();
        try (UwsgiTestClient c = new UwsgiTestClient(socket)) {
            c.send(UwsgiTestClient.get("/short-stream"));
            assertBroken(c);
        }
        assertEquals(200, exchange(UwsgiTestClient.get("/hello")).status());
    }

    @Test
    void failureMidStreamLeavesTheChunkedBodyUnterminated() throws Exception {
        start();
        try (UwsgiTestClient c = new UwsgiTestClient(socket)) {
            c.send(UwsgiTestClient.get("/broken-stream", "GATEHOUSE_CHUNKED", "1"));
            assertBroken(c);
        }
        // Towards nginx, a failure before anything was flushed sends nothing: nginx answers 502.
        try (UwsgiTestClient c = new UwsgiTestClient(socket)) {
            c.send(UwsgiTestClient.get("/broken-before-flush"));
            assertNull(c.response());
        }
    }

    /** The worker closed without a complete response: nothing at all, or a response cut short. */
    private static void assertBroken(UwsgiTestClient c) {
        try {
            RawResponse r = c.response();
            assertNull(r, "expected no response or a truncated one, got " + r);
        } catch (IOException e) {
            assertTrue(e.getMessage().startsWith("connection ended"), e.getMessage());
        }
    }

    @Test
    void keepAliveVarKeepsTheConnectionForTheNextRequest() throws Exception {
        start();
        try (UwsgiTestClient c = new UwsgiTestClient(socket)) {
            for (int i = 0; i < 20; i++) {
                byte[] body = ("body" + i).getBytes(StandardCharsets.US_ASCII);
                RawResponse r = c.send(UwsgiTestClient.request("POST", "/sha", body, "GATEHOUSE_KEEPALIVE", "1")).response();
                assertEquals(200, r.status());
                assertTrue(r.bodyText().startsWith(body.length + " "));
            }
            // Two requests in one write are answered in order.
            byte[] a = UwsgiTestClient.get("/hello", "GATEHOUSE_KEEPALIVE", "1");
            byte[] b = UwsgiTestClient.get("/stream", "GATEHOUSE_CHUNKED", "1");
            byte[] both = new byte[a.length + b.length];
            System.arraycopy(a, 0, both, 0, a.length);
            System.arraycopy(b, 0, both, a.length, b.length);
            c.send(both);
            assertEquals("Hello, World!", c.response().bodyText());
            assertEquals("part0;part1;part2;", c.response().bodyText());
            assertTrue(c.closedByPeer(), "the second request did not ask for keep-alive");
        }
        assertEquals(1, server.stats().connections());
        assertEquals(22, server.stats().requests());
    }

    @Test
    void keepAliveVarIsIgnoredWhenDisabled() throws Exception {
        start(new WorkerOptions(1, Dispatch.VIRTUAL_THREAD, 0, 65536, Duration.ofSeconds(5), false));
        exchange(UwsgiTestClient.get("/hello", "GATEHOUSE_KEEPALIVE", "1"));
    }

    @Test
    void malformedPacketClosesTheConnectionAndWorkerServesNext() throws Exception {
        start();
        byte[] bad = {0, 6, 0, 0, 0, 0, 1, 0, 'x', 0}; // empty key
        try (UwsgiTestClient c = new UwsgiTestClient(socket)) {
            c.send(bad);
            assertTrue(c.closedByPeer());
        }
        assertEquals(1, server.stats().protocolErrors());
        assertEquals(200, exchange(UwsgiTestClient.get("/hello")).status());
    }

    @Test
    void unknownModifierIsRefused() throws Exception {
        start();
        try (UwsgiTestClient c = new UwsgiTestClient(socket)) {
            c.send(UwsgiTestClient.packet(5, new byte[0], "PATH_INFO", "/hello"));
            assertTrue(c.closedByPeer());
        }
        try (UwsgiTestClient c = new UwsgiTestClient(socket)) {
            byte[] jwsgi = UwsgiTestClient.packet(8, new byte[0], "REQUEST_METHOD", "GET", "PATH_INFO", "/hello");
            assertEquals(200, c.send(jwsgi).response().status(), "modifier1 8 / modifier2 0 is JWSGI, accepted");
        }
    }

    @Test
    void varsBlockAtTheLimitIsServedAndOnePastIsRefused() throws Exception {
        int limit = 1000;
        start(new WorkerOptions(1, Dispatch.VIRTUAL_THREAD, 0, limit, Duration.ofSeconds(5), true));
        byte[] base = UwsgiTestClient.get("/hello");
        int datasize = (base[1] & 0xff) | (base[2] & 0xff) << 8;
        String pad = "x".repeat(limit - datasize - 4 - 3); // 2+3 key, 2+n value
        byte[] atLimit = UwsgiTestClient.get("/hello", "PAD", pad);
        assertEquals(limit, (atLimit[1] & 0xff) | (atLimit[2] & 0xff) << 8);
        assertEquals(200, exchange(atLimit).status());
        byte[] past = UwsgiTestClient.get("/hello", "PAD", pad + "x");
        try (UwsgiTestClient c = new UwsgiTestClient(socket)) {
            c.send(past);
            assertTrue(c.closedByPeer());
        }
        assertEquals(200, exchange(UwsgiTestClient.get("/hello")).status());
    }

    @Test
    void bodyShorterThanContentLengthThenEofIsLoggedAndWorkerGoesOn() throws Exception {
        start();
        byte[] packet = UwsgiTestClient.request("POST", "/sha", new byte[1000]);
        try (UwsgiTestClient c = new UwsgiTestClient(socket)) {
            c.send(java.util.Arrays.copyOf(packet, packet.length - 400));
        }
        assertEquals(200, exchange(UwsgiTestClient.get("/hello")).status());
    }

    @Test
    void silentClientIsClosedAfterReadTimeout() throws Exception {
        start(new WorkerOptions(1, Dispatch.VIRTUAL_THREAD, 0, 65536, Duration.ofMillis(300), true));
        try (UwsgiTestClient c = new UwsgiTestClient(socket)) {
            long t0 = System.nanoTime();
            assertTrue(c.closedByPeer());
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(ms >= 250 && ms < 5000, "closed after " + ms + " ms");
        }
        assertEquals(200, exchange(UwsgiTestClient.get("/hello")).status());
    }

    @Test
    void gracefulShutdownServesAConnectionWhoseRequestHadNotArrivedYet() throws Exception {
        start();
        try (UwsgiTestClient c = new UwsgiTestClient(socket)) {
            // Accepted, but the request comes only after the worker was told to stop: as when a
            // reload stops an old worker right after it accepted nginx's connection.
            assertEquals(200, exchange(UwsgiTestClient.get("/hello")).status());
            Thread stopper = Thread.ofPlatform().start(() -> server.shutdown(Duration.ofSeconds(10)));
            Thread.sleep(300);
            assertTrue(stopper.isAlive(), "shutdown must wait for the connection that owes a response");
            RawResponse r = c.send(UwsgiTestClient.get("/hello")).response();
            assertEquals(200, r.status());
            stopper.join(10_000);
            assertTrue(!stopper.isAlive(), "shutdown ends once the response is out");
        }
        server = null;
    }

    @Test
    void maxConcurrencySheds503WithRetryAfter() throws Exception {
        start(new WorkerOptions(1, Dispatch.VIRTUAL_THREAD, 1, 65536, Duration.ofSeconds(5), true));
        try (UwsgiTestClient blocked = new UwsgiTestClient(socket)) {
            blocked.send(UwsgiTestClient.get("/block"));
            assertTrue(app.entered.await(5, TimeUnit.SECONDS));
            RawResponse r = exchange(UwsgiTestClient.get("/hello"));
            assertEquals(503, r.status());
            assertEquals("1", r.header("Retry-After"));
            app.release.countDown();
            assertEquals("released", blocked.response().bodyText());
        }
        assertEquals(1, server.stats().rejected());
    }

    @Test
    void eventLoopDispatchServesWholeBodies() throws Exception {
        start(new WorkerOptions(1, Dispatch.EVENT_LOOP, 0, 65536, Duration.ofSeconds(5), true));
        byte[] body = new byte[1_000_000];
        RawResponse r = exchange(UwsgiTestClient.request("POST", "/sha", body));
        assertTrue(r.bodyText().startsWith("1000000 "));
        assertEquals("part0;part1;part2;", exchange(UwsgiTestClient.get("/stream", "GATEHOUSE_CHUNKED", "1")).bodyText());
    }

    @Test
    void everyNginxPacketIsAnsweredWithItsVars() throws Exception {
        start();
        Path data = Path.of(System.getProperty("gatehouse.testdata.dir", "../testdata"), "nginx-1.22.1-uwsgi");
        assertTrue(Files.isDirectory(data), "captured nginx packets not found at " + data.toAbsolutePath());
        int n = 0;
        try (var files = Files.list(data)) {
            for (Path pkt : files.filter(p -> p.toString().endsWith(".bin")).sorted().toList()) {
                byte[] bytes = Files.readAllBytes(pkt);
                boolean head = new String(bytes, StandardCharsets.ISO_8859_1).contains("REQUEST_METHOD\u0004\u0000HEAD");
                try (UwsgiTestClient c = new UwsgiTestClient(socket)) {
                    c.send(bytes);
                    RawResponse r = head ? c.headResponse() : c.response();
                    // The captured requests are for paths the test app does not know: a framed 404.
                    assertEquals(404, r.status(), pkt.toString());
                    assertEquals("10", r.header("Content-Length"));
                    assertArrayEquals(head ? new byte[0] : "Not Found\n".getBytes(StandardCharsets.US_ASCII), r.body());
                    assertTrue(c.closedByPeer());
                }
                n++;
            }
        }
        assertEquals(14, n);
        assertEquals(14, server.stats().requests());
        assertEquals(0, server.stats().protocolErrors());
    }
}
