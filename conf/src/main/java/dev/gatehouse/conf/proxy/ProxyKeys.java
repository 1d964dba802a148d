package dev.gatehouse.conf.proxy;

import dev.gatehouse.conf.Address;
import dev.gatehouse.conf.Size;
import dev.gatehouse.conf.schema.DeclaredKeys;
import dev.gatehouse.conf.schema.Key;
import dev.gatehouse.conf.schema.ValueType;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Every key of {@code gatehouse-proxy.toml} with its type, default and description: the one place
 * they are written. Declaring a key here lists it, in the group of the config object it lands in;
 * {@link ProxyConfig} reads, writes and documents itself from the lists, and that object's
 * accessor for the key is the one other line a new key needs. Defaults
 * follow nginx's where nginx has the setting, unless noted.
 */
final class ProxyKeys {

    private ProxyKeys() {
    }

    // Filled by the declarations below while this class initializes, then frozen by list(). Each
    // group lists the keys one config object reads; every key is in DECLARED too.
    private static final DeclaredKeys DECLARED = new DeclaredKeys();
    private static final DeclaredKeys LISTEN_DECLARED = DECLARED.group();
    private static final DeclaredKeys TOP_DECLARED = DECLARED.group();
    private static final DeclaredKeys HTTP2_DECLARED = TOP_DECLARED.group();
    private static final DeclaredKeys OPEN_FILE_CACHE_DECLARED = DECLARED.group();
    private static final DeclaredKeys LOCATION_DECLARED = DECLARED.group();
    private static final DeclaredKeys UWSGI_PARAM_DECLARED = DECLARED.group();
    private static final DeclaredKeys UPSTREAM_DECLARED = DECLARED.group();
    private static final DeclaredKeys SERVER_DECLARED = DECLARED.group();

    /** Visible characters and spaces: what a header value may hold without a way to inject another header. */
    private static boolean isHeaderValue(String s) {
        return s.chars().noneMatch(c -> c < 0x20 && c != '\t' || c == 0x7f);
    }

    /** A DNS name, or one with a leading "*." wildcard label, as SNI carries it. */
    private static boolean isServerName(String s) {
        String host = s.startsWith("*.") ? s.substring(2) : s;
        return !host.isEmpty() && host.length() <= 253
                && host.matches("(?i)[a-z0-9]([a-z0-9-]*[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*");
    }

    private static final ValueType<String> HEADER_VALUE = ValueType.string("string",
            "a header value without control characters", ProxyKeys::isHeaderValue);

    // Top level: the HTTP front.

    static final Key<Void> LISTEN = DECLARED.add(Key.section("listen", ValueType.tableArray("address", "address"),
            "[\"127.0.0.1:8080\"]",
            "Where to accept connections: tables, or plain address strings (host:port, [v6]:port, *:port or unix:/path)"
                    + " when every other field keeps its default"));
    static final Key<Address> LISTEN_ADDRESS = LISTEN_DECLARED.add(Key.required("listen[].address", ValueType.address(),
            "The address: host:port, [v6]:port, *:port or unix:/path"));
    static final Key<Boolean> LISTEN_TLS = LISTEN_DECLARED.add(Key.of("listen[].tls", ValueType.bool(), false,
            "Terminate TLS 1.2 and 1.3 here; needs certificate and private_key"));
    static final Key<Path> LISTEN_CERTIFICATE = LISTEN_DECLARED.add(Key.optional("listen[].certificate",
            ValueType.path(),
            "PEM certificate chain, server certificate first, for clients whose SNI name no certificates entry has"));
    static final Key<Path> LISTEN_PRIVATE_KEY = LISTEN_DECLARED.add(Key.optional("listen[].private_key",
            ValueType.path(),
            "PEM private key of certificate, unencrypted PKCS#8 (-----BEGIN PRIVATE KEY-----)"));
    static final Key<Boolean> LISTEN_HTTP2 = LISTEN_DECLARED.add(Key.computed("listen[].http2",
            ValueType.bool(), () -> null,
            "(true with tls, else false)",
            "HTTP/2: with tls offered by ALPN beside http/1.1; without tls h2c with prior knowledge beside HTTP/1.1"));
    static final Key<Boolean> LISTEN_REDIRECT_TO_HTTPS = LISTEN_DECLARED.add(Key.of("listen[].redirect_to_https",
            ValueType.bool(), false,
            "Answer every request with 301 to the same host and URI over https (cleartext listeners)"));
    static final Key<Integer> LISTEN_HTTPS_PORT = LISTEN_DECLARED.add(Key.of("listen[].https_port",
            ValueType.integer(1, 65535), 443,
            "Port the https redirect names; 443 is left out of the URL"));
    static final Key<Void> LISTEN_CERTIFICATES = LISTEN_DECLARED.add(Key.section("listen[].certificates[]",
            ValueType.tableArray(),
            "More certificates of a TLS listener, each chosen by the client's SNI name"));
    static final Key<List<String>> CERT_SERVER_NAMES = DECLARED.add(Key.required("listen[].certificates[].server_names",
            ValueType.listOf(ValueType.string("server name", "a host name such as example.com or *.example.com",
                    ProxyKeys::isServerName)).nonEmpty(),
            "SNI names this certificate is for: example.com, or *.example.com for one label in front"));
    static final Key<Path> CERT_CERTIFICATE = DECLARED.add(Key.required("listen[].certificates[].certificate",
            ValueType.path(),
            "PEM certificate chain, server certificate first"));
    static final Key<Path> CERT_PRIVATE_KEY = DECLARED.add(Key.required("listen[].certificates[].private_key",
            ValueType.path(),
            "PEM private key of certificate, unencrypted PKCS#8"));
    static final Key<String> SERVER_HEADER = TOP_DECLARED.add(Key.of("server_header", HEADER_VALUE, "gatehouse",
            "Server response header value; \"\" sends none"));
    static final Key<Duration> KEEPALIVE_TIMEOUT = TOP_DECLARED.add(Key.of("keepalive_timeout",
            ValueType.duration(), Duration.ofSeconds(75),
            "How long an idle keep-alive client connection stays open; 0 = no keep-alive"));
    static final Key<Integer> KEEPALIVE_REQUESTS = TOP_DECLARED.add(Key.of("keepalive_requests",
            ValueType.integer(1, Integer.MAX_VALUE), 1000,
            "Requests served over one client connection before it is closed"));
    static final Key<Size> LARGE_HEADER_LINE = TOP_DECLARED.add(Key.of("large_header_line",
            ValueType.size(Size.ofKilobytes(1), Size.ofMegabytes(1)), Size.ofKilobytes(8),
            "Longest request line; a longer one gets 414"));
    static final Key<Size> LARGE_HEADER_SIZE = TOP_DECLARED.add(Key.of("large_header_size",
            ValueType.size(Size.ofKilobytes(1), Size.ofMegabytes(16)), Size.ofKilobytes(32),
            "Largest total size of the request line and headers; more gets 431"));
    static final Key<Integer> MAX_HEADERS = TOP_DECLARED.add(Key.of("max_headers", ValueType.integer(1, 10_000), 100,
            "Most request header fields; more gets 431"));
    static final Key<Size> CLIENT_MAX_BODY_SIZE = TOP_DECLARED.add(Key.of("client_max_body_size",
            ValueType.size(), Size.ofMegabytes(1),
            "Largest request body, checked before it is read; larger gets 413; 0 = unlimited"));
    static final Key<Duration> CLIENT_HEADER_TIMEOUT = TOP_DECLARED.add(Key.of("client_header_timeout",
            ValueType.positiveDuration(),
            Duration.ofSeconds(60), "Time a client has to send the request line and headers; 408 after"));
    static final Key<Duration> CLIENT_BODY_TIMEOUT = TOP_DECLARED.add(Key.of("client_body_timeout",
            ValueType.positiveDuration(),
            Duration.ofSeconds(60), "Longest gap between two reads of a request body; 408 after"));
    static final Key<Duration> SEND_TIMEOUT = TOP_DECLARED.add(Key.of("send_timeout",
            ValueType.positiveDuration(), Duration.ofSeconds(60),
            "Longest gap between two writes to a client before the connection is closed"));
    static final Key<Integer> MAX_CONNECTIONS = TOP_DECLARED.add(Key.of("max_connections",
            ValueType.integer(1, 1_000_000), 10_000,
            "Client connections open at once; past it new connections wait in the listen queue"));
    static final Key<Integer> IO_THREADS = TOP_DECLARED.add(Key.of("io_threads", ValueType.integer(0, 1024), 0,
            "Event-loop threads that serve connections (nginx's worker_processes); 0: one per CPU core"));
    static final Key<Duration> SHUTDOWN_TIMEOUT = TOP_DECLARED.add(Key.of("shutdown_timeout",
            ValueType.duration(), Duration.ofSeconds(30),
            "On TERM, how long in-flight requests may finish before connections are closed"));
    static final Key<AccessLogTarget> ACCESS_LOG = TOP_DECLARED.add(Key.of("access_log",
            ValueType.parsed("string", "\"off\", \"stdout\" or a file path", AccessLogTarget::parse,
                    AccessLogTarget::toString),
            AccessLogTarget.STDOUT, "Where the access log goes: \"off\", \"stdout\" or a file path (reopened on USR1)"));
    static final Key<AccessLogFormat> ACCESS_LOG_FORMAT = TOP_DECLARED.add(Key.of("access_log_format",
            ValueType.oneOf(AccessLogFormat.class), AccessLogFormat.COMBINED,
            "Access log lines: nginx's combined format, or one JSON object per line"));
    static final Key<Path> PIDFILE = TOP_DECLARED.add(Key.optional("pidfile", ValueType.path(),
            "File the proxy writes its process id to"));

    // TLS and HTTP/2 (every TLS and HTTP/2 listener).

    static final Key<String> STRICT_TRANSPORT_SECURITY = TOP_DECLARED.add(Key.optional("strict_transport_security",
            HEADER_VALUE,
            "Strict-Transport-Security value added to responses over TLS, e.g. \"max-age=31536000\""));
    static final Key<Duration> TLS_SESSION_TIMEOUT = TOP_DECLARED.add(Key.of("tls_session_timeout",
            ValueType.positiveDuration(),
            Duration.ofMinutes(5), "How long a TLS session can be resumed (session cache and tickets)"));
    static final Key<Integer> HTTP2_MAX_CONCURRENT_STREAMS = HTTP2_DECLARED.add(Key.of("http2_max_concurrent_streams",
            ValueType.integer(1, 100_000), 128,
            "Streams a client may have open at once on one HTTP/2 connection; more are refused (REFUSED_STREAM)"));
    static final Key<Size> HTTP2_MAX_HEADER_LIST_SIZE = HTTP2_DECLARED.add(Key.of("http2_max_header_list_size",
            ValueType.size(Size.ofKilobytes(1), Size.ofMegabytes(16)), Size.ofKilobytes(32),
            "Largest decoded HTTP/2 request header list; more gets 431, more than 1.25 times it GOAWAY"));
    // Netty's defaults: 200 resets per 30 s is far above what browsers cancel, and far below a
    // rapid-reset flood (CVE-2023-44487), which resets thousands of streams a second.
    static final Key<Integer> HTTP2_MAX_RESETS = HTTP2_DECLARED.add(Key.of("http2_max_resets",
            ValueType.integer(1, 1_000_000), 200,
            "RST_STREAM frames a client may send per http2_reset_window; one more closes the connection with GOAWAY"));
    static final Key<Duration> HTTP2_RESET_WINDOW = HTTP2_DECLARED.add(Key.of("http2_reset_window",
            ValueType.positiveDuration(),
            Duration.ofSeconds(30), "The window http2_max_resets counts in"));
    static final Key<Integer> HTTP2_MAX_QUEUED_CONTROL_FRAMES = HTTP2_DECLARED.add(Key.of("http2_max_queued_control_frames",
            ValueType.integer(1, 1_000_000), 10_000,
            "PING and SETTINGS acknowledgements queued for a client that does not read them; more closes the"
                    + " connection (ping and settings floods)"));

    // [mime_types] and [open_file_cache]

    static final Key<String> MIME_TYPE = DECLARED.add(Key.computed("mime_types.<ext>",
            ValueType.string("MIME type", "a MIME type such as text/html or application/json",
                    s -> s.matches("(?i)[a-z0-9!#$&^_.+-]+/[a-z0-9!#$&^_.+-]+( *;.*)?") && isHeaderValue(s)),
            () -> null, "(the built-in table)",
            "Content-Type for a file extension (without the dot), added to or replacing the built-in table"));
    static final Key<Void> OPEN_FILE_CACHE = DECLARED.add(Key.section("open_file_cache", ValueType.table(),
            "Open-file cache for static files: descriptors and metadata of hot files kept open"));
    static final Key<Integer> OPEN_FILE_CACHE_MAX = OPEN_FILE_CACHE_DECLARED.add(Key.of("open_file_cache.max",
            ValueType.integer(0, 1_000_000), 1000,
            "Files kept open; 0 = no cache"));
    static final Key<Duration> OPEN_FILE_CACHE_VALID = OPEN_FILE_CACHE_DECLARED.add(Key.of("open_file_cache.valid",
            ValueType.duration(),
            Duration.ofSeconds(60), "How long a cached file's metadata is trusted before it is checked again"));

    // [[location]]

    static final Key<Void> LOCATION = DECLARED.add(Key.section("location[]", ValueType.tableArray(),
            "A location: requests it matches are served from root or alias, an upstream, or both with try_files"));
    static final Key<LocationMatch> PATH = LOCATION_DECLARED.add(Key.required("location[].path",
            ValueType.parsed("location", "a location such as \"/\", \"= /exact\", \"^~ /static/\", \"~ \\.php$\" or \"~* \\.(png|jpg)$\"",
                    LocationMatch::parse, LocationMatch::toString),
            "Which request paths match, in nginx form: \"= /exact\", \"/prefix\", \"^~ /prefix\", \"~ regex\", \"~* regex\""));
    static final Key<Path> ROOT = LOCATION_DECLARED.add(Key.optional("location[].root", ValueType.absolutePath(),
            "Directory the request path is appended to, as nginx's root"));
    static final Key<Path> ALIAS = LOCATION_DECLARED.add(Key.optional("location[].alias", ValueType.absolutePath(),
            "Directory that replaces the matched prefix, as nginx's alias; not with root"));
    static final Key<List<String>> INDEX = LOCATION_DECLARED.add(Key.of("location[].index",
            ValueType.listOf(ValueType.string("file name", "a file name without '/'",
                    s -> !s.isEmpty() && s.indexOf('/') < 0 && s.indexOf('\0') < 0)),
            List.of("index.html"), "Files tried, in order, for a request that names a directory"));
    static final Key<Boolean> TRY_FILES = LOCATION_DECLARED.add(Key.of("location[].try_files", ValueType.bool(), false,
            "Serve the file if it exists under root or alias, else forward to upstream (nginx's try_files $uri @app)"));
    static final Key<String> UPSTREAM = LOCATION_DECLARED.add(Key.optional("location[].upstream",
            ValueType.string("upstream name", "the name of an [upstream.NAME] table", s -> !s.isEmpty()),
            "Upstream pool requests are forwarded to: the NAME of an [upstream.NAME] table"));
    static final Key<Boolean> INTERNAL = LOCATION_DECLARED.add(Key.of("location[].internal", ValueType.bool(), false,
            "Reachable only through an upstream's X-Accel-Redirect, never straight from a client"));
    static final Key<Duration> EXPIRES = LOCATION_DECLARED.add(Key.optional("location[].expires", ValueType.duration(),
            "Lifetime sent as Expires and Cache-Control: max-age on static responses"));
    static final Key<String> CACHE_CONTROL = LOCATION_DECLARED.add(Key.optional("location[].cache_control",
            HEADER_VALUE,
            "Cache-Control value for static responses, in place of the one expires makes"));
    static final Key<Boolean> GZIP_STATIC = LOCATION_DECLARED.add(Key.of("location[].gzip_static",
            ValueType.bool(), false,
            "Serve file.gz in place of file when the client accepts gzip and it exists"));
    static final Key<Boolean> BROTLI_STATIC = LOCATION_DECLARED.add(Key.of("location[].brotli_static",
            ValueType.bool(), false,
            "Serve file.br in place of file when the client accepts br and it exists"));
    static final Key<SymlinkPolicy> DISABLE_SYMLINKS = LOCATION_DECLARED.add(Key.of("location[].disable_symlinks",
            ValueType.oneOf(SymlinkPolicy.class), SymlinkPolicy.OUTSIDE_ROOT,
            "Which symbolic links static files may go through: off (all), if_not_owner, outside_root (none leaving the root), on (none)"));
    static final Key<Boolean> ALLOW_HIDDEN = LOCATION_DECLARED.add(Key.of("location[].allow_hidden",
            ValueType.bool(), false,
            "Serve files and directories whose name starts with '.' (refused by default: .git, .env)"));
    static final Key<Void> UWSGI_PARAMS = LOCATION_DECLARED.add(Key.section("location[].uwsgi_params[]",
            ValueType.tableArray(),
            "Vars added to or replaced in the uwsgi packet, as nginx's uwsgi_param"));
    static final Key<String> UWSGI_PARAM_NAME = UWSGI_PARAM_DECLARED.add(Key.required("location[].uwsgi_params[].name",
            ValueType.string("var name", "a var name without spaces or control characters",
                    s -> !s.isEmpty() && s.chars().allMatch(c -> c > 0x20 && c != 0x7f)),
            "The var's name, e.g. SCRIPT_NAME"));
    static final Key<String> UWSGI_PARAM_VALUE = UWSGI_PARAM_DECLARED.add(Key.required("location[].uwsgi_params[].value",
            ValueType.string(),
            "The var's value"));
    static final Key<Boolean> UWSGI_PARAM_IF_NOT_EMPTY = UWSGI_PARAM_DECLARED.add(Key.of("location[].uwsgi_params[].if_not_empty",
            ValueType.bool(), false, "Send the var only when its value is not empty"));
    static final Key<List<Path>> SENDFILE_ROOTS = LOCATION_DECLARED.add(Key.of("location[].sendfile_roots",
            ValueType.listOf(ValueType.absolutePath()), List.of(),
            "Directories an upstream's X-Sendfile may name files in; empty: X-Sendfile is not honoured"));
    static final Key<Boolean> REQUEST_BUFFERING = LOCATION_DECLARED.add(Key.of("location[].request_buffering",
            ValueType.bool(), true,
            "Read the whole request body before forwarding, so a slow client does not hold a worker"));
    static final Key<Size> LOCATION_CLIENT_MAX_BODY_SIZE = LOCATION_DECLARED.add(Key.optional("location[].client_max_body_size",
            ValueType.size(), "This location's body limit, in place of the top-level client_max_body_size"));
    // nginx closes a tunnel after proxy_read_timeout (60 s) without upstream bytes, and cutting
    // idle WebSockets after a minute is the most asked-about trap of its WebSocket set-up; ten
    // minutes outlasts the keep-alive pings of common WebSocket clients and servers.
    static final Key<Duration> TUNNEL_IDLE_TIMEOUT = LOCATION_DECLARED.add(Key.of("location[].tunnel_idle_timeout",
            ValueType.positiveDuration(),
            Duration.ofMinutes(10),
            "After a 101 (WebSocket or another Upgrade), how long the tunnel may carry no byte either way before it is closed"));
    static final Key<Integer> MAX_TUNNELS = LOCATION_DECLARED.add(Key.of("location[].max_tunnels",
            ValueType.integer(0, 1_000_000), 4096,
            "Upgraded connections (WebSocket tunnels) open at once through this location; past it 503; 0 = no limit"));

    // [upstream.NAME]

    static final Key<Void> UPSTREAMS = DECLARED.add(Key.section("upstream.<name>", ValueType.table(),
            "An upstream pool: uwsgi servers that locations forward requests to"));
    static final Key<Void> SERVERS = UPSTREAM_DECLARED.add(Key.requiredSection("upstream.<name>.servers",
            ValueType.tableArray("address", "address"),
            "The pool's servers: tables, or plain address strings when every other field keeps its default"));
    static final Key<Address> SERVER_ADDRESS = SERVER_DECLARED.add(Key.required("upstream.<name>.servers[].address",
            ValueType.address(),
            "The server's address: unix:/path or host:port"));
    static final Key<Integer> SERVER_WEIGHT = SERVER_DECLARED.add(Key.of("upstream.<name>.servers[].weight",
            ValueType.integer(1, 1000), 1,
            "The server's share of requests relative to the others"));
    static final Key<Integer> SERVER_MAX_FAILS = SERVER_DECLARED.add(Key.of("upstream.<name>.servers[].max_fails",
            ValueType.integer(0, 1000), 1,
            "Failures within fail_timeout that take the server out of rotation for fail_timeout; 0 = never"));
    static final Key<Duration> SERVER_FAIL_TIMEOUT = SERVER_DECLARED.add(Key.of("upstream.<name>.servers[].fail_timeout",
            ValueType.duration(), Duration.ofSeconds(10),
            "Window for counting failures, and how long a failed server rests"));
    static final Key<Boolean> SERVER_BACKUP = SERVER_DECLARED.add(Key.of("upstream.<name>.servers[].backup",
            ValueType.bool(), false,
            "Use the server only while every other server is down"));
    static final Key<Balance> BALANCE = UPSTREAM_DECLARED.add(Key.of("upstream.<name>.balance",
            ValueType.oneOf(Balance.class), Balance.ROUND_ROBIN,
            "How a server is picked: weighted round_robin, or least_conn (fewest active requests)"));
    // Shorter than nginx's 60s: a server that does not accept within 5 s is better skipped for the next.
    static final Key<Duration> CONNECT_TIMEOUT = UPSTREAM_DECLARED.add(Key.of("upstream.<name>.connect_timeout",
            ValueType.positiveDuration(),
            Duration.ofSeconds(5), "How long a connection attempt may take before the next server is tried"));
    static final Key<Duration> UPSTREAM_SEND_TIMEOUT = UPSTREAM_DECLARED.add(Key.of("upstream.<name>.send_timeout",
            ValueType.positiveDuration(),
            Duration.ofSeconds(60), "Longest gap between two writes of a request to a server"));
    static final Key<Duration> UPSTREAM_READ_TIMEOUT = UPSTREAM_DECLARED.add(Key.of("upstream.<name>.read_timeout",
            ValueType.positiveDuration(),
            Duration.ofSeconds(60), "Longest gap between two reads of a response; the client then gets 504"));
    // Unlike nginx (no upstream keep-alive unless configured): reuse is the fast choice, and a
    // backend that closes after each response (real uWSGI) is simply not reused.
    static final Key<Integer> UPSTREAM_KEEPALIVE = UPSTREAM_DECLARED.add(Key.of("upstream.<name>.keepalive",
            ValueType.integer(0, 10_000), 32,
            "Idle connections kept open per upstream for reuse; 0 = a new connection per request"));
    static final Key<Integer> MODIFIER1 = UPSTREAM_DECLARED.add(Key.of("upstream.<name>.modifier1",
            ValueType.integer(0, 255), 0,
            "The uwsgi packet's modifier1: 0 for WSGI-style apps, 8 for uWSGI JWSGI"));
    static final Key<Integer> MODIFIER2 = UPSTREAM_DECLARED.add(Key.of("upstream.<name>.modifier2",
            ValueType.integer(0, 255), 0,
            "The uwsgi packet's modifier2"));
    static final Key<Integer> NEXT_UPSTREAM_TRIES = UPSTREAM_DECLARED.add(Key.of("upstream.<name>.next_upstream_tries",
            ValueType.integer(0, 1000), 0, "Attempts per request across servers; 0 = no limit"));
    static final Key<Duration> NEXT_UPSTREAM_TIMEOUT = UPSTREAM_DECLARED.add(Key.of("upstream.<name>.next_upstream_timeout",
            ValueType.duration(), Duration.ZERO, "Time per request for trying further servers; 0 = no limit"));
    // nginx's uwsgi_buffer_size is one page (4k/8k), and apps with large cookies or CSP headers
    // hit "upstream sent too big header". 32k matches large_header_size, the client-side limit;
    // it bounds only the response head, the body is streamed.
    static final Key<Size> BUFFER_SIZE = UPSTREAM_DECLARED.add(Key.of("upstream.<name>.buffer_size",
            ValueType.size(Size.ofKilobytes(1), Size.ofMegabytes(1)), Size.ofKilobytes(32),
            "Largest response status line and headers read from a server; more gets 502"));

    /** The keys of a {@code listen} entry, its {@code certificates} section in its place. */
    static final List<Key<?>> LISTEN_KEYS = LISTEN_DECLARED.list();
    /** The top-level keys {@link ProxyConfig} reads, HTTP/2's among them, in declaration order. */
    static final List<Key<?>> TOP = TOP_DECLARED.list();
    /** The keys {@link Http2Limits} reads. */
    static final List<Key<?>> HTTP2 = HTTP2_DECLARED.list();
    /** The keys of {@code [open_file_cache]}. */
    static final List<Key<?>> OPEN_FILE_CACHE_KEYS = OPEN_FILE_CACHE_DECLARED.list();
    /** The keys of a {@code [[location]]}, its {@code uwsgi_params} section in its place. */
    static final List<Key<?>> LOCATION_KEYS = LOCATION_DECLARED.list();
    /** The keys of one {@code uwsgi_params} entry. */
    static final List<Key<?>> UWSGI_PARAM_KEYS = UWSGI_PARAM_DECLARED.list();
    /** The keys of an {@code [upstream.NAME]}, its {@code servers} section in its place. */
    static final List<Key<?>> UPSTREAM_KEYS = UPSTREAM_DECLARED.list();
    /** The keys of one {@code servers} entry. */
    static final List<Key<?>> SERVER_KEYS = SERVER_DECLARED.list();

    /** Every key, in declaration order: the order files, docs and rendered configs list them. */
    static final List<Key<?>> ALL = DECLARED.list();
}
