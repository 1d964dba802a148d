package dev.gatehouse.conf.proxy;

import dev.gatehouse.conf.Size;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One {@code [[location]]}: which requests it takes and how it serves them: static files from
 * {@code root} or {@code alias}, forwarding to an {@code upstream}, or both with {@code tryFiles}.
 *
 * @param match how request paths are matched
 * @param root directory the request path is appended to (nginx {@code root})
 * @param alias directory that replaces the matched prefix (nginx {@code alias}); never with root
 * @param index files tried, in order, for a request naming a directory
 * @param tryFiles serve the file if it exists, else forward to the upstream
 * @param upstream name of the upstream pool requests are forwarded to; always defined
 * @param internal reachable only through an upstream's {@code X-Accel-Redirect}
 * @param expires lifetime for {@code Expires} and {@code Cache-Control: max-age} on static responses
 * @param cacheControl a {@code Cache-Control} value for static responses
 * @param gzipStatic serve {@code file.gz} when the client accepts gzip and it exists
 * @param brotliStatic serve {@code file.br} when the client accepts br and it exists
 * @param disableSymlinks which symbolic links are followed
 * @param allowHidden serve names starting with '.'
 * @param uwsgiParams vars added to or replaced in the uwsgi packet, in order
 * @param sendfileRoots directories an upstream's {@code X-Sendfile} may name files in; empty: off
 * @param requestBuffering read the whole request body before forwarding
 * @param clientMaxBodySize this location's body limit in place of the top-level one
 * @param tunnelIdleTimeout how long an upgraded connection (a tunnel after 101) may stay silent
 *     both ways before it is closed
 * @param maxTunnels upgraded connections open at once through this location; 0 = no limit
 */
public record LocationConfig(
        LocationMatch match,
        Optional<Path> root,
        Optional<Path> alias,
        List<String> index,
        boolean tryFiles,
        Optional<String> upstream,
        boolean internal,
        Optional<Duration> expires,
        Optional<String> cacheControl,
        boolean gzipStatic,
        boolean brotliStatic,
        SymlinkPolicy disableSymlinks,
        boolean allowHidden,
        List<UwsgiParam> uwsgiParams,
        List<Path> sendfileRoots,
        boolean requestBuffering,
        Optional<Size> clientMaxBodySize,
        Duration tunnelIdleTimeout,
        int maxTunnels) {

    /** Checks for nulls and copies the lists. */
    public LocationConfig {
        Objects.requireNonNull(match, "match");
        Objects.requireNonNull(root, "root");
        Objects.requireNonNull(alias, "alias");
        index = List.copyOf(index);
        Objects.requireNonNull(upstream, "upstream");
        Objects.requireNonNull(expires, "expires");
        Objects.requireNonNull(cacheControl, "cacheControl");
        Objects.requireNonNull(disableSymlinks, "disableSymlinks");
        uwsgiParams = List.copyOf(uwsgiParams);
        sendfileRoots = List.copyOf(sendfileRoots);
        Objects.requireNonNull(clientMaxBodySize, "clientMaxBodySize");
        Objects.requireNonNull(tunnelIdleTimeout, "tunnelIdleTimeout");
    }

    /** The directory static files come from, root or alias; empty for an upstream-only location. */
    public Optional<Path> staticDirectory() {
        return root.isPresent() ? root : alias;
    }
}
