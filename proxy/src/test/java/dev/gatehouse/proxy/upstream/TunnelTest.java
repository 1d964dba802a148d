package dev.gatehouse.proxy.upstream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gatehouse.proxy.support.RawClient;
import dev.gatehouse.proxy.support.TestProxy;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Upgrade requests: vars, the 101 relayed, bytes both ways, limits, timeouts and ends of a tunnel. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TunnelTest {

    private static final String UPGRADE_REQUEST = "GET /ws?room=1 HTTP/1.1\r\nHost: example.com\r\nUpgrade: websocket\r\n"
            + "Connection: keep-alive, Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
            + "Sec-WebSocket-Version: 13\r\n\r\n";
    private static final String SWITCHED = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n";

    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
    }

    private FakeUwsgiServer upstream(FakeUwsgiServer.Conversation c) throws IOException {
        FakeUwsgiServer s = new FakeUwsgiServer(c);
        open.add(s);
        return s;
    }

    private TestProxy proxy(FakeUwsgiServer up, String locationExtra) {
        String toml = "[upstream.app]\nservers = [\"" + up.address() + "\"]\n\n[[location]]\npath = \"/\"\n"
                + "upstream = \"app\"\n" + locationExtra + "\n";
        TestProxy p = TestProxy.start(toml, Map.of(), UwsgiForwarder.FACTORY);
        open.add(p);
        return p;
    }

    private RawClient client(TestProxy p) {
        RawClient c = p.client().timeout(30_000);
        open.add(c);
        return c;
    }

    /** Answers 101 and a greeting in one write, then echoes every byte until the proxy closes. */
    private static boolean echo(FakeUwsgiServer.Packet p, InputStream in, OutputStream out) throws IOException {
        FakeUwsgiServer.write(out, SWITCHED + "hello");
        out.flush();
        in.transferTo(out);
        return false;
    }

    @Test
    void upgradeGoesWithItsHeaderVarsAndThe101OpensATunnelBothWays() throws Exception {
        FakeUwsgiServer up = upstream(TunnelTest::echo);
        TestProxy p = proxy(up, "");
        RawClient c = client(p);
        c.send(UPGRADE_REQUEST);
        RawClient.Response head = c.read(true);
        assertEquals(101, head.status());
        assertEquals(List.of("websocket"), head.headers().get("upgrade"));
        assertEquals(List.of("upgrade"), head.headers().get("connection"));
        assertEquals(List.of("s3pPLMBiTxaQ9kYGzzhZRbK+xOo="), head.headers().get("sec-websocket-accept"));
        assertEquals("hello", new String(c.readN(5), StandardCharsets.US_ASCII));

        FakeUwsgiServer.Packet pkt = up.packets.get(0);
        assertEquals("websocket", pkt.var("HTTP_UPGRADE"));
        assertEquals("keep-alive, Upgrade", pkt.var("HTTP_CONNECTION"));
        assertEquals("13", pkt.var("HTTP_SEC_WEBSOCKET_VERSION"));

        // 4 MiB each way at once: more than the socket buffers hold, so both directions have to
        // pause and resume their reads.
        byte[] data = new byte[4 << 20];
        new Random(7).nextBytes(data);
        CompletableFuture<Void> sent = CompletableFuture.runAsync(() -> c.send(data));
        assertArrayEquals(data, c.readN(data.length));
        sent.get(30, TimeUnit.SECONDS);
    }

    @Test
    void aTunnelEndsOnBothSidesWhenTheUpstreamCloses() throws Exception {
        FakeUwsgiServer up = upstream((pkt, in, out) -> {
            FakeUwsgiServer.write(out, SWITCHED);
            out.flush();
            byte[] ping = in.readNBytes(4);
            out.write(ping);
            FakeUwsgiServer.write(out, "bye");
            return false;
        });
        TestProxy p = proxy(up, "");
        RawClient c = client(p);
        c.send(UPGRADE_REQUEST);
        assertEquals(101, c.read(true).status());
        c.send("ping");
        assertEquals("pingbye", new String(c.readAll(), StandardCharsets.US_ASCII));
    }

    @Test
    void aTunnelEndsOnBothSidesWhenTheClientCloses() throws Exception {
        CountDownLatch upstreamSawEof = new CountDownLatch(1);
        FakeUwsgiServer up = upstream((pkt, in, out) -> {
            FakeUwsgiServer.write(out, SWITCHED);
            out.flush();
            if (in.readNBytes(3).length == 3 && in.read() < 0) {
                upstreamSawEof.countDown();
            }
            return false;
        });
        TestProxy p = proxy(up, "");
        RawClient c = client(p);
        c.send(UPGRADE_REQUEST);
        assertEquals(101, c.read(true).status());
        c.send("abc");
        c.close();
        assertTrue(upstreamSawEof.await(30, TimeUnit.SECONDS), "the upstream connection was not closed");
    }

    @Test
    void anIdleTunnelIsClosedAfterTunnelIdleTimeout() throws Exception {
        CountDownLatch upstreamSawEof = new CountDownLatch(1);
        FakeUwsgiServer up = upstream((pkt, in, out) -> {
            FakeUwsgiServer.write(out, SWITCHED);
            out.flush();
            if (in.read() < 0) {
                upstreamSawEof.countDown();
            }
            return false;
        });
        TestProxy p = proxy(up, "tunnel_idle_timeout = \"300ms\"");
        RawClient c = client(p);
        c.send(UPGRADE_REQUEST);
        assertEquals(101, c.read(true).status());
        assertTrue(c.closedByPeer(), "the client connection stayed open");
        assertTrue(upstreamSawEof.await(30, TimeUnit.SECONDS), "the upstream connection stayed open");
    }

    @Test
    void anAnswerOtherThan101IsAnOrdinaryResponseAndFreesTheTunnelSlot() throws Exception {
        FakeUwsgiServer up = upstream((pkt, in, out) -> {
            if (pkt.var("QUERY_STRING").equals("room=1") && pkt.var("HTTP_X_REFUSE") != null) {
                FakeUwsgiServer.write(out, "HTTP/1.1 403 Forbidden\r\nContent-Length: 4\r\n\r\nnope");
                return false;
            }
            return echo(pkt, in, out);
        });
        TestProxy p = proxy(up, "max_tunnels = 1");
        RawClient refused = client(p);
        refused.send(UPGRADE_REQUEST.replace("\r\n\r\n", "\r\nX-Refuse: 1\r\n\r\n"));
        RawClient.Response r = refused.read();
        assertEquals(403, r.status());
        assertEquals("nope", r.text());
        // The refused handshake gave its slot back: the one tunnel allowed still opens.
        RawClient c = client(p);
        c.send(UPGRADE_REQUEST);
        assertEquals(101, c.read(true).status());
        assertEquals("hello", new String(c.readN(5), StandardCharsets.US_ASCII));
    }

    @Test
    void pastMaxTunnelsAnUpgradeGets503UntilATunnelEnds() throws Exception {
        FakeUwsgiServer up = upstream(TunnelTest::echo);
        TestProxy p = proxy(up, "max_tunnels = 1");
        RawClient first = client(p);
        first.send(UPGRADE_REQUEST);
        assertEquals(101, first.read(true).status());
        RawClient second = client(p);
        second.send(UPGRADE_REQUEST);
        assertEquals(503, second.read().status());
        assertEquals(1, up.packets.size(), "the refused upgrade reached the upstream");
        first.close();
        // The slot frees when the proxy sees the close: try until then.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        int status;
        do {
            RawClient again = client(p);
            again.send(UPGRADE_REQUEST);
            status = again.read(true).status();
        } while (status == 503 && System.nanoTime() < deadline);
        assertEquals(101, status);
    }

    @Test
    void a101ToARequestThatDidNotAskToUpgradeIs502() throws Exception {
        FakeUwsgiServer up = upstream(TunnelTest::echo);
        TestProxy p = proxy(up, "");
        RawClient c = client(p);
        c.send("GET /plain HTTP/1.1\r\nHost: example.com\r\n\r\n");
        assertEquals(502, c.read().status());
    }

    @Test
    void anUpgradeIsNeverRetriedOnAnotherServerOnceSent() throws Exception {
        FakeUwsgiServer broken = upstream((pkt, in, out) -> false); // reads the request, closes
        FakeUwsgiServer good = upstream(TunnelTest::echo);
        String toml = "[upstream.app]\nservers = [\"" + broken.address() + "\", \"" + good.address() + "\"]\n"
                + "\n[[location]]\npath = \"/\"\nupstream = \"app\"\n";
        TestProxy p = TestProxy.start(toml, Map.of(), UwsgiForwarder.FACTORY);
        open.add(p);
        // Round-robin starts with the first server; a GET would have moved on to the second.
        RawClient c = client(p);
        c.send(UPGRADE_REQUEST);
        assertEquals(502, c.read().status());
        assertEquals(1, broken.packets.size());
        assertEquals(0, good.packets.size());
    }
}
