package dev.gatehouse.proxy.server;

import dev.gatehouse.conf.Address;
import dev.gatehouse.proxy.dispatch.Generation;
import dev.gatehouse.proxy.dispatch.Listener;
import dev.gatehouse.proxy.dispatch.ProxyContext;
import dev.gatehouse.proxy.exchange.Transport;
import dev.gatehouse.proxy.http1.Http1Pipeline;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.ssl.SniHandler;

/**
 * A client connection's first handlers, by listener: on TLS the SNI handler (which picks the
 * certificate and becomes the TLS handler) and the ALPN switch to HTTP/2 or HTTP/1.1; on
 * cleartext with {@code http2} a sniffer for the HTTP/2 connection preface; else straight
 * HTTP/1.x ({@link Http1Pipeline}).
 */
public final class HttpChannelInitializer extends ChannelInitializer<Channel> {

    private final ProxyContext context;
    private final Address address;
    /** The listener as bound, for a reload whose config no longer lists this address. */
    private final Listener bound;

    /** Initializer for connections accepted on {@code address}. */
    public HttpChannelInitializer(ProxyContext context, Address address) {
        this.context = context;
        this.address = address;
        this.bound = context.generation().listeners().get(address);
    }

    @Override
    protected void initChannel(Channel ch) {
        Generation g = context.generation();
        context.connections().add(ch);
        Listener l = g.listeners().getOrDefault(address, bound);
        ChannelPipeline p = ch.pipeline();
        if (l.sni() != null) {
            // nginx times the handshake with client_header_timeout too.
            p.addLast("sni", new SniHandler(l.sni(), g.config().clientHeaderTimeout().toMillis()));
            p.addLast("alpn", new AlpnSwitch(context, g, l.config()));
        } else if (l.config().http2()) {
            p.addLast("preface", new PrefaceSniffer(context, g, l.config()));
        } else {
            Http1Pipeline.addTo(p, context, g, new Transport(false, false, l.config()));
        }
        if (context.draining()) {
            ch.close();
        }
    }
}
