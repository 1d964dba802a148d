package dev.gatehouse.proxy.http;

import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpResponseEncoder;

/**
 * A client connection's pipeline, one concern per handler: timeouts (raw bytes), the strict
 * request decoder, Netty's response encoder, and the request loop.
 */
public final class HttpChannelInitializer extends ChannelInitializer<Channel> {

    private final ProxyContext context;

    /** Initializer for connections of this proxy. */
    public HttpChannelInitializer(ProxyContext context) {
        this.context = context;
    }

    @Override
    protected void initChannel(Channel ch) {
        Generation g = context.generation();
        context.connections().add(ch);
        ClientTimeouts timeouts = new ClientTimeouts(g.config());
        ChannelPipeline p = ch.pipeline();
        p.addLast("timeouts", timeouts);
        p.addLast("decoder", new Http1RequestDecoder(g.limits()));
        p.addLast("encoder", new HttpResponseEncoder());
        p.addLast("dispatcher", new RequestDispatcher(context, timeouts));
        if (context.draining()) {
            ch.close();
        }
    }
}
