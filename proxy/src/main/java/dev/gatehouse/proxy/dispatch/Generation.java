package dev.gatehouse.proxy.dispatch;

import dev.gatehouse.conf.Address;
import dev.gatehouse.conf.ConfigException;
import dev.gatehouse.conf.proxy.ListenConfig;
import dev.gatehouse.conf.proxy.LocationConfig;
import dev.gatehouse.conf.proxy.ProxyConfig;
import dev.gatehouse.proxy.exchange.HeadLimits;
import dev.gatehouse.proxy.route.Router;
import dev.gatehouse.proxy.tls.TlsContexts;
import dev.gatehouse.proxy.upstream.UpstreamHandler;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One loaded configuration and what is built from it: the router, the head limits, the upstream
 * handler and the listeners' TLS contexts. A reload (HUP) builds a new generation and swaps it in; requests already
 * routed keep the one they started with, new connections and requests take the new one.
 *
 * @param config the configuration
 * @param router the locations
 * @param limits the decoder's limits, for connections accepted from now on
 * @param upstream the forwarding implementation, or null when none is registered
 * @param listeners the listeners by address, in listen order
 */
public record Generation(ProxyConfig config, Router router, HeadLimits limits, UpstreamHandler upstream,
        Map<Address, Listener> listeners) {

    /** Copies the listener map, keeping its order. */
    public Generation {
        listeners = Collections.unmodifiableMap(new LinkedHashMap<>(listeners));
    }

    /**
     * Builds a generation, refusing locations that name an upstream when there is no forwarding
     * implementation: such a request could only be answered by a stub.
     *
     * @param factory makes the upstream handler; null when forwarding is not available
     * @throws ConfigException naming each location that cannot be served
     */
    public static Generation build(ProxyConfig config, UpstreamHandler.Factory factory) {
        List<String> errors = new ArrayList<>();
        boolean needsUpstream = false;
        for (int i = 0; i < config.locations().size(); i++) {
            LocationConfig l = config.locations().get(i);
            if (l.upstream().isPresent()) {
                needsUpstream = true;
                if (factory == null) {
                    errors.add("location[" + i + "].upstream: \"" + l.upstream().get() + "\" (location " + l.match()
                            + "): this proxy has no upstream forwarding registered, so it cannot serve this location;"
                            + " remove upstream (and try_files) from the location, or run a build with forwarding");
                }
            }
        }
        if (!errors.isEmpty()) {
            throw new ConfigException(errors);
        }
        // TLS contexts read the certificate files: built here, on the thread that loads the
        // configuration (start-up, or the reload after HUP), never on an event loop.
        Map<Address, Listener> listeners = new LinkedHashMap<>();
        for (int i = 0; i < config.listeners().size(); i++) {
            ListenConfig l = config.listeners().get(i);
            String at = "listen[" + i + "]";
            listeners.put(l.address(), new Listener(l, l.tls()
                    .map(t -> TlsContexts.sniMapping(t, l.http2(), config.tlsSessionTimeout(), at))
                    .orElse(null)));
        }
        UpstreamHandler upstream = needsUpstream || factory != null && !config.upstreams().isEmpty()
                ? factory.create(config) : null;
        return new Generation(config, Router.of(config.locations()), HeadLimits.of(config), upstream, listeners);
    }
}
