package dev.gatehouse.proxy.upstream;

import dev.gatehouse.conf.ConfigException;
import dev.gatehouse.conf.proxy.ProxyConfig;
import dev.gatehouse.conf.proxy.UpstreamConfig;
import dev.gatehouse.proxy.exchange.Exchange;
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

    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(UwsgiForwarder.class);

    /** The factory to register with the proxy. */
    public static final UpstreamHandler.Factory FACTORY = UwsgiForwarder::new;

    private final Map<String, UpstreamPool> pools = new LinkedHashMap<>();
    private final TunnelSlots tunnels = new TunnelSlots();

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
        boolean upgrade = exchange.upgradeRequested();
        if (pool != null && upgrade && !tunnels.take(exchange.route().location())) {
            log.warn("{}: max_tunnels {} of location {} reached, 503 for {} {}", exchange.remoteAddress(),
                    exchange.route().location().maxTunnels(), exchange.route().location().match(),
                    exchange.request().method(), exchange.request().uri());
            exchange.sendError(HttpResponseStatus.SERVICE_UNAVAILABLE);
            return DISCARD;
        }
        if (pool == null) {
            // The config loader checks location upstream names; kept for handlers built by hand.
            exchange.sendError(HttpResponseStatus.INTERNAL_SERVER_ERROR);
            return DISCARD;
        }
        UpstreamCall call = new UpstreamCall(exchange, pool, upgrade ? tunnels : null);
        call.begin();
        return call;
    }

    /** The sink of a request answered without forwarding: the body is dropped. */
    private static final RequestBodySink DISCARD = new RequestBodySink() {
        @Override
        public void content(HttpContent part) {
            part.release();
        }

        @Override
        public void abort(String reason) {
        }
    };

    @Override
    public void close() {
        pools.values().forEach(UpstreamPool::close);
    }
}
