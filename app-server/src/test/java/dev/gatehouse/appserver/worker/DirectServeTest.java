package dev.gatehouse.appserver.worker;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gatehouse.appserver.api.Application;
import dev.gatehouse.appserver.api.Request;
import dev.gatehouse.appserver.api.Response;
import dev.gatehouse.conf.app.Dispatch;
import dev.gatehouse.uwsgi.NoLeaks;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.channel.unix.Socket;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Connections whose first read is a whole request for the event loop are served without a
 * channel; everything else is handed to one, with what was read. Either way the front sees the
 * same answer and the counters the same numbers.
 */
@ExtendWith(NoLeaks.class)
class DirectServeTest {

    @TempDir
    Path dir;

    private WorkerServer server;

    static final byte[] BIG = new byte[ResponseWriter.MAX_WHOLE_BODY];

    static {
        for (int i = 0; i < BIG.length; i++) {
            BIG[i] = (byte) (i * 7);
        }
    }

    /** Non-blocking below /inline; /block waits for a latch on a virtual thread. */
    static final class App implements Application {
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);

        @Override
        public boolean isNonBlocking(Request request) {
            return request.path().startsWith("/inline");
        }

        @Override
        public Response handle(Request r) throws Exception {
            return switch (r.path()) {
                case "/inline/hello" -> Response.ok("Hello, World!");
                case "/inline/echo" -> Response.ok("got " + r.body().readAllBytes().length);
                case "/inline/stream" -> Response.status(200).body((OutputStream out) -> {
                    for (int i = 0; i < 3; i++) {
                        out.write(("part" + i + ";").getBytes(StandardCharsets.US_ASCII));
                        out.flush();
                    }
                }).build();
                case "/inline/big" -> Response.status(200).header("Content-Type", "application/octet-stream").body(BIG).build();
                case "/inline/crash" -> throw new IllegalStateException("boom");
                case "/thread" -> Response.ok(Thread.currentThread().isVirtual() ? "virtual" : "platform");
                case "/stream" -> Response.status(200).body((OutputStream out) -> {
                    for (int i = 0; i < 3; i++) {
                        out.write(("part" + i + ";").getBytes(StandardCharsets.US_ASCII));
                        out.flush();
                    }
                }).build();
                case "/block" -> {
                    entered.countDown();
                    release.await(10, TimeUnit.SECONDS);
                    yield Response.ok("released");
                }
                default -> Response.notFound();
            };
        }
    }

    private final App app = new App();

    private Path start(WorkerOptions options) throws Exception {
        Path socket = dir.resolve("app.sock");
        server = WorkerServer.bind(options, app, new DomainSocketAddress(socket.toString()), 16);
        return socket;
    }

    private Path start() throws Exception {
        return start(WorkerOptions.defaults());
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private static RawResponse exchange(Path socket, byte[] packet) throws Exception {
        try (UwsgiTestClient c = new UwsgiTestClient(socket)) {
            RawResponse r = c.send(packet).response();
            assertTrue(c.closedByPeer(), "closed after the response");
            return r;
        }
    }

    // Whether the request is in the socket when the worker accepts is a race the client starts
    // (connect, then write): these tests repeat until it went the direct way a few times.
    private static final int ROUNDS = 50;

    @Test
    void wholeRequestForTheEventLoopIsServedWithoutAChannel() throws Exception {
        Path socket = start();
        for (int i = 0; i < ROUNDS; i++) {
            RawResponse r = exchange(socket, UwsgiTestClient.get("/inline/hello"));
            assertEquals(200, r.status());
            assertEquals("Hello, World!", r.bodyText());
            assertEquals("13", r.header("Content-Length"));
            assertTrue(r.header("Date") != null);
        }
        assertTrue(server.stats().directConnections() > 0, "no connection was served directly");
        assertEquals(ROUNDS, server.stats().connections());
        assertEquals(ROUNDS, server.stats().requests());
        assertEquals(0, server.stats().inFlight());
    }

    @Test
    void wholeBodyIsReadFromTheFirstRead() throws Exception {
        Path socket = start();
        for (int i = 0; i < ROUNDS; i++) {
            assertEquals("got 4096", exchange(socket, UwsgiTestClient.request("POST", "/inline/echo", new byte[4096])).bodyText());
        }
        assertTrue(server.stats().directConnections() > 0, "no connection was served directly");
    }

    @Test
    void requestArrivingAfterTheAcceptWaitsWithoutAChannelAndIsServedDirectly() throws Exception {
        Path socket = start();
        try (UwsgiTestClient c = new UwsgiTestClient(socket)) {
            // Accepted, and the first read found nothing: the connection waits and owes a response.
            awaitBusyConnections(1);
            RawResponse r = c.send(UwsgiTestClient.get("/inline/hello")).response();
            assertEquals("Hello, World!", r.bodyText());
            assertTrue(c.closedByPeer());
        }
        assertEquals(1, server.stats().directConnections());
        assertEquals(1, server.stats().connections());
        assertEquals(1, server.stats().requests());
    }

    @Test
    void silentConnectionIsClosedAfterReadTimeout() throws Exception {
        Path socket = start(new WorkerOptions(1, Dispatch.VIRTUAL_THREAD, 0, 65536, Duration.ofMillis(300), true));
        try (UwsgiTestClient c = new UwsgiTestClient(socket)) {
            long t0 = System.nanoTime();
            assertTrue(c.closedByPeer());
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(ms >= 250 && ms < 5000, "closed after " + ms + " ms");
        }
        assertEquals(1, server.stats().connections());
        assertEquals(0, server.stats().busyConnections());
        assertEquals(200, exchange(socket, UwsgiTestClient.get("/inline/hello")).status());
    }

    @Test
    void gracefulStopWaitsForTheRequestOfAWaitingConnection() throws Exception {
        Path socket = start();
        try (UwsgiTestClient c = new UwsgiTestClient(socket)) {
            awaitBusyConnections(1);
            Thread stopper = Thread.ofPlatform().start(() -> server.shutdown(Duration.ofSeconds(10)));
            Thread.sleep(300);
            assertTrue(stopper.isAlive(), "shutdown must wait for the connection that owes a response");
            assertEquals("Hello, World!", c.send(UwsgiTestClient.get("/inline/hello")).response().bodyText());
            stopper.join(10_000);
            assertTrue(!stopper.isAlive(), "shutdown ends once the response is out");
        }
        assertEquals(1, server.stats().requests());
        server = null;
    }

    @Test
    void requestArrivingInPiecesIsHandedToAChannelWithWhatWasRead() throws Exception {
        Path socket = start();
        byte[] packet = UwsgiTestClient.request("POST", "/inline/echo", new byte[100]);
        try (UwsgiTestClient c = new UwsgiTestClient(socket)) {
            c.send(Arrays.copyOf(packet, 7));
            // A channel opens (connections() counts it) only once the worker has read those 7
            // bytes: a direct serve is counted only when it ends.
            awaitCondition(() -> server.stats().connections() == 1, "the partial packet handed to a channel");
            c.send(Arrays.copyOfRange(packet, 7, packet.length));
            assertEquals("got 100", c.response().bodyText());
            assertTrue(c.closedByPeer());
        }
        assertEquals(0, server.stats().directConnections());
        assertEquals(1, server.stats().connections());
        assertEquals(1, server.stats().requests());
    }

    @Test
    void blockingRequestRunsOnAVirtualThreadWhichAnswersOnTheSocket() throws Exception {
        Path socket = start();
        try (UwsgiTestClient c = new UwsgiTestClient(socket)) {
            awaitBusyConnections(1); // accepted first: the request is certain to arrive whole
            assertEquals("virtual", c.send(UwsgiTestClient.get("/thread")).response().bodyText());
            assertTrue(c.closedByPeer());
        }
        assertEquals(1, server.stats().directConnections());
        assertEquals(1, server.stats().requests());
        assertEquals(0, server.stats().inFlight());
    }

    @Test
    void streamedBodyFromAVirtualThreadIsFinishedByAChannel() throws Exception {
        Path socket = start();
        for (int i = 0; i < 5; i++) {
            assertEquals("part0;part1;part2;", exchange(socket, UwsgiTestClient.get("/stream")).bodyText());
        }
        assertEquals(0, server.stats().directConnections());
        assertEquals(5, server.stats().requests());
    }

    @Test
    void streamedBodyOfADirectRequestIsFinishedByAChannel() throws Exception {
        Path socket = start();
        assertEquals("part0;part1;part2;", exchange(socket, UwsgiTestClient.get("/inline/stream")).bodyText());
        assertEquals("part0;part1;part2;",
                exchange(socket, UwsgiTestClient.get("/inline/stream", "GATEHOUSE_CHUNKED", "1")).bodyText());
        assertEquals(0, server.stats().directConnections());
        assertEquals(2, server.stats().connections());
        assertEquals(2, server.stats().requests());
        assertEquals(0, server.stats().inFlight());
    }

    @Test
    void applicationFailureIsA500AndCounted() throws Exception {
        Path socket = start();
        assertEquals(500, exchange(socket, UwsgiTestClient.get("/inline/crash")).status());
        assertEquals(1, server.stats().exceptions());
        assertEquals(1, server.stats().requests());
    }

    @Test
    void headGetsTheHeadersOnly() throws Exception {
        Path socket = start();
        try (UwsgiTestClient c = new UwsgiTestClient(socket)) {
            RawResponse r = c.send(UwsgiTestClient.request("HEAD", "/inline/hello", new byte[0])).headResponse();
            assertEquals("13", r.header("Content-Length"));
            assertEquals(0, r.body().length);
            assertTrue(c.closedByPeer());
        }
    }

    @Test
    void keepAliveRequestGoesToAChannelThatKeepsTheConnection() throws Exception {
        Path socket = start();
        try (UwsgiTestClient c = new UwsgiTestClient(socket)) {
            for (int i = 0; i < 3; i++) {
                assertEquals(200, c.send(UwsgiTestClient.get("/inline/hello", "GATEHOUSE_KEEPALIVE", "1")).response().status());
            }
            assertEquals(200, c.send(UwsgiTestClient.get("/inline/hello")).response().status());
            assertTrue(c.closedByPeer(), "the last request did not ask for keep-alive");
        }
        assertEquals(0, server.stats().directConnections());
        assertEquals(1, server.stats().connections());
        assertEquals(4, server.stats().requests());
    }

    @Test
    void maxConcurrencyShedsDirectRequestsWith503() throws Exception {
        Path socket = start(new WorkerOptions(1, Dispatch.VIRTUAL_THREAD, 1, 65536, Duration.ofSeconds(5), true));
        try (UwsgiTestClient blocked = new UwsgiTestClient(socket)) {
            blocked.send(UwsgiTestClient.get("/block"));
            assertTrue(app.entered.await(5, TimeUnit.SECONDS));
            RawResponse r = exchange(socket, UwsgiTestClient.get("/inline/hello"));
            assertEquals(503, r.status());
            assertEquals("1", r.header("Retry-After"));
            app.release.countDown();
            assertEquals("released", blocked.response().bodyText());
        }
        assertEquals(1, server.stats().rejected());
    }

    @Test
    void connectionClosedBeforeAnyRequestIsCountedAndClosedQuietly() throws Exception {
        Path socket = start();
        new UwsgiTestClient(socket).close();
        assertEquals(200, exchange(socket, UwsgiTestClient.get("/inline/hello")).status());
        assertEquals(2, server.stats().connections());
        assertEquals(1, server.stats().requests());
    }

    @Test
    void requestQueuedBeforeTheWorkerAcceptsIsServedDirectly() throws Exception {
        // Connected and sent while the worker does not accept yet: its first read is certain to
        // hold the whole request, as with nginx, which writes right after connecting.
        Path socket = dir.resolve("queued.sock");
        Socket listener = Socket.newSocketDomain();
        listener.bind(new DomainSocketAddress(socket.toString()));
        listener.listen(16);
        List<UwsgiTestClient> clients = new ArrayList<>();
        try {
            for (int i = 0; i < 5; i++) {
                clients.add(new UwsgiTestClient(socket).send(UwsgiTestClient.request("POST", "/inline/echo", new byte[i * 1000])));
            }
            server = WorkerServer.start(WorkerOptions.defaults(), app, listener, false, null, null);
            for (int i = 0; i < 5; i++) {
                assertEquals("got " + i * 1000, clients.get(i).response().bodyText());
                assertTrue(clients.get(i).closedByPeer());
            }
        } finally {
            for (UwsgiTestClient c : clients) {
                c.close();
            }
        }
        assertEquals(5, server.stats().directConnections());
        assertEquals(5, server.stats().connections());
        assertEquals(5, server.stats().requests());
    }

    @Test
    void largeResponseOverTcpArrivesWholeWhenTheSocketTakesItInParts() throws Exception {
        // Small buffers on both sides (accepted TCP sockets take the listener's) make the socket
        // take the response in parts, and a channel sends the rest.
        Socket listener = Socket.newSocketStream();
        listener.setSendBufferSize(4096);
        listener.bind(new InetSocketAddress("127.0.0.1", 0));
        listener.listen(16);
        List<UwsgiTestClient> clients = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                clients.add(new UwsgiTestClient(listener.localAddress(), 4096).send(UwsgiTestClient.get("/inline/big")));
            }
            server = WorkerServer.start(WorkerOptions.defaults(), app, listener, true, null, listener.localAddress());
            for (UwsgiTestClient c : clients) {
                RawResponse r = c.response();
                assertEquals(Integer.toString(BIG.length), r.header("Content-Length"));
                assertArrayEquals(BIG, r.body());
                assertTrue(c.closedByPeer());
            }
        } finally {
            for (UwsgiTestClient c : clients) {
                c.close();
            }
        }
        assertEquals(3, server.stats().requests());
        assertEquals(3, server.stats().connections());
        assertTrue(server.stats().directConnections() < 3, "at least one response finished by a channel");
        assertEquals(0, server.stats().inFlight());
    }

    private void awaitBusyConnections(int n) throws InterruptedException {
        awaitCondition(() -> server.stats().busyConnections() == n, n + " busy connection(s)");
    }

    /** Polls {@code condition} until it holds, for up to a minute: an event, not a guess at its time. */
    private static void awaitCondition(java.util.function.BooleanSupplier condition, String what)
            throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within 60 s: " + what);
            }
            Thread.sleep(5);
        }
    }
}
