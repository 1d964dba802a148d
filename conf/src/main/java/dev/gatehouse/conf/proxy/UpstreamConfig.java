package dev.gatehouse.conf.proxy;

import dev.gatehouse.conf.Size;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * An upstream pool, {@code [upstream.NAME]}: uwsgi servers that locations forward requests to.
 *
 * @param name the table's name, which locations refer to
 * @param servers the servers, at least one of them not a backup
 * @param balance how a server is picked
 * @param connectTimeout how long a connection attempt may take before the next server is tried
 * @param sendTimeout longest gap between two writes of the request to the server
 * @param readTimeout longest gap between two reads of the response; past it the client gets 504
 * @param keepalive idle connections kept open per upstream for reuse; 0 = no reuse
 * @param modifier1 the uwsgi packet's modifier1, 0 to 255 (0: WSGI-style; 8: JWSGI)
 * @param modifier2 the uwsgi packet's modifier2, 0 to 255
 * @param nextUpstreamTries attempts per request across servers; 0 = no limit
 * @param nextUpstreamTimeout time per request for trying further servers; zero = no limit
 * @param bufferSize the largest response status line and headers read from a server
 */
public record UpstreamConfig(
        String name,
        List<UpstreamServer> servers,
        Balance balance,
        Duration connectTimeout,
        Duration sendTimeout,
        Duration readTimeout,
        int keepalive,
        int modifier1,
        int modifier2,
        int nextUpstreamTries,
        Duration nextUpstreamTimeout,
        Size bufferSize) {

    /** Checks for nulls and copies the server list. */
    public UpstreamConfig {
        Objects.requireNonNull(name, "name");
        servers = List.copyOf(servers);
        Objects.requireNonNull(balance, "balance");
        Objects.requireNonNull(connectTimeout, "connectTimeout");
        Objects.requireNonNull(sendTimeout, "sendTimeout");
        Objects.requireNonNull(readTimeout, "readTimeout");
        Objects.requireNonNull(nextUpstreamTimeout, "nextUpstreamTimeout");
        Objects.requireNonNull(bufferSize, "bufferSize");
    }
}
