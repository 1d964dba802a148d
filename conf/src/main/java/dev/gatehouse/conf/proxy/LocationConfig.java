package dev.gatehouse.conf.proxy;

import static dev.gatehouse.conf.proxy.ProxyKeys.*;

import dev.gatehouse.conf.Size;
import dev.gatehouse.conf.schema.ConfigValues;
import dev.gatehouse.conf.schema.ConfigView;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * One {@code [[location]]}: which requests it takes and how it serves them: static files from
 * {@code root} or {@code alias}, forwarding to an {@code upstream}, or both with {@code tryFiles}.
 */
public final class LocationConfig extends ConfigView {

    // Read on every request (or connection): kept in fields, since a read through the values
    // is a map lookup, about 3% of the proxy's CPU per request when they all went that way.
    private final LocationMatch match = get(PATH);

    private final List<UwsgiParam> uwsgiParams;

    LocationConfig(ConfigValues values, List<UwsgiParam> uwsgiParams) {
        super(values, List.of(List.copyOf(uwsgiParams)));
        this.uwsgiParams = List.copyOf(uwsgiParams);
    }

    /** How request paths are matched. */
    public LocationMatch match() {
        return match;
    }

    /** Directory the request path is appended to (nginx {@code root}). */
    public Optional<Path> root() {
        return optional(ROOT);
    }

    /** Directory that replaces the matched prefix (nginx {@code alias}); never with root. */
    public Optional<Path> alias() {
        return optional(ALIAS);
    }

    /** Files tried, in order, for a request naming a directory. */
    public List<String> index() {
        return get(INDEX);
    }

    /** Serve the file if it exists, else forward to the upstream. */
    public boolean tryFiles() {
        return get(TRY_FILES);
    }

    /** Name of the upstream pool requests are forwarded to; always defined. */
    public Optional<String> upstream() {
        return optional(UPSTREAM);
    }

    /** Reachable only through an upstream's {@code X-Accel-Redirect}. */
    public boolean internal() {
        return get(INTERNAL);
    }

    /** Lifetime for {@code Expires} and {@code Cache-Control: max-age} on static responses. */
    public Optional<Duration> expires() {
        return optional(EXPIRES);
    }

    /** A {@code Cache-Control} value for static responses. */
    public Optional<String> cacheControl() {
        return optional(CACHE_CONTROL);
    }

    /** Serve {@code file.gz} when the client accepts gzip and it exists. */
    public boolean gzipStatic() {
        return get(GZIP_STATIC);
    }

    /** Serve {@code file.br} when the client accepts br and it exists. */
    public boolean brotliStatic() {
        return get(BROTLI_STATIC);
    }

    /** Which symbolic links are followed. */
    public SymlinkPolicy disableSymlinks() {
        return get(DISABLE_SYMLINKS);
    }

    /** Serve names starting with '.'. */
    public boolean allowHidden() {
        return get(ALLOW_HIDDEN);
    }

    /** Vars added to or replaced in the uwsgi packet, in order. */
    public List<UwsgiParam> uwsgiParams() {
        return uwsgiParams;
    }

    /** Directories an upstream's {@code X-Sendfile} may name files in; empty: off. */
    public List<Path> sendfileRoots() {
        return get(SENDFILE_ROOTS);
    }

    /** Read the whole request body before forwarding. */
    public boolean requestBuffering() {
        return get(REQUEST_BUFFERING);
    }

    /** This location's body limit in place of the top-level one. */
    public Optional<Size> clientMaxBodySize() {
        return optional(LOCATION_CLIENT_MAX_BODY_SIZE);
    }

    /** How long an upgraded connection (a tunnel after 101) may stay silent both ways before it is closed. */
    public Duration tunnelIdleTimeout() {
        return get(TUNNEL_IDLE_TIMEOUT);
    }

    /** Upgraded connections open at once through this location; 0 = no limit. */
    public int maxTunnels() {
        return get(MAX_TUNNELS);
    }

    /** The directory static files come from, root or alias; empty for an upstream-only location. */
    public Optional<Path> staticDirectory() {
        Optional<Path> root = root();
        return root.isPresent() ? root : alias();
    }
}
