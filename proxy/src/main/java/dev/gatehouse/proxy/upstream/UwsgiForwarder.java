package dev.gatehouse.proxy.upstream;

import dev.gatehouse.conf.ConfigException;
import dev.gatehouse.conf.proxy.ProxyConfig;
import dev.gatehouse.conf.proxy.UpstreamConfig;
import dev.gatehouse.proxy.http.Exchange;
import io.netty.channel.epoll.Epoll;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The forwarding implementation of the upstream seam: one {@link UpstreamPool} per
 * {@code [upstream.NAME]}, and an {@link UpstreamCall} per request. Built anew on every reload;
 * the old one closes its idle connections when the reload's drain window has passed.
 */
public final class UwsgiForwarder implements UpstreamHandler {

    /** The factory to register with the proxy. */
    public static final UpstreamHandler.Factory FACTORY = UwsgiForwarder::new;

    private final Map<String, UpstreamPool> pools = new LinkedHashMap<>();

    /**
     * Pools for a config's upstreams.
     *
     * @throws ConfigException when a pool has a unix server and native epoll is unavailable
     */
    public UwsgiForwarder(ProxyConfig config) {
        for (UpstreamConfig u : config.upstreams().values()) {
            boolean unix = u.servers().stream().anyMatch(s -> s.address().isUnix());
            if (unix && !Epoll.isAvailable()) {
                throw new ConfigException(List.of("upstream." + u.name() + ".servers: unix sockets need the native"
                        + " epoll transport, which is unavailable here (" + Epoll.unavailabilityCause() + "); use host:port"));
            }
            pools.put(u.name(), new UpstreamPool(u));
        }
    }

    @Override
    public RequestBodySink forward(Exchange exchange, String upstream) {
        UpstreamPool pool = pools.get(upstream);
        if (pool == null) {
            // The config loader checks location upstream names; kept for handlers built by hand.
            exchange.sendError(HttpResponseStatus.INTERNAL_SERVER_ERROR);
            return new RequestBodySink() {
                @Override
                public void content(HttpContent part) {
                    part.release();
                }

                @Override
                public void abort(String reason) {
                }
            };
        }
        UpstreamCall call = new UpstreamCall(exchange, pool);
        call.begin();
        return call;
    }

    @Override
    public void close() {
        pools.values().forEach(UpstreamPool::close);
    }
}
