package dev.gatehouse.proxy.server;

import dev.gatehouse.conf.proxy.ListenConfig;
import dev.gatehouse.proxy.dispatch.Generation;
import dev.gatehouse.proxy.dispatch.ProxyContext;
import dev.gatehouse.proxy.exchange.Transport;
import dev.gatehouse.proxy.http1.Http1Pipeline;
import dev.gatehouse.proxy.http2.Http2Pipeline;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.http2.Http2CodecUtil;
import java.util.List;

/**
 * On a cleartext listener with {@code http2}: HTTP/2 with prior knowledge (RFC 9113 3.3) when
 * the connection starts with the 24-byte client preface, HTTP/1.x otherwise. Decides at the
 * first byte that differs, so an HTTP/1.x request is never held back waiting for 24 bytes; the
 * bytes read so far go on to the chosen protocol's handlers.
 */
public final class PrefaceSniffer extends ByteToMessageDecoder {

    private static final ByteBuf PREFACE = Http2CodecUtil.connectionPrefaceBuf();

    private final ProxyContext context;
    private final Generation generation;
    private final ListenConfig listener;

    /** A sniffer for a connection accepted under {@code generation} on {@code listener}. */
    public PrefaceSniffer(ProxyContext context, Generation generation, ListenConfig listener) {
        this.context = context;
        this.generation = generation;
        this.listener = listener;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        int n = Math.min(in.readableBytes(), PREFACE.readableBytes());
        boolean http2 = true;
        for (int i = 0; i < n; i++) {
            if (in.getByte(in.readerIndex() + i) != PREFACE.getByte(i)) {
                http2 = false;
                break;
            }
        }
        if (http2 && n < PREFACE.readableBytes()) {
            return; // a prefix of the preface so far: wait for more
        }
        if (http2) {
            Http2Pipeline.addTo(ctx.pipeline(), context, generation, new Transport(false, true, listener));
        } else {
            Http1Pipeline.addTo(ctx.pipeline(), context, generation, new Transport(false, false, listener));
        }
        // Removing a ByteToMessageDecoder passes the bytes it holds on to the next handler.
        ctx.pipeline().remove(this);
    }
}
