package dev.gatehouse.proxy.http2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gatehouse.proxy.support.H2Client;
import dev.gatehouse.proxy.support.TestProxy;
import dev.gatehouse.proxy.upstream.UpstreamHandler;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The MUSTs of RFC 9113 on what a server receives, one test each, sent as raw frames over a real
 * socket: each asserts the exact answer (RST_STREAM on the stream for a stream error, GOAWAY and
 * a close for a connection error, with the RFC's error code). After a stream error the same
 * connection must still serve; after a connection error a new connection must.
 *
 * <p>Requests to {@code /hang/} reach an upstream that never answers, which keeps their stream
 * half-closed (remote) for as long as a test needs it.
 */
class Http2ConformanceTest {

    private static final int PROTOCOL_ERROR = 0x1;
    private static final int FLOW_CONTROL_ERROR = 0x3;
    private static final int STREAM_CLOSED = 0x5;
    private static final int FRAME_SIZE_ERROR = 0x6;

    @TempDir
    Path root;
    private TestProxy proxy;

    /** Takes every request and never answers. */
    private static final UpstreamHandler HANG = (exchange, upstream) -> new UpstreamHandler.RequestBodySink() {
        @Override
        public void content(io.netty.handler.codec.http.HttpContent part) {
            ReferenceCountUtil.release(part);
        }

        @Override
        public void abort(String reason) {
        }
    };

    @BeforeEach
    void start() throws IOException {
        Files.writeString(root.resolve("a.txt"), "ok\n");
        proxy = TestProxy.startListening("""
                listen = [{ address = "127.0.0.1:@PORT@", http2 = true }]
                [upstream.hang]
                servers = ["127.0.0.1:9"]
                [[location]]
                path = "/"
                root = "%s"
                [[location]]
                path = "/hang/"
                upstream = "hang"
                """.formatted(root), cfg -> HANG);
    }

    @AfterEach
    void stop() {
        if (proxy != null) {
            proxy.close();
        }
    }

    private static Http2Headers post(String path) {
        return H2Client.get(path).method("POST");
    }

    /** A RST_STREAM with {@code code} on {@code stream}; then the connection still serves {@code next}. */
    private static void assertStreamError(H2Client c, int stream, int code, int next) throws IOException {
        H2Client.Frame f = c.awaitResetOrGoAway();
        assertNotNull(f, "connection closed instead of a stream error");
        assertEquals(H2Client.RST_STREAM, f.type(), "expected RST_STREAM, got " + describe(f));
        assertEquals(stream, f.stream());
        assertEquals(code, f.errorCode(), "RST_STREAM error code");
        c.headers(next, H2Client.get("/a.txt"), true);
        assertEquals(200, c.response(next).status(), "the connection serves on after a stream error");
    }

    /** A GOAWAY with {@code code}, then the close; a new connection is served meanwhile. */
    private void assertConnectionError(H2Client c, int code) throws IOException {
        H2Client.Frame f = c.awaitResetOrGoAway();
        assertNotNull(f, "connection closed without GOAWAY");
        assertEquals(H2Client.GOAWAY, f.type(), "expected GOAWAY, got " + describe(f));
        assertEquals(code, f.errorCode(), "GOAWAY error code");
        assertTrue(c.closedWithin(5000), "the connection is closed after GOAWAY");
        try (H2Client other = H2Client.cleartext(proxy.port)) {
            other.headers(1, H2Client.get("/a.txt"), true);
            assertEquals(200, other.response(1).status(), "another connection is served");
        }
    }

    private static String describe(H2Client.Frame f) {
        String[] names = {"DATA", "HEADERS", "PRIORITY", "RST_STREAM", "SETTINGS", "PUSH_PROMISE", "PING", "GOAWAY"};
        String name = f.type() < names.length ? names[f.type()] : "type " + f.type();
        return name + " on stream " + f.stream() + (f.type() == H2Client.RST_STREAM || f.type() == H2Client.GOAWAY
                ? " code " + f.errorCode() : f.headers() != null ? " " + f.headers() : "");
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    // RFC 9113 5.1, half-closed (remote): frames other than WINDOW_UPDATE, PRIORITY and RST_STREAM
    // are a stream error STREAM_CLOSED.

    @Test
    void dataOnAHalfClosedRemoteStreamIsAStreamErrorStreamClosed() throws IOException {
        try (H2Client c = H2Client.cleartext(proxy.port)) {
            c.headers(1, H2Client.get("/hang/x"), true);
            c.data(1, bytes("late"), true);
            assertStreamError(c, 1, STREAM_CLOSED, 3);
        }
    }

    @Test
    void headersOnAHalfClosedRemoteStreamIsAStreamErrorStreamClosed() throws IOException {
        try (H2Client c = H2Client.cleartext(proxy.port)) {
            c.headers(1, H2Client.get("/hang/x"), true);
            c.headers(1, new DefaultHttp2Headers().add("x-late", "1"), true);
            assertStreamError(c, 1, STREAM_CLOSED, 3);
        }
    }

    @Test
    void continuationWithoutAnOpenHeaderBlockIsAConnectionProtocolError() throws IOException {
        // RFC 9113 6.10: a CONTINUATION not preceded by a HEADERS without END_HEADERS is a
        // connection error PROTOCOL_ERROR, whatever the state of its stream.
        try (H2Client c = H2Client.cleartext(proxy.port)) {
            c.headers(1, H2Client.get("/hang/x"), true);
            c.frame(H2Client.CONTINUATION, H2Client.END_HEADERS, 1, c.encode(1, new DefaultHttp2Headers().add("x-a", "1")));
            assertConnectionError(c, PROTOCOL_ERROR);
        }
    }

    // RFC 9113 5.1, closed: frames after the stream ended both ways are a connection error
    // STREAM_CLOSED; after the client's own RST_STREAM, a STREAM_CLOSED error.

    @Test
    void dataOnAClosedStreamIsAConnectionErrorStreamClosed() throws IOException {
        try (H2Client c = H2Client.cleartext(proxy.port)) {
            c.headers(1, H2Client.get("/a.txt"), true);
            assertEquals(200, c.response(1).status());
            c.data(1, bytes("late"), true);
            assertConnectionError(c, STREAM_CLOSED);
        }
    }

    @Test
    void headersReusingAClosedStreamIdIsAConnectionErrorStreamClosed() throws IOException {
        try (H2Client c = H2Client.cleartext(proxy.port)) {
            c.headers(1, H2Client.get("/a.txt"), true);
            assertEquals(200, c.response(1).status());
            c.headers(1, H2Client.get("/a.txt"), true);
            assertConnectionError(c, STREAM_CLOSED);
        }
    }

    @Test
    void dataAfterTheClientResetTheStreamIsAStreamClosedError() throws IOException {
        try (H2Client c = H2Client.cleartext(proxy.port)) {
            c.headers(1, post("/hang/x"), false);
            c.rst(1, 0x8);
            c.data(1, bytes("late"), true);
            H2Client.Frame f = c.awaitResetOrGoAway();
            assertNotNull(f);
            assertEquals(STREAM_CLOSED, f.errorCode(), describe(f));
        }
    }

    @Test
    void headersAfterTheClientResetTheStreamIsAStreamErrorStreamClosed() throws IOException {
        try (H2Client c = H2Client.cleartext(proxy.port)) {
            c.headers(1, post("/hang/x"), false);
            c.rst(1, 0x8);
            c.headers(1, new DefaultHttp2Headers().add("x-late", "1"), true);
            assertStreamError(c, 1, STREAM_CLOSED, 3);
        }
    }

    @Test
    void continuationOnAClosedStreamIsAConnectionProtocolError() throws IOException {
        try (H2Client c = H2Client.cleartext(proxy.port)) {
            c.headers(1, H2Client.get("/a.txt"), true);
            assertEquals(200, c.response(1).status());
            c.frame(H2Client.CONTINUATION, H2Client.END_HEADERS, 1, c.encode(1, new DefaultHttp2Headers().add("x-a", "1")));
            assertConnectionError(c, PROTOCOL_ERROR);
        }
    }

    // RFC 9113 5.1: idle streams take only HEADERS and PRIORITY.

    @Test
    void dataOnAnIdleStreamIsAConnectionProtocolError() throws IOException {
        try (H2Client c = H2Client.cleartext(proxy.port)) {
            c.data(1, bytes("no headers"), true);
            assertConnectionError(c, PROTOCOL_ERROR);
        }
    }

    @Test
    void dataOnAnIdleStreamAboveAnOpenOneIsAConnectionProtocolError() throws IOException {
        try (H2Client c = H2Client.cleartext(proxy.port)) {
            c.headers(1, H2Client.get("/hang/x"), true);
            c.data(3, bytes("no headers"), true);
            assertConnectionError(c, PROTOCOL_ERROR);
        }
    }

    @Test
    void windowUpdateOnAnIdleStreamIsAConnectionProtocolError() throws IOException {
        try (H2Client c = H2Client.cleartext(proxy.port)) {
            c.windowUpdate(1, 100);
            assertConnectionError(c, PROTOCOL_ERROR);
        }
    }

    @Test
    void rstStreamOnAnIdleStreamIsAConnectionProtocolError() throws IOException {
        try (H2Client c = H2Client.cleartext(proxy.port)) {
            c.rst(1, 0x8);
            assertConnectionError(c, PROTOCOL_ERROR);
        }
    }

    // RFC 9113 5.1.1: a new stream's identifier is odd and above every earlier one.

    @Test
    void headersOnAStreamIdLowerThanAnOpenedOneIsAConnectionProtocolError() throws IOException {
        try (H2Client c = H2Client.cleartext(proxy.port)) {
            c.headers(5, H2Client.get("/a.txt"), true);
            assertEquals(200, c.response(5).status());
            c.headers(3, H2Client.get("/a.txt"), true);
            assertConnectionError(c, PROTOCOL_ERROR);
        }
    }

    @Test
    void evenStreamIdFromTheClientIsAConnectionProtocolError() throws IOException {
        try (H2Client c = H2Client.cleartext(proxy.port)) {
            c.headers(2, H2Client.get("/a.txt"), true);
            assertConnectionError(c, PROTOCOL_ERROR);
        }
    }

    // RFC 9113 6.3: PRIORITY is exactly 5 octets.

    @Test
    void priorityOfTheWrongLengthIsAStreamFrameSizeError() throws IOException {
        try (H2Client c = H2Client.cleartext(proxy.port)) {
            c.frame(H2Client.PRIORITY, 0, 1, new byte[] {0, 0, 0, 0}); // 4 octets, on an idle stream
            assertStreamError(c, 1, FRAME_SIZE_ERROR, 3);
        }
    }

    @Test
    void priorityOfTheWrongLengthOnAnOpenStreamIsAStreamFrameSizeError() throws IOException {
        try (H2Client c = H2Client.cleartext(proxy.port)) {
            c.headers(1, post("/hang/x"), false);
            c.frame(H2Client.PRIORITY, 0, 1, new byte[] {0, 0, 0, 3, 0, 0}); // 6 octets
            assertStreamError(c, 1, FRAME_SIZE_ERROR, 3);
        }
    }

    // RFC 9113 6.9: a WINDOW_UPDATE of 0 is a PROTOCOL_ERROR, stream or connection by its stream.

    @Test
    void windowUpdateOfZeroOnAStreamIsAStreamProtocolError() throws IOException {
        try (H2Client c = H2Client.cleartext(proxy.port)) {
            c.headers(1, H2Client.get("/hang/x"), true);
            c.windowUpdate(1, 0);
            assertStreamError(c, 1, PROTOCOL_ERROR, 3);
        }
    }

    @Test
    void windowUpdateOfZeroOnTheConnectionIsAConnectionProtocolError() throws IOException {
        try (H2Client c = H2Client.cleartext(proxy.port)) {
            c.windowUpdate(0, 0);
            assertConnectionError(c, PROTOCOL_ERROR);
        }
    }

    // RFC 9113 6.9.1: a window past 2^31-1 is a FLOW_CONTROL_ERROR.

    @Test
    void streamWindowPastTheMaximumIsAStreamFlowControlError() throws IOException {
        try (H2Client c = H2Client.cleartext(proxy.port)) {
            c.headers(1, H2Client.get("/hang/x"), true);
            c.windowUpdate(1, 0x7fffffff); // on top of the 1 GiB initial window
            assertStreamError(c, 1, FLOW_CONTROL_ERROR, 3);
        }
    }

    @Test
    void connectionWindowPastTheMaximumIsAConnectionFlowControlError() throws IOException {
        try (H2Client c = H2Client.cleartext(proxy.port)) {
            c.windowUpdate(0, 0x7fffffff); // on top of the 1 GiB the client gave at the start
            assertConnectionError(c, FLOW_CONTROL_ERROR);
        }
    }

    @Test
    void initialWindowSizeSettingPastTheMaximumIsAConnectionFlowControlError() throws IOException {
        try (H2Client c = H2Client.cleartext(proxy.port)) {
            c.frame(H2Client.SETTINGS, 0, 0, new byte[] {0, 4, (byte) 0x80, 0, 0, 0});
            assertConnectionError(c, FLOW_CONTROL_ERROR);
        }
    }

    // RFC 9113 8.1: a request is one HEADERS block, DATA, and at most one trailer block that ends it.

    @Test
    void secondHeadersWithoutEndStreamIsAStreamProtocolError() throws IOException {
        try (H2Client c = H2Client.cleartext(proxy.port)) {
            c.headers(1, post("/hang/x"), false);
            c.headers(1, new DefaultHttp2Headers().add("x-trailer", "1"), false);
            assertStreamError(c, 1, PROTOCOL_ERROR, 3);
        }
    }

    @Test
    void pseudoHeaderInTrailersIsAStreamProtocolError() throws IOException {
        try (H2Client c = H2Client.cleartext(proxy.port)) {
            c.headers(1, post("/hang/x"), false);
            c.data(1, bytes("body"), false);
            c.headers(1, new DefaultHttp2Headers().method("POST"), true);
            assertStreamError(c, 1, PROTOCOL_ERROR, 3);
        }
    }

    // RFC 9113 8.3.1: :method, :scheme and a non-empty :path are required (but for CONNECT).

    @Test
    void requestWithoutMethodIsAStreamProtocolError() throws IOException {
        assertMalformed(new DefaultHttp2Headers().scheme("http").path("/a.txt").authority("localhost"));
    }

    @Test
    void requestWithoutSchemeIsAStreamProtocolError() throws IOException {
        assertMalformed(new DefaultHttp2Headers().method("GET").path("/a.txt").authority("localhost"));
    }

    @Test
    void requestWithoutPathIsAStreamProtocolError() throws IOException {
        assertMalformed(new DefaultHttp2Headers().method("GET").scheme("http").authority("localhost"));
    }

    @Test
    void requestWithAnEmptyPathIsAStreamProtocolError() throws IOException {
        assertMalformed(new DefaultHttp2Headers(false).method("GET").scheme("http").path("").authority("localhost"));
    }

    @Test
    void requestWithAPathNotStartingWithASlashIsAStreamProtocolError() throws IOException {
        assertMalformed(H2Client.get("a.txt"));
    }

    @Test
    void connectWithAPathIsAStreamProtocolError() throws IOException {
        assertMalformed(new DefaultHttp2Headers().method("CONNECT").authority("example.com:443").path("/"));
    }

    @Test
    void requestWithoutAuthorityOrHostIsAStreamProtocolError() throws IOException {
        assertMalformed(new DefaultHttp2Headers().method("GET").scheme("http").path("/a.txt"));
    }

    @Test
    void requestWithAnAuthorityAndADifferentHostIsAStreamProtocolError() throws IOException {
        assertMalformed(H2Client.get("/a.txt").add("host", "other.example"));
    }

    @Test
    void requestWithAnInvalidAuthorityIsAStreamProtocolError() throws IOException {
        assertMalformed(H2Client.get("/a.txt").authority("user@localhost"));
    }

    @Test
    void pseudoHeaderAfterARegularFieldIsAStreamProtocolError() throws IOException {
        // Netty's header map always puts pseudo-fields first: the block is encoded in two parts.
        try (H2Client c = H2Client.cleartext(proxy.port)) {
            byte[] regular = c.encode(1, new DefaultHttp2Headers().add("accept", "*/*"));
            byte[] pseudo = c.encode(1, H2Client.get("/a.txt"));
            byte[] block = java.util.Arrays.copyOf(regular, regular.length + pseudo.length);
            System.arraycopy(pseudo, 0, block, regular.length, pseudo.length);
            c.frame(H2Client.HEADERS, H2Client.END_HEADERS | H2Client.END_STREAM, 1, block);
            assertStreamError(c, 1, PROTOCOL_ERROR, 3);
        }
    }

    @Test
    void unknownPseudoHeaderIsAStreamProtocolError() throws IOException {
        Http2Headers h = new DefaultHttp2Headers(false).method("GET").scheme("http").path("/a.txt").authority("localhost");
        h.add(":foo", "bar");
        assertMalformed(h);
    }

    @Test
    void repeatedPseudoHeaderIsAStreamProtocolError() throws IOException {
        Http2Headers h = new DefaultHttp2Headers(false).method("GET").scheme("http").path("/a.txt").authority("localhost");
        h.add(":path", "/b.txt");
        assertMalformed(h);
    }

    @Test
    void responsePseudoHeaderInARequestIsAStreamProtocolError() throws IOException {
        Http2Headers h = new DefaultHttp2Headers(false).method("GET").scheme("http").path("/a.txt").authority("localhost");
        h.add(":status", "200");
        assertMalformed(h);
    }

    // RFC 9113 5.3.1: a stream cannot depend on itself.

    @Test
    void headersDependingOnTheirOwnStreamIsAConnectionProtocolError() throws IOException {
        // A stream error by RFC 9113 5.3.1; Netty makes it a connection error, which RFC 9113 5.4
        // allows ("MAY choose to treat a stream error as a connection error"): it does not decode
        // such a header block, and the connection's HPACK state would be lost with it.
        try (H2Client c = H2Client.cleartext(proxy.port)) {
            byte[] block = c.encode(1, H2Client.get("/a.txt"));
            byte[] payload = new byte[5 + block.length];
            System.arraycopy(H2Client.int32(1), 0, payload, 0, 4); // depends on stream 1, itself
            payload[4] = 15;
            System.arraycopy(block, 0, payload, 5, block.length);
            c.frame(H2Client.HEADERS, H2Client.END_HEADERS | H2Client.END_STREAM | 0x20, 1, payload);
            assertConnectionError(c, PROTOCOL_ERROR);
        }
    }

    @Test
    void priorityDependingOnItsOwnStreamIsAStreamProtocolError() throws IOException {
        try (H2Client c = H2Client.cleartext(proxy.port)) {
            c.frame(H2Client.PRIORITY, 0, 1, new byte[] {0, 0, 0, 1, 15});
            assertStreamError(c, 1, PROTOCOL_ERROR, 3);
        }
    }

    // RFC 9113 8.2: field names are lower case; 8.2.2: no connection-specific fields.

    @Test
    void upperCaseFieldNameIsAStreamProtocolError() throws IOException {
        assertMalformed(new DefaultHttp2Headers(false).method("GET").scheme("http").path("/a.txt")
                .authority("localhost").add("X-Upper", "1"));
    }

    @Test
    void connectionHeaderIsAStreamProtocolError() throws IOException {
        assertMalformed(H2Client.get("/a.txt").add("connection", "keep-alive"));
    }

    @Test
    void keepAliveHeaderIsAStreamProtocolError() throws IOException {
        assertMalformed(H2Client.get("/a.txt").add("keep-alive", "timeout=5"));
    }

    @Test
    void transferEncodingHeaderIsAStreamProtocolError() throws IOException {
        assertMalformed(H2Client.get("/a.txt").add("transfer-encoding", "chunked"));
    }

    @Test
    void upgradeHeaderIsAStreamProtocolError() throws IOException {
        assertMalformed(H2Client.get("/a.txt").add("upgrade", "websocket"));
    }

    @Test
    void proxyConnectionHeaderIsAStreamProtocolError() throws IOException {
        assertMalformed(H2Client.get("/a.txt").add("proxy-connection", "keep-alive"));
    }

    @Test
    void teOtherThanTrailersIsAStreamProtocolError() throws IOException {
        assertMalformed(H2Client.get("/a.txt").add("te", "gzip"));
    }

    @Test
    void teTrailersIsAccepted() throws IOException {
        try (H2Client c = H2Client.cleartext(proxy.port)) {
            c.headers(1, H2Client.get("/a.txt").add("te", "trailers"), true);
            assertEquals(200, c.response(1).status());
        }
    }

    @Test
    void fieldValueWithALineFeedIsAStreamProtocolError() throws IOException {
        assertMalformed(new DefaultHttp2Headers(false).method("GET").scheme("http").path("/a.txt")
                .authority("localhost").add("x-a", "a\nb"));
    }

    // RFC 9113 8.1.1: content-length must equal the DATA received.

    @Test
    void moreDataThanContentLengthIsAStreamProtocolError() throws IOException {
        try (H2Client c = H2Client.cleartext(proxy.port)) {
            c.headers(1, post("/hang/x").add("content-length", "3"), false);
            c.data(1, bytes("four"), true);
            assertStreamError(c, 1, PROTOCOL_ERROR, 3);
        }
    }

    @Test
    void contentLengthOtherThanTheSumOfSeveralDataFramesIsAStreamProtocolError() throws IOException {
        try (H2Client c = H2Client.cleartext(proxy.port)) {
            c.headers(1, post("/hang/x").add("content-length", "7"), false);
            c.data(1, bytes("one"), false);
            c.data(1, bytes("two"), true);
            assertStreamError(c, 1, PROTOCOL_ERROR, 3);
        }
    }

    @Test
    void lessDataThanContentLengthIsAStreamProtocolError() throws IOException {
        try (H2Client c = H2Client.cleartext(proxy.port)) {
            c.headers(1, post("/hang/x").add("content-length", "5"), false);
            c.data(1, bytes("four"), true);
            assertStreamError(c, 1, PROTOCOL_ERROR, 3);
        }
    }

    @Test
    void contentLengthWithoutDataIsAStreamProtocolError() throws IOException {
        try (H2Client c = H2Client.cleartext(proxy.port)) {
            c.headers(1, post("/hang/x").add("content-length", "5"), true);
            assertStreamError(c, 1, PROTOCOL_ERROR, 3);
        }
    }

    @Test
    void contentLengthNotANumberIsAStreamProtocolError() throws IOException {
        try (H2Client c = H2Client.cleartext(proxy.port)) {
            c.headers(1, post("/hang/x").add("content-length", "abc"), false);
            assertStreamError(c, 1, PROTOCOL_ERROR, 3);
        }
    }

    @Test
    void contentLengthMatchingTheDataIsForwarded() throws IOException {
        try (H2Client c = H2Client.cleartext(proxy.port)) {
            c.headers(1, post("/a.txt").add("content-length", "4"), false);
            c.data(1, bytes("four"), true);
            assertEquals(405, c.response(1).status(), "a valid POST reaches the static location, which refuses it");
        }
    }

    /** Sends {@code h} as a complete request: a RST_STREAM PROTOCOL_ERROR, no response, and the connection serves on. */
    private void assertMalformed(Http2Headers h) throws IOException {
        try (H2Client c = H2Client.cleartext(proxy.port)) {
            c.headers(1, h, true);
            assertStreamError(c, 1, PROTOCOL_ERROR, 3);
        }
    }
}
