package dev.gatehouse.conf.proxy;

import static dev.gatehouse.conf.proxy.ProxyKeys.*;

import dev.gatehouse.conf.Size;
import dev.gatehouse.conf.schema.ConfigValues;
import dev.gatehouse.conf.schema.ConfigView;
import java.time.Duration;
import java.util.List;

/** An upstream pool, {@code [upstream.NAME]}: uwsgi servers that locations forward requests to. */
public final class UpstreamConfig extends ConfigView {

    // Read on every request (or connection): kept in fields, since a read through the values
    // is a map lookup, about 3% of the proxy's CPU per request when they all went that way.
    private final Balance balance = get(BALANCE);
    private final Duration sendTimeout = get(UPSTREAM_SEND_TIMEOUT);
    private final Duration readTimeout = get(UPSTREAM_READ_TIMEOUT);
    private final int keepalive = get(UPSTREAM_KEEPALIVE);

    private final String name;
    private final List<UpstreamServer> servers;

    UpstreamConfig(String name, List<UpstreamServer> servers, ConfigValues values) {
        super(values, List.of(name, List.copyOf(servers)));
        this.name = name;
        this.servers = List.copyOf(servers);
    }

    /** The table's name, which locations refer to. */
    public String name() {
        return name;
    }

    /** The servers, at least one of them not a backup. */
    public List<UpstreamServer> servers() {
        return servers;
    }

    /** How a server is picked. */
    public Balance balance() {
        return balance;
    }

    /** How long a connection attempt may take before the next server is tried. */
    public Duration connectTimeout() {
        return get(CONNECT_TIMEOUT);
    }

    /** Longest gap between two writes of the request to the server. */
    public Duration sendTimeout() {
        return sendTimeout;
    }

    /** Longest gap between two reads of the response; past it the client gets 504. */
    public Duration readTimeout() {
        return readTimeout;
    }

    /** Idle connections kept open per upstream for reuse; 0 = no reuse. */
    public int keepalive() {
        return keepalive;
    }

    /** The uwsgi packet's modifier1, 0 to 255 (0: WSGI-style; 8: JWSGI). */
    public int modifier1() {
        return get(MODIFIER1);
    }

    /** The uwsgi packet's modifier2, 0 to 255. */
    public int modifier2() {
        return get(MODIFIER2);
    }

    /** Attempts per request across servers; 0 = no limit. */
    public int nextUpstreamTries() {
        return get(NEXT_UPSTREAM_TRIES);
    }

    /** Time per request for trying further servers; zero = no limit. */
    public Duration nextUpstreamTimeout() {
        return get(NEXT_UPSTREAM_TIMEOUT);
    }

    /** The largest response status line and headers read from a server. */
    public Size bufferSize() {
        return get(BUFFER_SIZE);
    }
}
