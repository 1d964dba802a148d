package dev.gatehouse.proxy.tunnel;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Two connections joined after a {@code 101 Switching Protocols}: bytes read on one are written
 * to the other as they come, until either side closes, as nginx's
 * {@code ngx_http_upstream_process_upgraded} does. Nothing is parsed: WebSocket or any other
 * upgraded protocol passes byte for byte.
 *
 * <ul>
 *   <li>Backpressure both ways: when the side written to stops taking writes (not writable), the
 *       side read from stops being read until it drains.</li>
 *   <li>An idle timeout: no byte either way for that long closes both sides (nginx uses
 *       {@code proxy_read_timeout} on the upstream side only, which also cuts a client that
 *       sends while the server is silent; here any traffic keeps the tunnel).</li>
 *   <li>One end: when either side ends (close, half-close, error, timeout), what was written to
 *       the other is flushed and then it is closed too; {@code onClose} runs once.</li>
 * </ul>
 *
 * <p>Both channels must live on the same event loop (the proxy opens upstream connections on the
 * client's loop), so nothing here is shared between threads.
 */
public final class Tunnel {

    private static final Logger log = LoggerFactory.getLogger(Tunnel.class);

    private enum Phase { OPEN, CLOSED }

    private final String name;
    private final long idleNanos;
    private final Runnable onClose;
    private final Relay clientSide = new Relay("client");
    private final Relay upstreamSide = new Relay("upstream");
    private Phase phase = Phase.OPEN;
    private long lastActivity = System.nanoTime();
    private ScheduledFuture<?> timer;

    private Tunnel(String name, Duration idleTimeout, Runnable onClose) {
        this.name = name;
        this.idleNanos = idleTimeout.toNanos();
        this.onClose = onClose;
        clientSide.peer = upstreamSide;
        upstreamSide.peer = clientSide;
    }

    /**
     * A tunnel whose two handlers are then put at the end of each side's pipeline, in place of
     * the HTTP handlers ({@link #clientHandler()}, {@link #upstreamHandler()}).
     *
     * @param name what log lines call it, e.g. the request line
     * @param idleTimeout no byte either way for this long closes it
     * @param onClose runs once, on the event loop, when the tunnel ends
     */
    public static Tunnel create(String name, Duration idleTimeout, Runnable onClose) {
        return new Tunnel(name, idleTimeout, onClose);
    }

    /** The handler for the client connection's pipeline. */
    public ChannelInboundHandlerAdapter clientHandler() {
        return clientSide;
    }

    /** The handler for the upstream connection's pipeline. */
    public ChannelInboundHandlerAdapter upstreamHandler() {
        return upstreamSide;
    }

    /**
     * Starts relaying once both handlers are in their pipelines: reads on, idle timer armed. A
     * side already closed ends the tunnel at once.
     */
    public void start() {
        if (clientSide.channel == null || upstreamSide.channel == null) {
            throw new IllegalStateException("both tunnel handlers must be in their pipelines before start()");
        }
        if (!clientSide.channel.isActive() || !upstreamSide.channel.isActive()) {
            close(!clientSide.channel.isActive() ? clientSide : upstreamSide, "closed before the tunnel started");
            return;
        }
        clientSide.resumeReads();
        upstreamSide.resumeReads();
        scheduleIdleCheck(idleNanos);
    }

    private void scheduleIdleCheck(long delayNanos) {
        timer = clientSide.channel.eventLoop().schedule(this::checkIdle, delayNanos, TimeUnit.NANOSECONDS);
    }

    private void checkIdle() {
        timer = null;
        if (phase != Phase.OPEN) {
            return;
        }
        long idleFor = System.nanoTime() - lastActivity;
        if (idleFor >= idleNanos) {
            log.info("tunnel {}: no byte either way for {} ms (tunnel_idle_timeout); closing both sides", name,
                    TimeUnit.NANOSECONDS.toMillis(idleNanos));
            close(null, "idle");
            return;
        }
        scheduleIdleCheck(idleNanos - idleFor);
    }

    private void close(Relay endedFirst, String why) {
        if (phase == Phase.CLOSED) {
            return;
        }
        phase = Phase.CLOSED;
        log.debug("tunnel {}: ended ({}{})", name, endedFirst == null ? "" : endedFirst.side + " ", why);
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
        for (Relay r : new Relay[] {clientSide, upstreamSide}) {
            Channel ch = r.channel;
            if (ch == null) {
                continue;
            }
            if (r == endedFirst || !ch.isActive()) {
                ch.close();
            } else {
                // What the other side sent last still reaches this one before the close.
                ch.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
            }
        }
        onClose.run();
    }

    /** One side: reads go to the peer's channel; this channel's writability paces the peer's reads. */
    private final class Relay extends ChannelInboundHandlerAdapter {
        private final String side;
        private Relay peer;
        private Channel channel;
        private boolean wrote;

        Relay(String side) {
            this.side = side;
        }

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            channel = ctx.channel();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (phase != Phase.OPEN || peer.channel == null) {
                ReferenceCountUtil.release(msg);
                return;
            }
            lastActivity = System.nanoTime();
            peer.channel.write(msg).addListener(peer.failureListener);
            peer.wrote = true;
            if (!peer.channel.isWritable()) {
                // Backpressure: stop reading this side until the peer drains.
                channel.config().setAutoRead(false);
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            if (peer.wrote) {
                peer.wrote = false;
                peer.channel.flush();
            }
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            if (ctx.channel().isWritable() && phase == Phase.OPEN) {
                lastActivity = System.nanoTime();
                peer.resumeReads();
            }
            ctx.fireChannelWritabilityChanged();
        }

        void resumeReads() {
            if (channel != null && peer.channel.isWritable()) {
                channel.config().setAutoRead(true);
                channel.read();
            }
        }

        private final ChannelFutureListener failureListener = f -> {
            if (!f.isSuccess()) {
                close(this, "write failed: " + f.cause());
            }
        };

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            close(this, "closed");
            ctx.fireChannelInactive();
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof ChannelInputShutdownEvent) {
                // A half-close ends the tunnel, as nginx finalizes on either side's end of input.
                close(this, "half-closed");
                return;
            }
            ctx.fireUserEventTriggered(evt);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            close(this, cause instanceof java.io.IOException ? cause.toString() : "error: " + cause);
        }
    }
}
