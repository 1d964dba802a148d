package dev.gatehouse.proxy.http2;

import dev.gatehouse.proxy.dispatch.ClientTimeouts;
import dev.gatehouse.proxy.dispatch.Generation;
import dev.gatehouse.proxy.dispatch.ProxyContext;
import dev.gatehouse.proxy.dispatch.ReadPauses;
import dev.gatehouse.proxy.dispatch.RequestDispatcher;
import dev.gatehouse.proxy.exchange.Transport;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.handler.stream.ChunkedWriteHandler;

/**
 * One HTTP/2 stream's handlers: the request arrives as frames, {@link Http2RequestDecoder} turns
 * them into the same request and body objects the HTTP/1.x decoder makes, and from there the
 * stream is served by a {@link RequestDispatcher} like an HTTP/1.x connection with one request,
 * and {@link Http2StreamEnd} ends the stream early when its response says so.
 * Responses go out as HttpObjects, which Netty's codec turns into HEADERS and DATA frames
 * (dropping Connection, Keep-Alive and Transfer-Encoding, which HTTP/2 forbids).
 */
@ChannelHandler.Sharable
final class Http2StreamInitializer extends ChannelInitializer<Http2StreamChannel> {

    /** Outbound only here: inbound frames are taken by the decoder before they reach it. */
    private static final Http2StreamFrameToHttpObjectCodec RESPONSES = new Http2StreamFrameToHttpObjectCodec(true, false);

    private final ProxyContext context;
    private final Transport transport;

    Http2StreamInitializer(ProxyContext context, Transport transport) {
        this.context = context;
        this.transport = transport;
    }

    @Override
    protected void initChannel(Http2StreamChannel ch) {
        Generation g = context.generation();
        ClientTimeouts timeouts = ClientTimeouts.forStream(g.config());
        ChannelPipeline p = ch.pipeline();
        p.addLast("timeouts", timeouts);
        p.addLast("decoder", new Http2RequestDecoder(g.limits()));
        p.addLast("encoder", RESPONSES);
        p.addLast("chunked", new ChunkedWriteHandler());
        p.addLast("end", new Http2StreamEnd());
        p.addLast("dispatcher", new RequestDispatcher(context, timeouts, transport, new ReadPauses(ch), null));
    }
}
