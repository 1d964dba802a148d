package dev.gatehouse.conf.proxy;

import static dev.gatehouse.conf.proxy.ProxyKeys.*;

import dev.gatehouse.conf.Address;
import dev.gatehouse.conf.ConfigException;
import dev.gatehouse.conf.KeySpec;
import dev.gatehouse.conf.Size;
import dev.gatehouse.conf.schema.ConfigReader;
import dev.gatehouse.conf.schema.Key;
import dev.gatehouse.conf.schema.TomlWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The proxy's configuration, {@code gatehouse-proxy.toml}: top-level keys for the HTTP front,
 * {@code [mime_types]}, {@code [open_file_cache]}, {@code [[location]]} entries and
 * {@code [upstream.NAME]} pools. Every key has a default, so an empty file (or none) is valid;
 * such a proxy has no locations and answers 404. Load it with {@link #load}; {@link #keys()}
 * lists every key, and {@link #toToml()} writes the effective configuration back out.
 *
 * <p>Values and the rules between them (a location's upstream exists, root or alias but not
 * both) are checked at load. The record itself only checks for nulls, so build it through
 * {@link #load} rather than by hand.
 *
 * @param listeners where connections are accepted and how (TLS, HTTP/2), at least one
 * @param serverHeader the {@code Server} header value; empty: none sent
 * @param keepaliveTimeout idle time before a keep-alive client connection is closed; zero: no keep-alive
 * @param keepaliveRequests requests per client connection
 * @param largeHeaderLine longest request line (414 past it)
 * @param largeHeaderSize largest request line plus headers (431 past it); at least {@code largeHeaderLine}
 * @param maxHeaders most header fields (431 past it)
 * @param clientMaxBodySize largest request body (413 past it); zero = unlimited
 * @param clientHeaderTimeout time to receive the request head (408 after)
 * @param clientBodyTimeout longest gap between body reads (408 after)
 * @param sendTimeout longest gap between writes to a client
 * @param maxConnections client connections open at once
 * @param ioThreads event-loop threads; 0 = one per CPU core
 * @param shutdownTimeout how long in-flight requests may finish on TERM
 * @param accessLog where the access log goes
 * @param accessLogFormat the access log's format
 * @param mimeTypes extension (no dot) to Content-Type, over the proxy's built-in table; in file order
 * @param pidfile where the proxy writes its pid
 * @param strictTransportSecurity the {@code Strict-Transport-Security} value for responses over TLS
 * @param tlsSessionTimeout how long a TLS session can be resumed
 * @param http2 the limits of HTTP/2 connections
 * @param openFileCache the static files' open-file cache
 * @param locations the locations, in file order (regex locations are tried in this order)
 * @param upstreams the upstream pools by name, in file order
 */
public record ProxyConfig(
        List<ListenConfig> listeners,
        String serverHeader,
        Duration keepaliveTimeout,
        int keepaliveRequests,
        Size largeHeaderLine,
        Size largeHeaderSize,
        int maxHeaders,
        Size clientMaxBodySize,
        Duration clientHeaderTimeout,
        Duration clientBodyTimeout,
        Duration sendTimeout,
        int maxConnections,
        int ioThreads,
        Duration shutdownTimeout,
        AccessLogTarget accessLog,
        AccessLogFormat accessLogFormat,
        Map<String, String> mimeTypes,
        Optional<Path> pidfile,
        Optional<String> strictTransportSecurity,
        Duration tlsSessionTimeout,
        Http2Limits http2,
        OpenFileCacheConfig openFileCache,
        List<LocationConfig> locations,
        Map<String, UpstreamConfig> upstreams) {

    /** The file name the docs and the command line use for this config. */
    public static final String FILE_NAME = "gatehouse-proxy.toml";

    /** Checks for nulls and copies the collections, keeping the maps' order. */
    public ProxyConfig {
        listeners = List.copyOf(listeners);
        Objects.requireNonNull(serverHeader, "serverHeader");
        Objects.requireNonNull(keepaliveTimeout, "keepaliveTimeout");
        Objects.requireNonNull(largeHeaderLine, "largeHeaderLine");
        Objects.requireNonNull(largeHeaderSize, "largeHeaderSize");
        Objects.requireNonNull(clientMaxBodySize, "clientMaxBodySize");
        Objects.requireNonNull(clientHeaderTimeout, "clientHeaderTimeout");
        Objects.requireNonNull(clientBodyTimeout, "clientBodyTimeout");
        Objects.requireNonNull(sendTimeout, "sendTimeout");
        Objects.requireNonNull(shutdownTimeout, "shutdownTimeout");
        Objects.requireNonNull(accessLog, "accessLog");
        Objects.requireNonNull(accessLogFormat, "accessLogFormat");
        mimeTypes = Collections.unmodifiableMap(new LinkedHashMap<>(mimeTypes));
        Objects.requireNonNull(pidfile, "pidfile");
        Objects.requireNonNull(strictTransportSecurity, "strictTransportSecurity");
        Objects.requireNonNull(tlsSessionTimeout, "tlsSessionTimeout");
        Objects.requireNonNull(http2, "http2");
        Objects.requireNonNull(openFileCache, "openFileCache");
        locations = List.copyOf(locations);
        upstreams = Collections.unmodifiableMap(new LinkedHashMap<>(upstreams));
    }

    /**
     * Loads a config file and applies command-line overrides.
     *
     * @param file the TOML file, or null for none (every key at its default)
     * @param overrides key path to value as text ({@code upstream.app.keepalive} to {@code "8"},
     *     {@code location[0].root} to {@code "/srv/www"}; an index one past the file's last entry
     *     adds an entry); list keys take comma-separated values; they win over the file
     * @throws ConfigException listing every problem, each with source, key path, value and expectation
     */
    public static ProxyConfig load(Path file, Map<String, String> overrides) {
        return read(ConfigReader.load(file, ALL, overrides));
    }

    /**
     * Like {@link #load}, from TOML text; {@code sourceName} is the file name messages give.
     *
     * @throws ConfigException as {@link #load} does
     */
    public static ProxyConfig fromToml(String toml, String sourceName, Map<String, String> overrides) {
        return read(ConfigReader.parse(toml, sourceName, ALL, overrides));
    }

    /** The configuration of an empty file. */
    public static ProxyConfig defaults() {
        return load(null, Map.of());
    }

    /** The listen addresses, in listen order. */
    public List<Address> listen() {
        return listeners.stream().map(ListenConfig::address).toList();
    }

    /** Every key, in file order, with type, default and description. */
    public static List<KeySpec> keys() {
        return ALL.stream().map(Key::spec).toList();
    }

    private static ProxyConfig read(ConfigReader r) {
        List<ListenConfig> listeners = readListeners(r);
        String serverHeader = r.get(SERVER_HEADER);
        Duration keepaliveTimeout = r.get(KEEPALIVE_TIMEOUT);
        int keepaliveRequests = r.get(KEEPALIVE_REQUESTS);
        Size largeHeaderLine = r.get(LARGE_HEADER_LINE);
        Size largeHeaderSize = r.get(LARGE_HEADER_SIZE);
        int maxHeaders = r.get(MAX_HEADERS);
        Size clientMaxBodySize = r.get(CLIENT_MAX_BODY_SIZE);
        Duration clientHeaderTimeout = r.get(CLIENT_HEADER_TIMEOUT);
        Duration clientBodyTimeout = r.get(CLIENT_BODY_TIMEOUT);
        Duration sendTimeout = r.get(SEND_TIMEOUT);
        int maxConnections = r.get(MAX_CONNECTIONS);
        int ioThreads = r.get(IO_THREADS);
        Duration shutdownTimeout = r.get(SHUTDOWN_TIMEOUT);
        AccessLogTarget accessLog = r.get(ACCESS_LOG);
        AccessLogFormat accessLogFormat = r.get(ACCESS_LOG_FORMAT);
        Optional<Path> pidfile = r.optional(PIDFILE);
        Optional<String> strictTransportSecurity = r.optional(STRICT_TRANSPORT_SECURITY);
        Duration tlsSessionTimeout = r.get(TLS_SESSION_TIMEOUT);
        Http2Limits http2 = new Http2Limits(r.get(HTTP2_MAX_CONCURRENT_STREAMS), r.get(HTTP2_MAX_HEADER_LIST_SIZE),
                r.get(HTTP2_MAX_RESETS), r.get(HTTP2_RESET_WINDOW), r.get(HTTP2_MAX_QUEUED_CONTROL_FRAMES));
        // Rules between keys only once the values are valid (see readLocation); checked before the
        // sections are read, whose errors would count too.
        if (!r.hasErrors() && largeHeaderSize.compareTo(largeHeaderLine) < 0) {
            r.reject(LARGE_HEADER_SIZE, "at least large_header_line (" + largeHeaderLine + "), which it includes");
        }
        Map<String, String> mimeTypes = r.map(MIME_TYPE);
        ConfigReader cache = r.section(OPEN_FILE_CACHE);
        OpenFileCacheConfig openFileCache =
                new OpenFileCacheConfig(cache.get(OPEN_FILE_CACHE_MAX), cache.get(OPEN_FILE_CACHE_VALID));

        // Upstreams first, so that locations can be checked against their names.
        Map<String, UpstreamConfig> upstreams = new LinkedHashMap<>();
        r.tableMap(UPSTREAMS).forEach((name, u) -> upstreams.put(name, readUpstream(name, u)));
        List<LocationConfig> locations = new ArrayList<>();
        Map<String, String> seen = new HashMap<>();
        for (ConfigReader l : r.tableArray(LOCATION)) {
            readLocation(l, upstreams.keySet(), seen).ifPresent(locations::add);
        }

        ProxyConfig c = new ProxyConfig(listeners, serverHeader, keepaliveTimeout, keepaliveRequests, largeHeaderLine,
                largeHeaderSize, maxHeaders, clientMaxBodySize, clientHeaderTimeout, clientBodyTimeout, sendTimeout,
                maxConnections, ioThreads, shutdownTimeout, accessLog, accessLogFormat, mimeTypes, pidfile, strictTransportSecurity,
                tlsSessionTimeout, http2, openFileCache,
                locations, upstreams);
        r.finish();
        return c;
    }

    private static List<ListenConfig> readListeners(ConfigReader r) {
        List<ConfigReader> entries = r.tableArray(LISTEN);
        if (!r.isSet(LISTEN)) {
            return List.of(ListenConfig.plain(Address.inet("127.0.0.1", 8080)));
        }
        if (entries.isEmpty() && !r.hasErrors()) {
            r.reject(LISTEN, "a non-empty list of addresses or listen tables");
        }
        List<ListenConfig> out = new ArrayList<>();
        Map<Address, String> seen = new HashMap<>();
        for (ConfigReader l : entries) {
            Address address = l.get(LISTEN_ADDRESS);
            boolean tls = l.get(LISTEN_TLS);
            Optional<Path> certificate = l.optional(LISTEN_CERTIFICATE);
            Optional<Path> privateKey = l.optional(LISTEN_PRIVATE_KEY);
            Boolean http2 = l.get(LISTEN_HTTP2);
            boolean redirect = l.get(LISTEN_REDIRECT_TO_HTTPS);
            int httpsPort = l.get(LISTEN_HTTPS_PORT);
            List<TlsCertificate> sni = new ArrayList<>();
            List<ConfigReader> sniReaders = l.tableArray(LISTEN_CERTIFICATES);
            for (ConfigReader c : sniReaders) {
                List<String> names = c.get(CERT_SERVER_NAMES);
                Path cert = c.get(CERT_CERTIFICATE);
                Path key = c.get(CERT_PRIVATE_KEY);
                if (names != null && cert != null && key != null) {
                    sni.add(new TlsCertificate(names.stream().map(n -> n.toLowerCase(java.util.Locale.ROOT)).toList(),
                            cert, key));
                }
            }
            if (address == null) {
                continue; // the error is recorded and the load fails at finish()
            }
            Optional<ListenTls> listenTls = Optional.empty();
            if (tls && certificate.isPresent() && privateKey.isPresent()) {
                listenTls = Optional.of(new ListenTls(new TlsCertificate(List.of(), certificate.get(), privateKey.get()),
                        sni));
            }
            ListenConfig c = new ListenConfig(address, listenTls, http2 != null ? http2 : tls, redirect, httpsPort);
            if (!l.hasErrors()) {
                checkListenRules(l, c, tls, certificate.isPresent() || privateKey.isPresent() || !sniReaders.isEmpty(),
                        sniReaders, seen);
            }
            out.add(c);
        }
        return out;
    }

    private static void checkListenRules(ConfigReader l, ListenConfig c, boolean tls, boolean hasTlsFiles,
            List<ConfigReader> sniReaders, Map<Address, String> seen) {
        String earlier = seen.putIfAbsent(c.address(), l.path());
        if (earlier != null) {
            l.reject(LISTEN_ADDRESS, "an address not already listened on (" + earlier + " has it)");
        }
        if (!tls) {
            if (hasTlsFiles) {
                l.reject(LISTEN_TLS, "true for a listener with certificate, private_key or certificates");
            }
            return;
        }
        if (!l.isSet(LISTEN_CERTIFICATE) || !l.isSet(LISTEN_PRIVATE_KEY)) {
            l.reject(l.isSet(LISTEN_CERTIFICATE) ? LISTEN_PRIVATE_KEY : LISTEN_CERTIFICATE,
                    "both certificate and private_key (PEM files) with tls = true");
            return;
        }
        if (c.redirectToHttps()) {
            l.reject(LISTEN_REDIRECT_TO_HTTPS, "false on a TLS listener (it is https already)");
        }
        ListenTls t = c.tls().orElseThrow();
        checkPair(l, LISTEN_CERTIFICATE, LISTEN_PRIVATE_KEY, t.defaultCertificate());
        Map<String, String> names = new HashMap<>();
        for (int i = 0; i < sniReaders.size() && i < t.sniCertificates().size(); i++) {
            ConfigReader s = sniReaders.get(i);
            TlsCertificate cert = t.sniCertificates().get(i);
            checkPair(s, CERT_CERTIFICATE, CERT_PRIVATE_KEY, cert);
            for (String name : cert.serverNames()) {
                String other = names.putIfAbsent(name, s.path());
                if (other != null) {
                    s.reject(CERT_SERVER_NAMES, "names no other certificate has (" + other + " has " + name + ")");
                }
            }
        }
    }

    /** Rejects a certificate and key that cannot be read or do not belong together. */
    private static void checkPair(ConfigReader r, Key<Path> certKey, Key<Path> keyKey, TlsCertificate c) {
        PemPair.Problem p = PemPair.check(c.certificate(), c.privateKey(),
                (r.path().isEmpty() ? "" : r.path() + ".") + certKey.name());
        if (p != null) {
            r.reject(p.inKey() ? keyKey : certKey, p.expected());
        }
    }

    private static UpstreamConfig readUpstream(String name, ConfigReader u) {
        List<UpstreamServer> servers = new ArrayList<>();
        for (ConfigReader s : u.tableArray(SERVERS)) {
            Address address = s.get(SERVER_ADDRESS);
            int weight = s.get(SERVER_WEIGHT);
            int maxFails = s.get(SERVER_MAX_FAILS);
            Duration failTimeout = s.get(SERVER_FAIL_TIMEOUT);
            boolean backup = s.get(SERVER_BACKUP);
            if (address != null) { // else the error is recorded and the load fails at finish()
                servers.add(new UpstreamServer(address, weight, maxFails, failTimeout, backup));
            }
        }
        UpstreamConfig c = new UpstreamConfig(name, servers, u.get(BALANCE), u.get(CONNECT_TIMEOUT),
                u.get(UPSTREAM_SEND_TIMEOUT), u.get(UPSTREAM_READ_TIMEOUT), u.get(UPSTREAM_KEEPALIVE), u.get(MODIFIER1),
                u.get(MODIFIER2), u.get(NEXT_UPSTREAM_TRIES), u.get(NEXT_UPSTREAM_TIMEOUT), u.get(BUFFER_SIZE));
        // Only when every server read cleanly: a bad one is missing from the list.
        if (!u.hasErrors() && u.isSet(SERVERS) && servers.stream().allMatch(UpstreamServer::backup)) {
            u.reject(SERVERS, "at least one server that is not a backup");
        }
        return c;
    }

    /** Reads one location; empty if its path is missing or bad (the error is already recorded). */
    private static Optional<LocationConfig> readLocation(ConfigReader l, Set<String> upstreamNames,
            Map<String, String> seen) {
        LocationMatch match = l.get(PATH);
        Optional<Path> root = l.optional(ROOT);
        Optional<Path> alias = l.optional(ALIAS);
        Optional<String> upstream = l.optional(UPSTREAM);
        boolean tryFiles = l.get(TRY_FILES);
        List<UwsgiParam> params = new ArrayList<>();
        for (ConfigReader p : l.tableArray(UWSGI_PARAMS)) {
            String name = p.get(UWSGI_PARAM_NAME);
            String value = p.get(UWSGI_PARAM_VALUE);
            boolean ifNotEmpty = p.get(UWSGI_PARAM_IF_NOT_EMPTY);
            if (name != null && value != null) {
                params.add(new UwsgiParam(name, value, ifNotEmpty));
            }
        }
        List<String> index = l.get(INDEX);
        boolean internal = l.get(INTERNAL);
        Optional<Duration> expires = l.optional(EXPIRES);
        Optional<String> cacheControl = l.optional(CACHE_CONTROL);
        boolean gzipStatic = l.get(GZIP_STATIC);
        boolean brotliStatic = l.get(BROTLI_STATIC);
        SymlinkPolicy disableSymlinks = l.get(DISABLE_SYMLINKS);
        boolean allowHidden = l.get(ALLOW_HIDDEN);
        List<Path> sendfileRoots = l.get(SENDFILE_ROOTS);
        boolean requestBuffering = l.get(REQUEST_BUFFERING);
        Optional<Size> clientMaxBodySize = l.optional(LOCATION_CLIENT_MAX_BODY_SIZE);
        Duration tunnelIdleTimeout = l.get(TUNNEL_IDLE_TIMEOUT);
        int maxTunnels = l.get(MAX_TUNNELS);

        if (match == null) {
            return Optional.empty(); // the error is recorded and the load fails at finish()
        }
        LocationConfig c = new LocationConfig(match, root, alias, index, tryFiles, upstream, internal, expires,
                cacheControl, gzipStatic, brotliStatic, disableSymlinks, allowHidden, params, sendfileRoots,
                requestBuffering, clientMaxBodySize, tunnelIdleTimeout, maxTunnels);
        // A bad value was replaced by its default, and checking rules against that default would
        // report made-up errors (a relative root is not also "a location that serves nothing").
        if (!l.hasErrors()) {
            checkLocationRules(l, c, upstreamNames, seen);
        }
        return Optional.of(c);
    }

    private static void checkLocationRules(ConfigReader l, LocationConfig c, Set<String> upstreamNames,
            Map<String, String> seen) {
        if (c.root().isPresent() && c.alias().isPresent()) {
            l.reject(ALIAS, "either root or alias, not both");
        }
        if (c.upstream().isPresent() && !upstreamNames.contains(c.upstream().get())) {
            l.reject(UPSTREAM, "the name of an [upstream.NAME] table ("
                    + (upstreamNames.isEmpty() ? "none is defined" : "defined: " + String.join(", ", upstreamNames)) + ")");
        }
        boolean servesFiles = c.staticDirectory().isPresent();
        if (c.tryFiles() && (c.upstream().isEmpty() || !servesFiles)) {
            l.reject(TRY_FILES, "false unless the location has both root or alias and upstream "
                    + "(try_files serves the file if it exists, else forwards)");
        }
        if (!servesFiles && c.upstream().isEmpty()) {
            l.reject(PATH, "a location with root, alias or upstream (it has none, so it could serve nothing)");
        }
        // nginx refuses duplicate exact and prefix locations at start ("/a" and "^~ /a" are the
        // same prefix); regexes may repeat.
        LocationMatch match = c.match();
        String earlier = match.kind().isRegex() ? null
                : seen.putIfAbsent((match.kind() == LocationMatch.Kind.EXACT ? "= " : "") + match.path(), l.path());
        if (earlier != null) {
            l.reject(PATH, "a location not already defined (" + earlier + " has the same path)");
        }
    }

    private static TomlWriter.Inline listenToml(ListenConfig l) {
        TomlWriter.Inline t = TomlWriter.inline()
                .put(LISTEN_ADDRESS, l.address())
                .put(LISTEN_TLS, l.secure());
        l.tls().ifPresent(tls -> t
                .put(LISTEN_CERTIFICATE, tls.defaultCertificate().certificate())
                .put(LISTEN_PRIVATE_KEY, tls.defaultCertificate().privateKey()));
        t.put(LISTEN_HTTP2, l.http2())
                .put(LISTEN_REDIRECT_TO_HTTPS, l.redirectToHttps())
                .put(LISTEN_HTTPS_PORT, l.httpsPort());
        l.tls().filter(tls -> !tls.sniCertificates().isEmpty()).ifPresent(tls -> t.inlineTables(LISTEN_CERTIFICATES,
                tls.sniCertificates().stream().map(c -> TomlWriter.inline()
                        .put(CERT_SERVER_NAMES, c.serverNames())
                        .put(CERT_CERTIFICATE, c.certificate())
                        .put(CERT_PRIVATE_KEY, c.privateKey())).toList()));
        return t;
    }

    /** The configuration as TOML text that loads back to an equal config: what {@code check-config} shows. */
    public String toToml() {
        TomlWriter w = new TomlWriter()
                .comment(FILE_NAME + ": effective configuration")
                .inlineTables(LISTEN, listeners.stream().map(ProxyConfig::listenToml).toList())
                .put(SERVER_HEADER, serverHeader)
                .put(KEEPALIVE_TIMEOUT, keepaliveTimeout)
                .put(KEEPALIVE_REQUESTS, keepaliveRequests)
                .put(LARGE_HEADER_LINE, largeHeaderLine)
                .put(LARGE_HEADER_SIZE, largeHeaderSize)
                .put(MAX_HEADERS, maxHeaders)
                .put(CLIENT_MAX_BODY_SIZE, clientMaxBodySize)
                .put(CLIENT_HEADER_TIMEOUT, clientHeaderTimeout)
                .put(CLIENT_BODY_TIMEOUT, clientBodyTimeout)
                .put(SEND_TIMEOUT, sendTimeout)
                .put(MAX_CONNECTIONS, maxConnections)
                .put(IO_THREADS, ioThreads)
                .put(SHUTDOWN_TIMEOUT, shutdownTimeout)
                .put(ACCESS_LOG, accessLog)
                .put(ACCESS_LOG_FORMAT, accessLogFormat)
                .put(PIDFILE, pidfile)
                .put(STRICT_TRANSPORT_SECURITY, strictTransportSecurity)
                .put(TLS_SESSION_TIMEOUT, tlsSessionTimeout)
                .put(HTTP2_MAX_CONCURRENT_STREAMS, http2.maxConcurrentStreams())
                .put(HTTP2_MAX_HEADER_LIST_SIZE, http2.maxHeaderListSize())
                .put(HTTP2_MAX_RESETS, http2.maxResets())
                .put(HTTP2_RESET_WINDOW, http2.resetWindow())
                .put(HTTP2_MAX_QUEUED_CONTROL_FRAMES, http2.maxQueuedControlFrames());
        if (!mimeTypes.isEmpty()) {
            w.table("mime_types");
            mimeTypes.forEach((ext, type) -> w.entry(ext, MIME_TYPE.type(), type));
        }
        w.table("open_file_cache")
                .put(OPEN_FILE_CACHE_MAX, openFileCache.max())
                .put(OPEN_FILE_CACHE_VALID, openFileCache.valid());
        for (LocationConfig l : locations) {
            w.tableArray("location")
                    .put(PATH, l.match())
                    .putIfPresent(ROOT, l.root())
                    .putIfPresent(ALIAS, l.alias())
                    .put(INDEX, l.index())
                    .put(TRY_FILES, l.tryFiles())
                    .putIfPresent(UPSTREAM, l.upstream())
                    .put(INTERNAL, l.internal())
                    .putIfPresent(EXPIRES, l.expires())
                    .putIfPresent(CACHE_CONTROL, l.cacheControl())
                    .put(GZIP_STATIC, l.gzipStatic())
                    .put(BROTLI_STATIC, l.brotliStatic())
                    .put(DISABLE_SYMLINKS, l.disableSymlinks())
                    .put(ALLOW_HIDDEN, l.allowHidden())
                    .inlineTables(UWSGI_PARAMS, l.uwsgiParams().stream()
                            .map(p -> TomlWriter.inline()
                                    .put(UWSGI_PARAM_NAME, p.name())
                                    .put(UWSGI_PARAM_VALUE, p.value())
                                    .put(UWSGI_PARAM_IF_NOT_EMPTY, p.ifNotEmpty()))
                            .toList())
                    .put(SENDFILE_ROOTS, l.sendfileRoots())
                    .put(REQUEST_BUFFERING, l.requestBuffering())
                    .putIfPresent(LOCATION_CLIENT_MAX_BODY_SIZE, l.clientMaxBodySize())
                    .put(TUNNEL_IDLE_TIMEOUT, l.tunnelIdleTimeout())
                    .put(MAX_TUNNELS, l.maxTunnels());
        }
        for (UpstreamConfig u : upstreams.values()) {
            w.table("upstream", u.name())
                    .inlineTables(SERVERS, u.servers().stream()
                            .map(s -> TomlWriter.inline()
                                    .put(SERVER_ADDRESS, s.address())
                                    .put(SERVER_WEIGHT, s.weight())
                                    .put(SERVER_MAX_FAILS, s.maxFails())
                                    .put(SERVER_FAIL_TIMEOUT, s.failTimeout())
                                    .put(SERVER_BACKUP, s.backup()))
                            .toList())
                    .put(BALANCE, u.balance())
                    .put(CONNECT_TIMEOUT, u.connectTimeout())
                    .put(UPSTREAM_SEND_TIMEOUT, u.sendTimeout())
                    .put(UPSTREAM_READ_TIMEOUT, u.readTimeout())
                    .put(UPSTREAM_KEEPALIVE, u.keepalive())
                    .put(MODIFIER1, u.modifier1())
                    .put(MODIFIER2, u.modifier2())
                    .put(NEXT_UPSTREAM_TRIES, u.nextUpstreamTries())
                    .put(NEXT_UPSTREAM_TIMEOUT, u.nextUpstreamTimeout())
                    .put(BUFFER_SIZE, u.bufferSize());
        }
        return w.toString();
    }
}
