package dev.gatehouse.conf.proxy;

import static dev.gatehouse.conf.proxy.ProxyKeys.*;

import dev.gatehouse.conf.Address;
import dev.gatehouse.conf.ConfigException;
import dev.gatehouse.conf.KeySpec;
import dev.gatehouse.conf.Size;
import dev.gatehouse.conf.schema.ConfigReader;
import dev.gatehouse.conf.schema.ConfigValues;
import dev.gatehouse.conf.schema.ConfigView;
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
 * both) are checked at load. Each key is declared once, in {@code ProxyKeys}, in the group of
 * the object it lands in; this class and the objects of its tables read their keys' values
 * from the load and each accessor reads one key. Two configs are equal when every key and table
 * is.
 */
public final class ProxyConfig extends ConfigView {

    // Read on every request (or connection): kept in fields, since a read through the values
    // is a map lookup, about 3% of the proxy's CPU per request when they all went that way.
    private final Duration keepaliveTimeout = get(KEEPALIVE_TIMEOUT);
    private final Duration sendTimeout = get(SEND_TIMEOUT);

    /** The file name the docs and the command line use for this config. */
    public static final String FILE_NAME = "gatehouse-proxy.toml";

    private final List<ListenConfig> listeners;
    private final Map<String, String> mimeTypes;
    private final Http2Limits http2;
    private final OpenFileCacheConfig openFileCache;
    private final List<LocationConfig> locations;
    private final Map<String, UpstreamConfig> upstreams;

    private ProxyConfig(ConfigValues top, List<ListenConfig> listeners, Map<String, String> mimeTypes,
            OpenFileCacheConfig openFileCache, List<LocationConfig> locations, Map<String, UpstreamConfig> upstreams) {
        super(top, List.of(List.copyOf(listeners), orderedCopy(mimeTypes), openFileCache, List.copyOf(locations),
                orderedCopy(upstreams)));
        this.listeners = List.copyOf(listeners);
        this.mimeTypes = orderedCopy(mimeTypes);
        this.http2 = new Http2Limits(top.only(HTTP2));
        this.openFileCache = openFileCache;
        this.locations = List.copyOf(locations);
        this.upstreams = orderedCopy(upstreams);
    }

    private static <K, V> Map<K, V> orderedCopy(Map<K, V> map) {
        return Collections.unmodifiableMap(new LinkedHashMap<>(map));
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
        ConfigValues top = r.values(TOP);
        // Rules between keys only once the values are valid (see readLocation); checked before the
        // sections are read, whose errors would count too.
        Size largeHeaderLine = top.get(LARGE_HEADER_LINE);
        if (!r.hasErrors() && top.get(LARGE_HEADER_SIZE).compareTo(largeHeaderLine) < 0) {
            r.reject(LARGE_HEADER_SIZE, "at least large_header_line (" + largeHeaderLine + "), which it includes");
        }
        Map<String, String> mimeTypes = r.map(MIME_TYPE);
        OpenFileCacheConfig openFileCache = new OpenFileCacheConfig(r.section(OPEN_FILE_CACHE).values(OPEN_FILE_CACHE_KEYS));

        // Upstreams first, so that locations can be checked against their names.
        Map<String, UpstreamConfig> upstreams = new LinkedHashMap<>();
        r.tableMap(UPSTREAMS).forEach((name, u) -> upstreams.put(name, readUpstream(name, u)));
        List<LocationConfig> locations = new ArrayList<>();
        Map<String, String> seen = new HashMap<>();
        for (ConfigReader l : r.tableArray(LOCATION)) {
            readLocation(l, upstreams.keySet(), seen).ifPresent(locations::add);
        }

        ProxyConfig c = new ProxyConfig(top, listeners, mimeTypes, openFileCache, locations, upstreams);
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
            ConfigValues values = l.values(LISTEN_KEYS);
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
            if (values.optional(LISTEN_ADDRESS).isEmpty()) {
                continue; // the error is recorded and the load fails at finish()
            }
            boolean tls = values.get(LISTEN_TLS);
            if (values.optional(LISTEN_HTTP2).isEmpty()) {
                // Its default follows tls; resolved here, so that an entry equals one that spells it out.
                values = values.with(LISTEN_HTTP2, tls);
            }
            ListenConfig c = new ListenConfig(values, sni);
            if (!l.hasErrors()) {
                boolean hasTlsFiles = values.optional(LISTEN_CERTIFICATE).isPresent()
                        || values.optional(LISTEN_PRIVATE_KEY).isPresent() || !sniReaders.isEmpty();
                checkListenRules(l, c, tls, hasTlsFiles, sniReaders, seen);
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
            ConfigValues server = s.values(SERVER_KEYS);
            if (server.optional(SERVER_ADDRESS).isPresent()) { // else the error is recorded and the load fails at finish()
                servers.add(new UpstreamServer(server));
            }
        }
        UpstreamConfig c = new UpstreamConfig(name, servers, u.values(UPSTREAM_KEYS));
        // Only when every server read cleanly: a bad one is missing from the list.
        if (!u.hasErrors() && u.isSet(SERVERS) && servers.stream().allMatch(UpstreamServer::backup)) {
            u.reject(SERVERS, "at least one server that is not a backup");
        }
        return c;
    }

    /** Reads one location; empty if its path is missing or bad (the error is already recorded). */
    private static Optional<LocationConfig> readLocation(ConfigReader l, Set<String> upstreamNames,
            Map<String, String> seen) {
        ConfigValues values = l.values(LOCATION_KEYS);
        List<UwsgiParam> params = new ArrayList<>();
        for (ConfigReader p : l.tableArray(UWSGI_PARAMS)) {
            ConfigValues param = p.values(UWSGI_PARAM_KEYS);
            if (param.optional(UWSGI_PARAM_NAME).isPresent() && param.optional(UWSGI_PARAM_VALUE).isPresent()) {
                params.add(new UwsgiParam(param));
            }
        }
        if (values.optional(PATH).isEmpty()) {
            return Optional.empty(); // the error is recorded and the load fails at finish()
        }
        LocationConfig c = new LocationConfig(values, params);
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
        List<TlsCertificate> sni = l.tls().map(ListenTls::sniCertificates).orElse(List.of());
        return TomlWriter.inline().putPresent(l.values(), certificates -> sni.stream().map(c -> TomlWriter.inline()
                .put(CERT_SERVER_NAMES, c.serverNames())
                .put(CERT_CERTIFICATE, c.certificate())
                .put(CERT_PRIVATE_KEY, c.privateKey())).toList());
    }

    /** The configuration as TOML text that loads back to an equal config: what {@code check-config} shows. */
    public String toToml() {
        TomlWriter w = new TomlWriter()
                .comment(FILE_NAME + ": effective configuration")
                .inlineTables(LISTEN, listeners.stream().map(ProxyConfig::listenToml).toList());
        for (Key<?> key : TOP) {
            w.put(values(), key);
        }
        if (!mimeTypes.isEmpty()) {
            w.table("mime_types");
            mimeTypes.forEach((ext, type) -> w.entry(ext, MIME_TYPE.type(), type));
        }
        w.table("open_file_cache").putPresent(openFileCache.values(), section -> List.of());
        for (LocationConfig l : locations) {
            w.tableArray("location").putPresent(l.values(), section -> inline(l.uwsgiParams()));
        }
        for (UpstreamConfig u : upstreams.values()) {
            w.table("upstream", u.name()).putPresent(u.values(), section -> inline(u.servers()));
        }
        return w.toString();
    }

    private static List<TomlWriter.Inline> inline(List<? extends ConfigView> entries) {
        return entries.stream().map(e -> TomlWriter.inline().putPresent(e.values())).toList();
    }

    /** Where connections are accepted and how (TLS, HTTP/2), at least one. */
    public List<ListenConfig> listeners() {
        return listeners;
    }

    /** The {@code Server} header value; empty: none sent. */
    public String serverHeader() {
        return get(SERVER_HEADER);
    }

    /** Idle time before a keep-alive client connection is closed; zero: no keep-alive. */
    public Duration keepaliveTimeout() {
        return keepaliveTimeout;
    }

    /** Requests per client connection. */
    public int keepaliveRequests() {
        return get(KEEPALIVE_REQUESTS);
    }

    /** Longest request line (414 past it). */
    public Size largeHeaderLine() {
        return get(LARGE_HEADER_LINE);
    }

    /** Largest request line plus headers (431 past it); at least {@link #largeHeaderLine()}. */
    public Size largeHeaderSize() {
        return get(LARGE_HEADER_SIZE);
    }

    /** Most header fields (431 past it). */
    public int maxHeaders() {
        return get(MAX_HEADERS);
    }

    /** Largest request body (413 past it); zero = unlimited. */
    public Size clientMaxBodySize() {
        return get(CLIENT_MAX_BODY_SIZE);
    }

    /** Time to receive the request head (408 after). */
    public Duration clientHeaderTimeout() {
        return get(CLIENT_HEADER_TIMEOUT);
    }

    /** Longest gap between body reads (408 after). */
    public Duration clientBodyTimeout() {
        return get(CLIENT_BODY_TIMEOUT);
    }

    /** Longest gap between writes to a client. */
    public Duration sendTimeout() {
        return sendTimeout;
    }

    /** Client connections open at once. */
    public int maxConnections() {
        return get(MAX_CONNECTIONS);
    }

    /** Event-loop threads; 0 = one per CPU core. */
    public int ioThreads() {
        return get(IO_THREADS);
    }

    /** How long in-flight requests may finish on TERM. */
    public Duration shutdownTimeout() {
        return get(SHUTDOWN_TIMEOUT);
    }

    /** Where the access log goes. */
    public AccessLogTarget accessLog() {
        return get(ACCESS_LOG);
    }

    /** The access log's format. */
    public AccessLogFormat accessLogFormat() {
        return get(ACCESS_LOG_FORMAT);
    }

    /** Extension (no dot) to Content-Type, over the proxy's built-in table; in file order. */
    public Map<String, String> mimeTypes() {
        return mimeTypes;
    }

    /** Where the proxy writes its pid. */
    public Optional<Path> pidfile() {
        return optional(PIDFILE);
    }

    /** The {@code Strict-Transport-Security} value for responses over TLS. */
    public Optional<String> strictTransportSecurity() {
        return optional(STRICT_TRANSPORT_SECURITY);
    }

    /** How long a TLS session can be resumed. */
    public Duration tlsSessionTimeout() {
        return get(TLS_SESSION_TIMEOUT);
    }

    /** The limits of HTTP/2 connections. */
    public Http2Limits http2() {
        return http2;
    }

    /** The static files' open-file cache. */
    public OpenFileCacheConfig openFileCache() {
        return openFileCache;
    }

    /** The locations, in file order (regex locations are tried in this order). */
    public List<LocationConfig> locations() {
        return locations;
    }

    /** The upstream pools by name, in file order. */
    public Map<String, UpstreamConfig> upstreams() {
        return upstreams;
    }
}
