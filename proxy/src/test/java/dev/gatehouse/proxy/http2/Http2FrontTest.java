package dev.gatehouse.proxy.http2;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gatehouse.proxy.support.EchoUpstream;
import dev.gatehouse.proxy.support.H2Client;
import dev.gatehouse.proxy.support.RawClient;
import dev.gatehouse.proxy.support.TestProxy;
import io.netty.handler.codec.http2.Http2Headers;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * HTTP/2 with prior knowledge on a cleartext listener: the same statics, routing, forwarding and
 * limits as HTTP/1.1, each HTTP/2 limit at and past its value.
 */
class Http2FrontTest {

    @TempDir
    Path root;
    private TestProxy proxy;
    private byte[] big;

    @BeforeEach
    void files() throws IOException {
        Files.writeString(root.resolve("a.txt"), "hello h2\n");
        big = new byte[3 * 1024 * 1024 + 17];
        new Random(7).nextBytes(big);
        Files.write(root.resolve("big.bin"), big);
    }

    @AfterEach
    void stop() {
        if (proxy != null) {
            proxy.close();
        }
    }

    private final EchoUpstream echo = new EchoUpstream(0);

    private TestProxy start(String extra) {
        proxy = TestProxy.startListening("""
                listen = [{ address = "127.0.0.1:@PORT@", http2 = true }]
                %s
                [upstream.app]
                servers = ["127.0.0.1:9"]
                [[location]]
                path = "/"
                root = "%s"
                [[location]]
                path = "/app/"
                upstream = "app"
                """.formatted(extra, root), cfg -> echo);
        return proxy;
    }

    @Test
    void servesAStaticFile() throws IOException {
        start("");
        try (H2Client c = H2Client.cleartext(proxy.port)) {
            c.headers(1, H2Client.get("/a.txt"), true);
            H2Client.Response r = c.response(1);
            assertEquals(200, r.status());
            assertEquals("hello h2\n", new String(r.body(), StandardCharsets.UTF_8));
            assertEquals("9", r.headers().get("content-length").toString());
            assertEquals(null, r.headers().get("connection"));
        }
    }

    @Test
    void streamsALargeFileAndARangeOnOneConnection() throws IOException {
        start("");
        try (H2Client c = H2Client.cleartext(proxy.port)) {
            c.headers(1, H2Client.get("/big.bin"), true);
            c.headers(3, H2Client.get("/big.bin").add("range", "bytes=100-199"), true);
            H2Client.Response whole = c.response(1);
            assertEquals(200, whole.status());
            assertArrayEquals(big, whole.body());
            H2Client.Response part = c.response(3);
            assertEquals(206, part.status());
            assertArrayEquals(Arrays.copyOfRange(big, 100, 200), part.body());
        }
    }

    @Test
    void forwardsToTheUpstreamAsHttp2WithCookieCrumbsJoined() throws IOException {
        start("");
        try (H2Client c = H2Client.cleartext(proxy.port)) {
            Http2Headers h = H2Client.get("/app/x?y=1").add("cookie", "a=1").add("cookie", "b=2");
            c.headers(1, h, true);
            H2Client.Response r = c.response(1);
            assertEquals(200, r.status());
            assertEquals("GET /app/x?y=1", new String(r.body(), StandardCharsets.UTF_8));
            EchoUpstream.Seen seen = echo.seen.get(0);
            assertEquals("HTTP/2.0", seen.version());
            assertEquals(java.util.List.of(Map.entry("host", "localhost"), Map.entry("cookie", "a=1; b=2")),
                    seen.headers());
        }
    }

    @Test
    void stillSpeaksHttp1OnTheSameListener() {
        start("");
        try (RawClient c = proxy.client()) {
            RawClient.Response r = c.send("GET /a.txt HTTP/1.1\r\nHost: x\r\n\r\n").read();
            assertEquals(200, r.status());
            assertEquals("hello h2\n", r.text());
        }
    }

    @Test
    void refusesARequestWithoutScheme() throws IOException {
        start("");
        try (H2Client c = H2Client.cleartext(proxy.port)) {
            c.headers(1, new io.netty.handler.codec.http2.DefaultHttp2Headers().method("GET").path("/a.txt"), true);
            H2Client.Frame f = c.read();
            // Netty's header validation resets it, or the decoder answers 400: never a 200.
            assertTrue(f.type() == H2Client.RST_STREAM || "400".equals(f.status()), f.toString());
        }
    }

    @Test
    void maxHeadersAtTheLimitAndPastIt() throws IOException {
        start("max_headers = 10");
        try (H2Client c = H2Client.cleartext(proxy.port)) {
            Http2Headers ten = H2Client.get("/a.txt");
            for (int i = 0; i < 10; i++) {
                ten.add("x-h" + i, "v");
            }
            c.headers(1, ten, true);
            assertEquals(200, c.response(1).status());
            c.headers(3, ten.add("x-h10", "v"), true);
            assertEquals(431, c.response(3).status());
        }
    }

    @Test
    void headerListSizeAtTheLimitPastItAndFarPastIt() throws IOException {
        // HPACK size of a field: name + value + 32 (RFC 7541 4.1). The request's other fields:
        // :method GET (42), :scheme http (43), :path /a.txt (43), :authority localhost (51).
        start("http2_max_header_list_size = \"2k\"");
        int base = 42 + 43 + 43 + 51;
        try (H2Client c = H2Client.cleartext(proxy.port)) {
            c.headers(1, H2Client.get("/a.txt").add("x-pad", "p".repeat(2048 - base - 32 - 5)), true);
            assertEquals(200, c.response(1).status());
            c.headers(3, H2Client.get("/a.txt").add("x-pad", "p".repeat(2048 - base - 32 - 5 + 1)), true);
            assertEquals(431, c.response(3).status());
            c.headers(5, H2Client.get("/a.txt").add("x-pad", "p".repeat(4096)), true);
            H2Client.Frame goAway = c.awaitGoAway();
            assertNotNull(goAway, "a header list past 1.25 times the limit ends the connection with GOAWAY");
        }
    }

    @Test
    void concurrentStreamsAtTheLimitAndPastIt() throws IOException {
        start("http2_max_concurrent_streams = 4");
        try (H2Client c = H2Client.cleartext(proxy.port)) {
            for (int s = 1; s <= 7; s += 2) {
                c.headers(s, H2Client.get("/app/slow").method("POST"), false); // bodies still to come
            }
            c.headers(9, H2Client.get("/a.txt"), true);
            H2Client.Frame f = c.read();
            assertEquals(H2Client.RST_STREAM, f.type(), f.toString());
            assertEquals(9, f.stream());
            assertEquals(7, f.errorCode(), "REFUSED_STREAM");
            c.data(1, "x".getBytes(StandardCharsets.US_ASCII), true);
            assertEquals(200, c.response(1).status());
            c.headers(11, H2Client.get("/a.txt"), true); // one stream freed: the next fits again
            assertEquals(200, c.response(11).status());
        }
    }

    @Test
    void requestBodyMustMatchContentLength() throws IOException {
        start("");
        try (H2Client c = H2Client.cleartext(proxy.port)) {
            c.headers(1, H2Client.get("/app/x").method("POST").add("content-length", "3"), false);
            c.data(1, "four".getBytes(StandardCharsets.US_ASCII), true);
            H2Client.Frame f = c.read();
            assertTrue(f.type() == H2Client.RST_STREAM || "400".equals(f.status()), f.toString());
        }
    }

    @Test
    void closesAnIdleConnectionWithGoAway() throws IOException {
        start("keepalive_timeout = \"1s\"");
        try (H2Client c = H2Client.cleartext(proxy.port)) {
            c.headers(1, H2Client.get("/a.txt"), true);
            assertEquals(200, c.response(1).status());
            long t0 = System.nanoTime();
            H2Client.Frame f = c.awaitGoAway();
            assertNotNull(f);
            assertEquals(0, f.errorCode(), "NO_ERROR");
            assertTrue(System.nanoTime() - t0 < 5_000_000_000L);
        }
    }

    @Test
    void http1OnlyListenerRefusesThePreface() {
        proxy = TestProxy.start("", Map.of());
        try (RawClient c = proxy.client()) {
            RawClient.Response r = c.send("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n").read();
            assertEquals(400, r.status());
        }
    }
}
