package dev.gatehouse.proxy.tunnel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The tunnel's relaying, backpressure and ends, on two embedded channels: no sockets, no sleeps. */
class TunnelTest {

    private final AtomicInteger closed = new AtomicInteger();

    private Tunnel open(EmbeddedChannel client, EmbeddedChannel upstream, Duration idle) {
        Tunnel t = Tunnel.create("GET /ws", idle, closed::incrementAndGet);
        client.pipeline().addLast(t.clientHandler());
        upstream.pipeline().addLast(t.upstreamHandler());
        t.start();
        return t;
    }

    private static String text(ByteBuf b) {
        try {
            return b.toString(StandardCharsets.US_ASCII);
        } finally {
            b.release();
        }
    }

    @Test
    void bytesReadOnOneSideAreWrittenToTheOther() {
        EmbeddedChannel client = new EmbeddedChannel();
        EmbeddedChannel upstream = new EmbeddedChannel();
        open(client, upstream, Duration.ofMinutes(1));
        client.writeInbound(Unpooled.copiedBuffer("to server", StandardCharsets.US_ASCII));
        assertEquals("to server", text(upstream.readOutbound()));
        upstream.writeInbound(Unpooled.copiedBuffer("to client", StandardCharsets.US_ASCII));
        assertEquals("to client", text(client.readOutbound()));
        assertEquals(0, closed.get());
    }

    @Test
    void aSideThatCannotTakeMoreStopsReadsOnTheOtherUntilItDrains() {
        EmbeddedChannel client = new EmbeddedChannel();
        EmbeddedChannel upstream = new EmbeddedChannel();
        upstream.config().setWriteBufferWaterMark(new WriteBufferWaterMark(8, 16));
        open(client, upstream, Duration.ofMinutes(1));
        assertTrue(client.config().isAutoRead());
        // Written but not flushed out yet (no read-complete): the upstream's outbound buffer passes
        // its high mark.
        client.pipeline().fireChannelRead(Unpooled.copiedBuffer("0123456789abcdefghij", StandardCharsets.US_ASCII));
        assertFalse(upstream.isWritable());
        assertFalse(client.config().isAutoRead(), "the client is still read while the upstream is full");
        upstream.flushOutbound(); // the upstream drained: writable again
        assertTrue(upstream.isWritable());
        assertTrue(client.config().isAutoRead(), "the client's reads did not resume");
        assertEquals("0123456789abcdefghij", text(upstream.readOutbound()));
    }

    @Test
    void whenOneSideClosesTheOtherIsClosedAfterWhatItWasSent() {
        EmbeddedChannel client = new EmbeddedChannel();
        EmbeddedChannel upstream = new EmbeddedChannel();
        open(client, upstream, Duration.ofMinutes(1));
        upstream.writeInbound(Unpooled.copiedBuffer("last words", StandardCharsets.US_ASCII));
        upstream.close();
        assertEquals("last words", text(client.readOutbound()));
        assertFalse(client.isActive());
        assertEquals(1, closed.get());
    }

    @Test
    void aTunnelSilentBothWaysForItsIdleTimeoutIsClosed() throws Exception {
        EmbeddedChannel client = new EmbeddedChannel();
        EmbeddedChannel upstream = new EmbeddedChannel();
        open(client, upstream, Duration.ofMillis(50));
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (client.isActive() && System.nanoTime() < deadline) {
            Thread.sleep(1);
            client.runScheduledPendingTasks();
        }
        assertFalse(client.isActive());
        upstream.runPendingTasks();
        assertFalse(upstream.isActive());
        assertEquals(1, closed.get());
    }
}
