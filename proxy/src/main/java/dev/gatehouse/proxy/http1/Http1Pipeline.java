package dev.gatehouse.proxy.http1;

import dev.gatehouse.proxy.dispatch.ClientTimeouts;
import dev.gatehouse.proxy.dispatch.Generation;
import dev.gatehouse.proxy.dispatch.ProxyContext;
import dev.gatehouse.proxy.dispatch.ReadPauses;
import dev.gatehouse.proxy.dispatch.RequestDispatcher;
import dev.gatehouse.proxy.exchange.Transport;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.handler.stream.ChunkedWriteHandler;

/**
 * The HTTP/1.x handlers of a connection, one concern each: timeouts, the strict request decoder,
 * Netty's response encoder, the connection policy ({@link Http1Connection}: keep-alive,
 * pipelining, lingering close) and the per-request dispatcher; over TLS also a chunked writer,
 * which streams file bodies in bounded pieces where sendfile(2) cannot be used.
 */
public final class Http1Pipeline {

    private Http1Pipeline() {
    }

    /** Adds the HTTP/1.x handlers at the end of {@code p}, with the limits of {@code g}. */
    public static void addTo(ChannelPipeline p, ProxyContext context, Generation g, Transport transport) {
        ClientTimeouts timeouts = new ClientTimeouts(g.config());
        p.addLast("timeouts", timeouts);
        p.addLast("decoder", new Http1RequestDecoder(g.limits()));
        p.addLast("encoder", new HttpResponseEncoder());
        if (!transport.zeroCopy()) {
            p.addLast("chunked", new ChunkedWriteHandler());
        }
        ReadPauses reads = new ReadPauses(p.channel());
        Http1Connection connection = new Http1Connection(context, timeouts, reads);
        p.addLast("connection", connection);
        p.addLast("dispatcher", new RequestDispatcher(context, timeouts, transport, reads, connection));
    }

    /**
     * Takes the HTTP/1.x handlers out after a 101 and puts {@code tunnel} in their place. The
     * decoder goes last: on removal it passes the bytes it holds but had not decoded yet to the
     * handler after it, which is then the tunnel.
     */
    static void replaceWithTunnel(ChannelPipeline p, ChannelHandler tunnel) {
        p.addLast("tunnel", tunnel);
        for (String name : new String[] {"dispatcher", "connection", "chunked", "encoder", "timeouts", "decoder"}) {
            if (p.get(name) != null) {
                p.remove(name);
            }
        }
    }
}
