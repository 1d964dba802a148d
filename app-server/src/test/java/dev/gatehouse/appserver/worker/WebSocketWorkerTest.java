package dev.gatehouse.appserver.worker;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gatehouse.appserver.api.Application;
import dev.gatehouse.appserver.api.Request;
import dev.gatehouse.appserver.api.Response;
import dev.gatehouse.appserver.api.WebSocket;
import dev.gatehouse.appserver.api.WebSocketAccept;
import dev.gatehouse.appserver.api.WebSocketHandler;
import dev.gatehouse.uwsgi.NoLeaks;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameDecoder;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameEncoder;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * WebSockets on one worker over a real unix socket: the handshake as uwsgi vars, then frames
 * encoded and decoded by Netty's client-side codec (masking frames as a browser does).
 */
@ExtendWith(NoLeaks.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class WebSocketWorkerTest {

    private static final String KEY = "dGhlIHNhbXBsZSBub25jZQ==";
    /** RFC 6455 1.3's example: the accept value for {@link #KEY}. */
    private static final String ACCEPT = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";

    @TempDir
    Path dir;

    private WorkerServer server;
    private Path socket;
    private final List<String> closes = new CopyOnWriteArrayList<>();
    private final java.util.concurrent.CountDownLatch slowEntered = new java.util.concurrent.CountDownLatch(1);
    private final java.util.concurrent.CountDownLatch slowRelease = new java.util.concurrent.CountDownLatch(1);

    /** /echo echoes, /small takes messages up to 1000 bytes, /nows declines, /fail throws in onText. */
    private final class App implements Application {
        @Override
        public Response handle(Request r) {
            return Response.text(404, "no socket here\n");
        }

        @Override
        public WebSocketAccept acceptWebSocket(Request r) {
            WebSocketHandler echo = new WebSocketHandler() {
                @Override
                public void onText(WebSocket s, String text) throws InterruptedException {
                    if (text.equals("block")) {
                        slowEntered.countDown();
                        slowRelease.await(30, TimeUnit.SECONDS);
                    }
                    if (text.equals("thread")) {
                        s.sendText(Thread.currentThread().isVirtual() ? "virtual" : Thread.currentThread().getName());
                        return;
                    }
                    if (text.equals("close please")) {
                        s.close(4000, "as asked");
                    } else {
                        s.sendText(text);
                    }
                }

                @Override
                public void onBinary(WebSocket s, byte[] data) {
                    if (r.path().equals("/fail")) {
                        throw new IllegalStateException("handler bug");
                    }
                    s.sendBinary(data);
                }

                @Override
                public void onClose(WebSocket s, int code, String reason) {
                    closes.add(code + " " + reason);
                }
            };
            return switch (r.path()) {
                case "/echo", "/fail" -> WebSocketAccept.with(echo).withSubprotocols("chat");
                case "/small" -> WebSocketAccept.with(echo).withMaxMessageSize(1000);
                case "/io" -> WebSocketAccept.with(echo).withNonBlockingHandler();
                default -> null;
            };
        }
    }

    private void start() throws Exception {
        socket = dir.resolve("app.sock");
        server = WorkerServer.bind(WorkerOptions.defaults(), new App(), new DomainSocketAddress(socket.toString()), 128);
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private static byte[] handshake(String path, String... extra) {
        String[] vars = {"HTTP_UPGRADE", "websocket", "HTTP_CONNECTION", "Upgrade", "HTTP_SEC_WEBSOCKET_KEY", KEY,
            "HTTP_SEC_WEBSOCKET_VERSION", "13"};
        String[] all = new String[vars.length + extra.length];
        System.arraycopy(vars, 0, all, 0, vars.length);
        System.arraycopy(extra, 0, all, vars.length, extra.length);
        return UwsgiTestClient.get(path, all);
    }

    /** A client speaking frames through Netty's client-side codec over the uwsgi connection. */
    private static final class Peer implements AutoCloseable {
        final UwsgiTestClient c;
        final EmbeddedChannel encoder = new EmbeddedChannel(new WebSocket13FrameEncoder(true));
        final EmbeddedChannel decoder = new EmbeddedChannel(new WebSocket13FrameDecoder(
                WebSocketDecoderConfig.newBuilder().expectMaskedFrames(false).maxFramePayloadLength(1 << 24).build()));

        Peer(Path socket) throws IOException {
            c = new UwsgiTestClient(socket);
        }

        void send(WebSocketFrame f) throws IOException {
            encoder.writeOutbound(f);
            ByteBuf b;
            while ((b = encoder.readOutbound()) != null) {
                c.out.write(ByteBufUtil.getBytes(b));
                b.release();
            }
            c.out.flush();
        }

        /** The next frame from the worker; null at end of stream. */
        WebSocketFrame read() throws IOException {
            byte[] buf = new byte[65536];
            while (true) {
                WebSocketFrame f = decoder.readInbound();
                if (f != null) {
                    return f;
                }
                int n = c.in.read(buf);
                if (n < 0) {
                    return null;
                }
                decoder.writeInbound(Unpooled.copiedBuffer(buf, 0, n));
            }
        }

        @Override
        public void close() throws IOException {
            encoder.finishAndReleaseAll();
            decoder.finishAndReleaseAll();
            c.close();
        }
    }

    @Test
    void handshakeAnswers101WithTheAcceptKeyAndTheChosenSubprotocolThenEchoes() throws Exception {
        start();
        try (Peer p = new Peer(socket)) {
            p.c.send(handshake("/echo", "HTTP_SEC_WEBSOCKET_PROTOCOL", "other, chat"));
            RawResponse r = p.c.headResponse();
            assertEquals("HTTP/1.1 101 Switching Protocols", r.statusLine());
            assertEquals(ACCEPT, r.header("Sec-WebSocket-Accept"));
            assertEquals("websocket", r.header("Upgrade"));
            assertEquals("chat", r.header("Sec-WebSocket-Protocol"));
            p.send(new TextWebSocketFrame("héllo"));
            WebSocketFrame f = p.read();
            assertEquals("héllo", ((TextWebSocketFrame) f).text());
            f.release();
            // A fragmented binary message comes back whole.
            p.send(new BinaryWebSocketFrame(false, 0, Unpooled.wrappedBuffer(new byte[] {1, 2})));
            p.send(new ContinuationWebSocketFrame(true, 0, Unpooled.wrappedBuffer(new byte[] {3})));
            f = p.read();
            assertArrayEquals(new byte[] {1, 2, 3}, ByteBufUtil.getBytes(f.content()));
            f.release();
            p.send(new PingWebSocketFrame(Unpooled.wrappedBuffer("are you there".getBytes(StandardCharsets.US_ASCII))));
            f = p.read();
            assertInstanceOf(PongWebSocketFrame.class, f);
            assertEquals("are you there", f.content().toString(StandardCharsets.US_ASCII));
            f.release();
            assertEquals(1, server.stats().openWebSockets());
            assertEquals(1, server.stats().requests(), "an open socket counts as one request");
            assertNull(server.stats().oldest(), "an open socket is not a running request (harakiri)");
            p.send(new CloseWebSocketFrame(1000, "bye"));
            CloseWebSocketFrame echo = (CloseWebSocketFrame) p.read();
            assertEquals(1000, echo.statusCode());
            echo.release();
            assertNull(p.read(), "the worker closes the connection after the closing handshake");
        }
        awaitClosed();
        assertEquals(List.of("1000 bye"), closes);
        assertEquals(0, server.stats().openWebSockets());
    }

    private void awaitClosed() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while ((closes.isEmpty() || server.stats().openWebSockets() > 0) && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
    }

    @Test
    void anotherVersionGets426NamingVersion13AndAMissingKey400() throws Exception {
        start();
        try (UwsgiTestClient c = new UwsgiTestClient(socket)) {
            RawResponse r = c.send(UwsgiTestClient.get("/echo", "HTTP_UPGRADE", "websocket", "HTTP_CONNECTION",
                    "Upgrade", "HTTP_SEC_WEBSOCKET_KEY", KEY, "HTTP_SEC_WEBSOCKET_VERSION", "8")).response();
            assertEquals(426, r.status());
            assertEquals("13", r.header("Sec-WebSocket-Version"));
            assertEquals("Upgrade Required: Sec-WebSocket-Version 8 is not supported; this server speaks WebSocket"
                    + " version 13 (RFC 6455)\n", r.bodyText());
        }
        try (UwsgiTestClient c = new UwsgiTestClient(socket)) {
            RawResponse r = c.send(UwsgiTestClient.get("/echo", "HTTP_UPGRADE", "websocket", "HTTP_CONNECTION",
                    "Upgrade", "HTTP_SEC_WEBSOCKET_VERSION", "13")).response();
            assertEquals(400, r.status());
            assertEquals("Bad Request: Sec-WebSocket-Key is missing\n", r.bodyText());
        }
        assertEquals(0, server.stats().openWebSockets());
    }

    @Test
    void aDeclinedHandshakeIsServedByHandle() throws Exception {
        start();
        try (UwsgiTestClient c = new UwsgiTestClient(socket)) {
            RawResponse r = c.send(handshake("/nows")).response();
            assertEquals(404, r.status());
            assertEquals("no socket here\n", r.bodyText());
        }
    }

    @Test
    void aMessagePastTheLimitClosesWith1009() throws Exception {
        start();
        try (Peer p = new Peer(socket)) {
            p.c.send(handshake("/small"));
            assertEquals(101, p.c.headResponse().status());
            p.send(new BinaryWebSocketFrame(false, 0, Unpooled.wrappedBuffer(new byte[600])));
            p.send(new ContinuationWebSocketFrame(true, 0, Unpooled.wrappedBuffer(new byte[600])));
            CloseWebSocketFrame f = (CloseWebSocketFrame) p.read();
            assertEquals(1009, f.statusCode());
            f.release();
            // The worker reads on after its close (a peer still sending must not get a reset)
            // until the peer answers.
            p.send(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(new byte[10])));
            p.send(new CloseWebSocketFrame(1009, ""));
            assertNull(p.read());
        }
        awaitClosed();
        assertEquals(List.of("1009 message too big"), closes);
    }

    @Test
    void theApplicationClosesWithItsCodeAndReason() throws Exception {
        start();
        try (Peer p = new Peer(socket)) {
            p.c.send(handshake("/echo"));
            assertEquals(101, p.c.headResponse().status());
            p.send(new TextWebSocketFrame("close please"));
            CloseWebSocketFrame f = (CloseWebSocketFrame) p.read();
            assertEquals(4000, f.statusCode());
            assertEquals("as asked", f.reasonText());
            f.release();
            p.send(new CloseWebSocketFrame(4000, ""));
            assertNull(p.read());
        }
        awaitClosed();
        assertEquals(List.of("4000 as asked"), closes);
    }

    @Test
    void aHandlerThatThrowsClosesWith1011() throws Exception {
        start();
        try (Peer p = new Peer(socket)) {
            p.c.send(handshake("/fail"));
            assertEquals(101, p.c.headResponse().status());
            p.send(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(new byte[] {1})));
            CloseWebSocketFrame f = (CloseWebSocketFrame) p.read();
            assertEquals(1011, f.statusCode());
            f.release();
        }
        assertEquals(1, server.stats().exceptions());
    }

    @Test
    void aCallbackRunningIsWatchedByHarakiriAsARequestIsAndTheOpenSocketIsNot() throws Exception {
        start();
        try (Peer p = new Peer(socket)) {
            p.c.send(handshake("/echo"));
            assertEquals(101, p.c.headResponse().status());
            assertNull(server.stats().oldest());
            p.send(new TextWebSocketFrame("block"));
            assertTrue(slowEntered.await(30, TimeUnit.SECONDS));
            WorkerStats.Running running = server.stats().oldest();
            assertEquals("WebSocket /echo onText", running.requestLine());
            slowRelease.countDown();
            WebSocketFrame f = p.read();
            assertEquals("block", ((TextWebSocketFrame) f).text());
            f.release();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (server.stats().oldest() != null && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertNull(server.stats().oldest(), "the callback ended, the socket stays open, nothing is running");
            assertEquals(1, server.stats().openWebSockets());
        }
    }

    @Test
    void callbacksRunOnVirtualThreadsUnlessTheHandlerIsDeclaredNonBlocking() throws Exception {
        start();
        for (String[] c : new String[][] {{"/echo", "virtual"}, {"/io", "gatehouse-io-"}}) {
            try (Peer p = new Peer(socket)) {
                p.c.send(handshake(c[0]));
                assertEquals(101, p.c.headResponse().status());
                p.send(new TextWebSocketFrame("thread"));
                TextWebSocketFrame f = (TextWebSocketFrame) p.read();
                assertTrue(f.text().startsWith(c[1]), c[0] + " ran its callback on " + f.text());
                f.release();
                p.send(new TextWebSocketFrame("in order"));
                f = (TextWebSocketFrame) p.read();
                assertEquals("in order", f.text());
                f.release();
            }
        }
    }

    @Test
    void anAbruptDropIsReportedAs1006() throws Exception {
        start();
        Peer p = new Peer(socket);
        p.c.send(handshake("/echo"));
        assertEquals(101, p.c.headResponse().status());
        p.close();
        awaitClosed();
        assertEquals(List.of("1006 "), closes);
    }

    @Test
    void aGracefulStopWaitsThenClosesOpenSocketsWith1001() throws Exception {
        start();
        try (Peer p = new Peer(socket)) {
            p.c.send(handshake("/echo"));
            assertEquals(101, p.c.headResponse().status());
            long started = System.nanoTime();
            CompletableFuture<Void> stopped = CompletableFuture.runAsync(() -> server.shutdown(Duration.ofMillis(300)));
            CloseWebSocketFrame f = (CloseWebSocketFrame) p.read();
            assertEquals(1001, f.statusCode());
            assertTrue(System.nanoTime() - started >= TimeUnit.MILLISECONDS.toNanos(300),
                    "the socket counted as busy for the grace period");
            f.release();
            p.send(new CloseWebSocketFrame(1001, ""));
            stopped.get(30, TimeUnit.SECONDS);
        }
        server = null;
        assertEquals(List.of("1001 server going away"), closes);
    }
}
