package dev.gatehouse.proxy.upstream;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;

/**
 * One connection to an upstream server: the last handler of its pipeline, after the
 * {@link UwsgiResponseDecoder}. While a request uses it, everything goes to that request's
 * {@link Listener}; while it sits idle in the pool, any byte or close from the server ends it.
 */
final class UpstreamConnection extends ChannelInboundHandlerAdapter {

    /** What the request using a connection hears from it. */
    interface Listener {
        /** A decoded part of the response: {@link ResponseHead}, a body {@code ByteBuf}, {@link ResponseEnd}. */
        void upstreamMessage(Object msg);

        /** Some bytes arrived (before decoding): the read timeout moves. */
        void upstreamBytes();

        /** The connection ended: {@code cause} null for a plain close by the server. */
        void upstreamClosed(Throwable cause);

        /** The connection takes writes again. */
        void upstreamWritable();

        /** One read from the connection is over: what it produced may be flushed to the client. */
        void upstreamReadComplete();
    }

    final UpstreamPeer peer;
    final UpstreamPool pool;
    final Channel channel;
    final UwsgiResponseDecoder decoder;
    private Listener listener;
    /** The listener that heard this read's messages, even if a complete response detached it since. */
    private Listener readBy;
    private boolean closedReported;
    /** Requests served over this connection so far. */
    int requests;
    /** Bytes of response read for the current request. */
    long bytesRead;
    long idleSince;

    UpstreamConnection(UpstreamPeer peer, UpstreamPool pool, Channel channel, UwsgiResponseDecoder decoder) {
        this.peer = peer;
        this.pool = pool;
        this.channel = channel;
        this.decoder = decoder;
    }

    void attach(Listener l) {
        listener = l;
        bytesRead = 0;
        requests++;
    }

    void detach() {
        listener = null;
    }

    /** Whether the current request is not the connection's first: it came from the pool. */
    boolean reused() {
        return requests > 1;
    }

    /**
     * Puts a tunnel's handler in place of the uwsgi handlers, for good. The decoder, removed last,
     * hands it the bytes that came after the 101 head.
     */
    void replaceWithTunnel(ChannelHandler tunnel) {
        channel.pipeline().addLast("tunnel", tunnel);
        channel.pipeline().remove(this);
        channel.pipeline().remove("bytes");
        channel.pipeline().remove("decoder");
    }

    boolean usable() {
        return channel.isActive() && !closedReported;
    }

    void close() {
        listener = null;
        channel.close();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        Listener l = listener;
        if (l == null) {
            ReferenceCountUtil.release(msg);
            if (msg instanceof ResponseEnd) {
                return; // stray bytes were already dropped by the decoder; the close below ends it
            }
            ctx.close();
            return;
        }
        readBy = l;
        l.upstreamMessage(msg);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) throws Exception {
        Listener l = readBy;
        readBy = null;
        if (l != null) {
            l.upstreamReadComplete();
        }
        super.channelReadComplete(ctx);
    }

    /** Called by the pipeline's first handler for raw reads: counts response bytes. */
    void rawBytes(int n) {
        bytesRead += n;
        Listener l = listener;
        if (l != null) {
            l.upstreamBytes();
        } else if (n > 0) {
            channel.close(); // a server sends nothing on an idle connection
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        report(null);
        super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        report(cause);
        ctx.close();
    }

    private void report(Throwable cause) {
        if (closedReported) {
            return;
        }
        closedReported = true;
        Listener l = listener;
        listener = null;
        if (l != null) {
            l.upstreamClosed(cause);
        } else {
            pool.closedWhileIdle(this, cause instanceof IOException || cause == null);
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
        Listener l = listener;
        if (l != null && ctx.channel().isWritable()) {
            l.upstreamWritable();
        }
        super.channelWritabilityChanged(ctx);
    }

    @Override
    public String toString() {
        return peer + " " + channel.localAddress();
    }
}
