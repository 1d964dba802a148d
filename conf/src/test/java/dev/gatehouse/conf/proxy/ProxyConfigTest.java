package dev.gatehouse.conf.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gatehouse.conf.Address;
import dev.gatehouse.conf.ConfigException;
import dev.gatehouse.conf.KeySpec;
import dev.gatehouse.conf.Size;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class ProxyConfigTest {

    private static final String FILE = "gatehouse-proxy.toml";

    /** Test-only certificates and keys (see the README beside them). */
    static final Path TLS = Path.of(System.getProperty("basedir", "."), "src", "test", "resources", "tls")
            .toAbsolutePath().normalize();

    /** Every key set to something other than its default. */
    static final String FULL_EXAMPLE = """
            listen = [
              "*:80",
              { address = "[::1]:8080", http2 = true, redirect_to_https = true, https_port = 8443 },
              "unix:/run/gatehouse/proxy.sock",
              { address = "*:443", tls = true, certificate = "@TLS@/rsa.pem", private_key = "@TLS@/rsa.key", certificates = [
                { server_names = ["api.example.com", "*.Example.org"], certificate = "@TLS@/ec.pem", private_key = "@TLS@/ec.key" },
              ] },
            ]
            strict_transport_security = "max-age=31536000"
            tls_session_timeout = "1h"
            http2_max_concurrent_streams = 64
            http2_max_header_list_size = "16k"
            http2_max_resets = 100
            http2_reset_window = "10s"
            http2_max_queued_control_frames = 1000
            server_header = ""
            keepalive_timeout = "30s"
            keepalive_requests = 500
            large_header_line = "4k"
            large_header_size = "16k"
            max_headers = 50
            client_max_body_size = "100m"
            client_header_timeout = "10s"
            client_body_timeout = "20s"
            send_timeout = "30s"
            max_connections = 2000
            io_threads = 2
            shutdown_timeout = "10s"
            access_log = "/var/log/gatehouse/access.log"
            access_log_format = "json"
            pidfile = "/run/gatehouse/proxy.pid"

            [mime_types]
            wasm = "application/wasm"
            mjs = "text/javascript; charset=utf-8"

            [open_file_cache]
            max = 0
            valid = "30s"

            [[location]]
            path = "/"
            root = "/srv/www"
            index = ["index.htm", "default.htm"]
            try_files = true
            upstream = "app"
            internal = false
            expires = "1h"
            cache_control = "public, max-age=3600"
            gzip_static = true
            brotli_static = true
            disable_symlinks = "if_not_owner"
            allow_hidden = true
            sendfile_roots = ["/srv/files", "/srv/media"]
            request_buffering = false
            client_max_body_size = "1g"
            tunnel_idle_timeout = "1h"
            max_tunnels = 500
            uwsgi_params = [
              { name = "SCRIPT_NAME", value = "", if_not_empty = true },
              { name = "APP_ENV", value = "production" },
            ]

            [[location]]
            path = "^~ /protected/"
            alias = "/srv/private/"
            internal = true

            [upstream.app]
            servers = [
              { address = "unix:/run/gatehouse/app.sock", weight = 3, max_fails = 2, fail_timeout = "30s" },
              { address = "10.0.0.2:3031", backup = true },
            ]
            balance = "least_conn"
            connect_timeout = "1s"
            send_timeout = "10s"
            read_timeout = "2m"
            keepalive = 8
            modifier1 = 8
            modifier2 = 1
            next_upstream_tries = 3
            next_upstream_timeout = "15s"
            buffer_size = "64k"
            """.replace("@TLS@", TLS.toString());

    private static ProxyConfig parse(String toml) {
        return ProxyConfig.fromToml(toml, FILE, Map.of());
    }

    private static String error(String toml) {
        return assertThrows(ConfigException.class, () -> parse(toml)).getMessage();
    }

    private static String error(String toml, Map<String, String> overrides) {
        return assertThrows(ConfigException.class, () -> ProxyConfig.fromToml(toml, FILE, overrides)).getMessage();
    }

    private static final String APP = """
            [upstream.app]
            servers = ["unix:/run/app.sock"]
            """;

    /** A location with the given path, root and upstream (which then exists) and every other key at its default. */
    private static LocationConfig location(String path, Optional<Path> root, Optional<String> upstream) {
        Map<String, String> o = new LinkedHashMap<>();
        upstream.ifPresent(u -> o.put("upstream." + u + ".servers", "unix:/run/app.sock"));
        o.put("location[0].path", path);
        root.ifPresent(r -> o.put("location[0].root", r.toString()));
        upstream.ifPresent(u -> o.put("location[0].upstream", u));
        return ProxyConfig.load(null, o).locations().get(0);
    }

    /** An upstream of the given servers with every other key at its default. */
    private static UpstreamConfig upstream(String name, Address... servers) {
        String list = java.util.Arrays.stream(servers).map(Address::toString).collect(Collectors.joining(","));
        return ProxyConfig.load(null, Map.of("upstream." + name + ".servers", list)).upstreams().get(name);
    }

    /** Every default spelled out: what an empty file must load as. */
    private static ProxyConfig expectedDefaults() {
        return parse("""
                listen = ["127.0.0.1:8080"]
                server_header = "gatehouse"
                keepalive_timeout = "75s"
                keepalive_requests = 1000
                large_header_line = "8k"
                large_header_size = "32k"
                max_headers = 100
                client_max_body_size = "1m"
                client_header_timeout = "60s"
                client_body_timeout = "60s"
                send_timeout = "60s"
                max_connections = 10000
                io_threads = 0
                shutdown_timeout = "30s"
                access_log = "stdout"
                access_log_format = "combined"
                tls_session_timeout = "5m"
                http2_max_concurrent_streams = 128
                http2_max_header_list_size = "32k"
                http2_max_resets = 200
                http2_reset_window = "30s"
                http2_max_queued_control_frames = 10000

                [open_file_cache]
                max = 1000
                valid = "60s"
                """);
    }

    @Test
    void emptyFileGivesTheDefaults() {
        assertEquals(expectedDefaults(), parse(""));
        assertEquals(expectedDefaults(), ProxyConfig.defaults());
        assertEquals(expectedDefaults(), ProxyConfig.load(null, Map.of()));
    }

    @Test
    void fullExampleLoadsEveryKey() {
        ProxyConfig c = parse(FULL_EXAMPLE);
        ListenTls tls = new ListenTls(new TlsCertificate(List.of(), TLS.resolve("rsa.pem"), TLS.resolve("rsa.key")),
                List.of(new TlsCertificate(List.of("api.example.com", "*.example.org"), TLS.resolve("ec.pem"),
                        TLS.resolve("ec.key"))));
        assertEquals(List.of(ListenConfig.plain(Address.parse("*:80")), ListenConfig.plain(Address.unix("/run/gatehouse/proxy.sock"))),
                List.of(c.listeners().get(0), c.listeners().get(2)));
        assertEquals(List.of(Address.parse("[::1]:8080"), Optional.empty(), true, true, 8443),
                ListenConfigTest.fields(c.listeners().get(1)));
        assertEquals(List.of(Address.parse("*:443"), Optional.of(tls), true, false, 443),
                ListenConfigTest.fields(c.listeners().get(3)));
        assertEquals(4, c.listeners().size());
        assertEquals("", c.serverHeader());
        assertEquals(Duration.ofSeconds(30), c.keepaliveTimeout());
        assertEquals(500, c.keepaliveRequests());
        assertEquals(Size.ofKilobytes(4), c.largeHeaderLine());
        assertEquals(Size.ofKilobytes(16), c.largeHeaderSize());
        assertEquals(50, c.maxHeaders());
        assertEquals(Size.ofMegabytes(100), c.clientMaxBodySize());
        assertEquals(Duration.ofSeconds(10), c.clientHeaderTimeout());
        assertEquals(Duration.ofSeconds(20), c.clientBodyTimeout());
        assertEquals(Duration.ofSeconds(30), c.sendTimeout());
        assertEquals(2000, c.maxConnections());
        assertEquals(2, c.ioThreads());
        assertEquals(Duration.ofSeconds(10), c.shutdownTimeout());
        assertEquals(AccessLogTarget.file(Path.of("/var/log/gatehouse/access.log")), c.accessLog());
        assertEquals(AccessLogFormat.JSON, c.accessLogFormat());
        assertEquals(List.of(Map.entry("wasm", "application/wasm"), Map.entry("mjs", "text/javascript; charset=utf-8")),
                List.copyOf(c.mimeTypes().entrySet()));
        assertEquals(Optional.of(Path.of("/run/gatehouse/proxy.pid")), c.pidfile());
        assertEquals(Optional.of("max-age=31536000"), c.strictTransportSecurity());
        assertEquals(Duration.ofHours(1), c.tlsSessionTimeout());
        assertEquals(64, c.http2().maxConcurrentStreams());
        assertEquals(Size.ofKilobytes(16), c.http2().maxHeaderListSize());
        assertEquals(100, c.http2().maxResets());
        assertEquals(Duration.ofSeconds(10), c.http2().resetWindow());
        assertEquals(1000, c.http2().maxQueuedControlFrames());
        assertEquals(0, c.openFileCache().max());
        assertEquals(Duration.ofSeconds(30), c.openFileCache().valid());

        assertEquals(2, c.locations().size());
        LocationConfig root = c.locations().get(0);
        assertEquals(LocationMatch.parse("/"), root.match());
        assertEquals(Optional.of(Path.of("/srv/www")), root.root());
        assertEquals(Optional.empty(), root.alias());
        assertEquals(List.of("index.htm", "default.htm"), root.index());
        assertEquals(true, root.tryFiles());
        assertEquals(Optional.of("app"), root.upstream());
        assertEquals(false, root.internal());
        assertEquals(Optional.of(Duration.ofHours(1)), root.expires());
        assertEquals(Optional.of("public, max-age=3600"), root.cacheControl());
        assertEquals(true, root.gzipStatic());
        assertEquals(true, root.brotliStatic());
        assertEquals(SymlinkPolicy.IF_NOT_OWNER, root.disableSymlinks());
        assertEquals(true, root.allowHidden());
        assertEquals(List.of(List.of("SCRIPT_NAME", "", true), List.of("APP_ENV", "production", false)),
                root.uwsgiParams().stream().map(p -> List.of(p.name(), p.value(), p.ifNotEmpty())).toList());
        assertEquals(List.of(Path.of("/srv/files"), Path.of("/srv/media")), root.sendfileRoots());
        assertEquals(false, root.requestBuffering());
        assertEquals(Optional.of(Size.parse("1g")), root.clientMaxBodySize());
        assertEquals(Duration.ofHours(1), root.tunnelIdleTimeout());
        assertEquals(500, root.maxTunnels());
        LocationConfig internal = c.locations().get(1);
        assertEquals(LocationMatch.parse("^~ /protected/"), internal.match());
        assertEquals(Optional.of(Path.of("/srv/private/")), internal.alias());
        assertEquals(true, internal.internal());
        assertEquals(parse(APP + "[[location]]\npath = \"^~ /protected/\"\nalias = \"/srv/private/\"\ninternal = true\n")
                .locations().get(0), internal);

        assertEquals(List.of("app"), List.copyOf(c.upstreams().keySet()));
        UpstreamConfig app = c.upstreams().get("app");
        assertEquals("app", app.name());
        assertEquals(List.of(List.of(Address.unix("/run/gatehouse/app.sock"), 3, 2, Duration.ofSeconds(30), false),
                List.of(Address.inet("10.0.0.2", 3031), 1, 1, Duration.ofSeconds(10), true)),
                app.servers().stream().map(s -> List.of(s.address(), s.weight(), s.maxFails(), s.failTimeout(), s.backup()))
                        .toList());
        assertEquals(Balance.LEAST_CONN, app.balance());
        assertEquals(Duration.ofSeconds(1), app.connectTimeout());
        assertEquals(Duration.ofSeconds(10), app.sendTimeout());
        assertEquals(Duration.ofMinutes(2), app.readTimeout());
        assertEquals(8, app.keepalive());
        assertEquals(8, app.modifier1());
        assertEquals(1, app.modifier2());
        assertEquals(3, app.nextUpstreamTries());
        assertEquals(Duration.ofSeconds(15), app.nextUpstreamTimeout());
        assertEquals(Size.ofKilobytes(64), app.bufferSize());
    }

    @Test
    void fullExampleNamesEveryDocumentedKey() {
        for (KeySpec k : ProxyConfig.keys()) {
            String name = k.path().substring(k.path().lastIndexOf('.') + 1).replace("[]", "");
            if (name.startsWith("<")) {
                continue;
            }
            assertTrue(FULL_EXAMPLE.contains(name + " = ") || FULL_EXAMPLE.contains("[" + name + "]")
                    || FULL_EXAMPLE.contains("[[" + name + "]]"), k.path());
        }
    }

    @Test
    void keysListNestedPathsWithPlaceholders() {
        List<KeySpec> keys = ProxyConfig.keys();
        assertEquals(new KeySpec("upstream.<name>.servers[].weight", "integer", "1",
                "The server's share of requests relative to the others"),
                keys.stream().filter(k -> k.path().equals("upstream.<name>.servers[].weight")).findFirst().orElseThrow());
        assertEquals(new KeySpec("location[].path", "location", "(required)",
                "Which request paths match, in nginx form: \"= /exact\", \"/prefix\", \"^~ /prefix\", \"~ regex\", \"~* regex\""),
                keys.stream().filter(k -> k.path().equals("location[].path")).findFirst().orElseThrow());
        assertEquals("[\"127.0.0.1:8080\"]", keys.get(0).defaultValue());
        assertEquals("array of tables or addresses", keys.get(0).type());
        assertEquals(List.of("upstream.<name>.servers", "array of tables or addresses", "(required)"),
                keys.stream().filter(k -> k.path().equals("upstream.<name>.servers"))
                        .map(k -> List.of(k.path(), k.type(), k.defaultValue())).findFirst().orElseThrow());
        assertEquals(List.of("(see its keys)", "(none)", "(none)"), keys.stream()
                .filter(k -> List.of("open_file_cache", "location[]", "upstream.<name>").contains(k.path()))
                .map(KeySpec::defaultValue).toList());
        assertEquals(keys.stream().map(KeySpec::path).distinct().count(), keys.size());
    }

    @Test
    void rendersTomlThatLoadsBackEqual() {
        ProxyConfig full = parse(FULL_EXAMPLE);
        assertEquals(full, parse(full.toToml()));
        assertEquals(ProxyConfig.defaults(), parse(ProxyConfig.defaults().toToml()));
    }

    @Test
    void rendersAwkwardStringsThatLoadBack() {
        // In TOML: a regex holding a backslash and a quote, a header value with quotes, a var with a newline.
        ProxyConfig c = parse(APP + """
                [[location]]
                path = "~* ^/(a|b)\\\\\\"x$"
                upstream = "app"
                cache_control = "no-cache, \\"quoted\\""
                uwsgi_params = [{ name = "X_WEIRD", value = "line\\nbreak \\\\ é" }]
                """);
        assertEquals("~* ^/(a|b)\\\"x$", c.locations().get(0).match().toString());
        assertEquals("no-cache, \"quoted\"", c.locations().get(0).cacheControl().orElseThrow());
        assertEquals("line\nbreak \\ é", c.locations().get(0).uwsgiParams().get(0).value());
        assertEquals(c, parse(c.toToml()));
    }

    @Test
    void rendersSectionsAsTables() {
        String toml = parse(FULL_EXAMPLE).toToml();
        assertTrue(toml.contains("\n[[location]]\npath = \"/\"\nroot = \"/srv/www\"\n"), toml);
        assertTrue(toml.contains("\n[upstream.app]\nservers = [\n  { address = \"unix:/run/gatehouse/app.sock\", "
                + "weight = 3, max_fails = 2, fail_timeout = \"30s\", backup = false },\n"), toml);
        assertTrue(toml.contains("\n[mime_types]\nwasm = \"application/wasm\"\n"), toml);
    }

    // ---- shapes TOML allows

    @Test
    void dottedKeysWork() {
        ProxyConfig c = parse("""
                upstream.app.servers = ["unix:/run/app.sock"]
                upstream.app.keepalive = 8
                open_file_cache.max = 10
                """);
        assertEquals(8, c.upstreams().get("app").keepalive());
        assertEquals(10, c.openFileCache().max());
    }

    @Test
    void serversMayMixPlainAddressesAndTables() {
        ProxyConfig c = parse("""
                [upstream.app]
                servers = ["unix:/a.sock", { address = "127.0.0.1:3031", weight = 5 }]
                """);
        assertEquals(upstream("app", Address.unix("/a.sock"), Address.inet("127.0.0.1", 3031)).servers().get(0),
                c.upstreams().get("app").servers().get(0));
        assertEquals(5, c.upstreams().get("app").servers().get(1).weight());
    }

    @Test
    void serversMayBeAnArrayOfTables() {
        ProxyConfig c = parse("""
                [[upstream.app.servers]]
                address = "unix:/a.sock"
                [[upstream.app.servers]]
                address = "unix:/b.sock"
                backup = true
                """);
        assertEquals(2, c.upstreams().get("app").servers().size());
        assertTrue(c.upstreams().get("app").servers().get(1).backup());
    }

    @Test
    void listenAcceptsASingleString() {
        assertEquals(List.of(Address.parse("[::]:8443")), parse("listen = \"[::]:8443\"").listen());
    }

    @Test
    void keepsLocationsInFileOrder() {
        ProxyConfig c = parse(APP + """
                [[location]]
                path = "~ \\\\.php$"
                upstream = "app"
                [[location]]
                path = "/"
                root = "/srv/www"
                """);
        assertEquals(List.of(location("~ \\.php$", Optional.empty(), Optional.of("app")),
                location("/", Optional.of(Path.of("/srv/www")), Optional.empty())), c.locations());
    }

    // ---- errors

    @Test
    void rejectsWrongType() {
        assertEquals("gatehouse-proxy.toml: keepalive_requests = \"500\": expected a positive integer",
                error("keepalive_requests = \"500\""));
        assertEquals("gatehouse-proxy.toml: location = { path = \"/\" }: expected an array of tables, written [[location]]",
                error("[location]\npath = \"/\"\n"));
        assertEquals("gatehouse-proxy.toml: open_file_cache = 5: expected a table, written [open_file_cache]",
                error("open_file_cache = 5"));
        assertEquals("gatehouse-proxy.toml: upstream.app = \"unix:/a.sock\": expected a table, written [upstream.app]",
                error("upstream.app = \"unix:/a.sock\""));
    }

    @Test
    void ioThreadsRangeFromZeroForOnePerCoreTo1024() {
        assertEquals(0, parse("").ioThreads());
        assertEquals(1024, parse("io_threads = 1024").ioThreads());
        assertEquals("gatehouse-proxy.toml: io_threads = 1025: expected an integer from 0 to 1024",
                error("io_threads = 1025"));
        assertEquals("gatehouse-proxy.toml: io_threads = -1: expected an integer from 0 to 1024",
                error("io_threads = -1"));
    }

    @Test
    void rejectsOutOfRangeNumberInsideAnArrayOfTables() {
        assertEquals("gatehouse-proxy.toml: upstream.app.servers[1].weight = 0: expected an integer from 1 to 1000",
                error("""
                        [upstream.app]
                        servers = [{ address = "unix:/a.sock" }, { address = "unix:/b.sock", weight = 0 }]
                        """));
        assertEquals(1000, parse("[upstream.app]\nservers = [{ address = \"unix:/a.sock\", weight = 1000 }]\n")
                .upstreams().get("app").servers().get(0).weight());
        assertEquals("gatehouse-proxy.toml: upstream.app.modifier1 = 256: expected an integer from 0 to 255",
                error(APP + "modifier1 = 256\n"));
    }

    @Test
    void namesThePlainStringServerThatIsNoAddress() {
        assertEquals("gatehouse-proxy.toml: upstream.app.servers[1] = \"app.sock\": expected an address such as "
                + "unix:/run/gatehouse/app.sock, 127.0.0.1:3031 or [::1]:3031",
                error("[upstream.app]\nservers = [\"unix:/a.sock\", \"app.sock\"]\n"));
    }

    @Test
    void rejectsBadAddressInList() {
        assertEquals("gatehouse-proxy.toml: listen[1] = \"[::1]:0\": expected a port from 1 to 65535 after the last ':'",
                error("listen = [\"*:80\", \"[::1]:0\"]"));
        assertEquals("gatehouse-proxy.toml: listen = []: expected a non-empty list of addresses or listen tables",
                error("listen = []"));
    }

    @Test
    void rejectsBadSize() {
        assertEquals("gatehouse-proxy.toml: large_header_line = \"2m\": expected a size from 1k to 1m",
                error("large_header_line = \"2m\""));
        assertEquals("gatehouse-proxy.toml: large_header_line = \"512\": expected a size from 1k to 1m",
                error("large_header_line = \"512\""));
        assertEquals(Size.ofMegabytes(1), parse("large_header_line = \"1m\"\nlarge_header_size = \"1m\"").largeHeaderLine());
        assertEquals("gatehouse-proxy.toml: client_max_body_size = \"1.5m\": expected a size in bytes with an optional "
                + "k, m or g suffix (1024-based), such as 512k or 1m", error("client_max_body_size = \"1.5m\""));
    }

    @Test
    void rejectsHeaderSizeBelowHeaderLine() {
        assertEquals("gatehouse-proxy.toml: large_header_size = \"4k\": expected at least large_header_line (8k), "
                + "which it includes", error("large_header_size = \"4k\""));
        assertEquals("gatehouse-proxy.toml: large_header_size = \"32k\" (the default): expected at least "
                + "large_header_line (64k), which it includes", error("large_header_line = \"64k\""));
    }

    @Test
    void rejectsBadDuration() {
        assertEquals("gatehouse-proxy.toml: upstream.app.read_timeout = \"60\": expected a duration such as 250ms, 30s, "
                + "2m or 1h (units ms, s, m, h, d; 0 = none)", error(APP + "read_timeout = \"60\"\n"));
        assertEquals("gatehouse-proxy.toml: client_header_timeout = 0: expected a duration greater than 0, such as "
                + "250ms, 30s, 2m or 1h", error("client_header_timeout = 0"));
    }

    @Test
    void rejectsUnknownKeyInNestedTable() {
        assertEquals("gatehouse-proxy.toml: upstream.app.servers[0].wieght = 2: unknown key, did you mean weight?",
                error("[upstream.app]\nservers = [{ address = \"unix:/a.sock\", wieght = 2 }]\n"));
        assertEquals("gatehouse-proxy.toml: location[0].rot = \"/srv\": unknown key, did you mean root?",
                error("[[location]]\npath = \"/\"\nroot = \"/srv\"\nrot = \"/srv\"\n"));
        assertEquals("gatehouse-proxy.toml: upstrem: unknown key, did you mean upstream?",
                error("[upstrem.app]\nservers = [\"unix:/a.sock\"]\n"));
        assertEquals("gatehouse-proxy.toml: open_file_cache.size = 5: unknown key",
                error("[open_file_cache]\nsize = 5\n"));
    }

    @Test
    void reportsTomlSyntaxErrorWithLine() {
        assertEquals("gatehouse-proxy.toml:4:9: invalid TOML: Unexpected '=', expected a value",
                error("[[location]]\npath = \"/\"\nroot = \"/srv\"\nroot2 = = 1\n"));
    }

    @Test
    void rejectsLocationNamingAnUnknownUpstream() {
        assertEquals("gatehouse-proxy.toml: location[0].upstream = \"ap\": expected the name of an [upstream.NAME] table "
                + "(defined: app)", error(APP + "[[location]]\npath = \"/\"\nupstream = \"ap\"\n"));
        assertEquals("gatehouse-proxy.toml: location[0].upstream = \"app\": expected the name of an [upstream.NAME] table "
                + "(none is defined)", error("[[location]]\npath = \"/\"\nupstream = \"app\"\n"));
    }

    @Test
    void rejectsRootWithAlias() {
        assertEquals("gatehouse-proxy.toml: location[0].alias = \"/srv/b/\": expected either root or alias, not both",
                error("[[location]]\npath = \"/b/\"\nroot = \"/srv\"\nalias = \"/srv/b/\"\n"));
    }

    @Test
    void rejectsRelativeRoot() {
        assertEquals("gatehouse-proxy.toml: location[0].root = \"www\": expected an absolute path, such as /srv/www",
                error("[[location]]\npath = \"/\"\nroot = \"www\"\n"));
    }

    @Test
    void rejectsBadRegexWithKeyPath() {
        assertEquals("gatehouse-proxy.toml: location[1].path = \"~ ^/(api\": expected a valid regular expression after "
                + "\"~ \" (Unclosed group at index 6)",
                error("[[location]]\npath = \"/\"\nroot = \"/srv\"\n[[location]]\npath = \"~ ^/(api\"\nroot = \"/srv\"\n"));
    }

    @Test
    void rejectsLocationWithoutPath() {
        assertEquals("gatehouse-proxy.toml: location[0].path: missing, expected a location such as \"/\", \"= /exact\", "
                + "\"^~ /static/\", \"~ \\.php$\" or \"~* \\.(png|jpg)$\"", error("[[location]]\nroot = \"/srv\"\n"));
    }

    @Test
    void rejectsLocationThatServesNothing() {
        assertEquals("gatehouse-proxy.toml: location[0].path = \"/\": expected a location with root, alias or upstream "
                + "(it has none, so it could serve nothing)", error("[[location]]\npath = \"/\"\n"));
    }

    @Test
    void rejectsTryFilesWithoutBothSides() {
        assertEquals("gatehouse-proxy.toml: location[0].try_files = true: expected false unless the location has both "
                + "root or alias and upstream (try_files serves the file if it exists, else forwards)",
                error("[[location]]\npath = \"/\"\nroot = \"/srv\"\ntry_files = true\n"));
    }

    @Test
    void rejectsDuplicatePrefixLocation() {
        assertEquals("gatehouse-proxy.toml: location[1].path = \"^~ /a/\": expected a location not already defined "
                + "(location[0] has the same path)",
                error("[[location]]\npath = \"/a/\"\nroot = \"/srv\"\n[[location]]\npath = \"^~ /a/\"\nroot = \"/srv\"\n"));
        // An exact and a prefix location on the same path are different locations, as in nginx.
        assertEquals(2, parse("[[location]]\npath = \"/a\"\nroot = \"/srv\"\n[[location]]\npath = \"= /a\"\nroot = \"/srv\"\n")
                .locations().size());
    }

    @Test
    void rejectsUpstreamWithoutServers() {
        assertEquals("gatehouse-proxy.toml: upstream.app.servers: missing, expected an array of tables or addresses",
                error("[upstream.app]\nkeepalive = 4\n"));
        assertEquals("gatehouse-proxy.toml: upstream.app.servers = [{ address = \"unix:/a.sock\", backup = true }]: "
                + "expected at least one server that is not a backup",
                error("[upstream.app]\nservers = [{ address = \"unix:/a.sock\", backup = true }]\n"));
    }

    @Test
    void rejectsUpstreamNameThatIsNoBareKey() {
        assertEquals("gatehouse-proxy.toml: upstream.\"my app\": expected a name of letters, digits, '-' and '_'",
                error("[upstream.\"my app\"]\nservers = [\"unix:/a.sock\"]\n"));
    }

    @Test
    void rejectsBadMimeType() {
        assertEquals("gatehouse-proxy.toml: mime_types.wasm = \"wasm\": expected a MIME type such as text/html or "
                + "application/json", error("[mime_types]\nwasm = \"wasm\"\n"));
    }

    @Test
    void rejectsServerHeaderThatCouldInjectAHeader() {
        assertEquals("gatehouse-proxy.toml: server_header = \"x\\r\\nSet-Cookie: a=b\": expected a header value without "
                + "control characters", error("server_header = \"x\\r\\nSet-Cookie: a=b\""));
    }

    @Test
    void reportsEveryErrorInFileOrder() {
        ConfigException e = assertThrows(ConfigException.class, () -> parse("""
                max_headers = 0
                [[location]]
                path = "/"
                upstream = "nope"
                [upstream.app]
                servers = ["unix:/a.sock"]
                keepalive = -1
                """));
        assertEquals(List.of(
                "gatehouse-proxy.toml: max_headers = 0: expected an integer from 1 to 10000",
                "gatehouse-proxy.toml: location[0].upstream = \"nope\": expected the name of an [upstream.NAME] table "
                        + "(defined: app)",
                "gatehouse-proxy.toml: upstream.app.keepalive = -1: expected an integer from 0 to 10000"), e.errors());
    }

    // ---- command-line overrides

    @Test
    void overridesWinOverFileValues() {
        ProxyConfig c = ProxyConfig.fromToml(APP + "keepalive = 4\n", FILE,
                Map.of("upstream.app.keepalive", "8", "listen", "127.0.0.1:80, [::1]:80", "server_header", ""));
        assertEquals(8, c.upstreams().get("app").keepalive());
        assertEquals(List.of(Address.parse("127.0.0.1:80"), Address.parse("[::1]:80")), c.listen());
        assertEquals("", c.serverHeader());
    }

    @Test
    void overridesBuildLocationsAndUpstreamsFromNothing() {
        // What `gatehouse proxy --root /srv/www --upstream unix:/run/app.sock` can turn into.
        Map<String, String> o = new LinkedHashMap<>();
        o.put("upstream.default.servers", "unix:/run/app.sock,unix:/run/app2.sock");
        o.put("location[0].path", "/");
        o.put("location[0].root", "/srv/www");
        o.put("location[0].upstream", "default");
        o.put("location[0].try_files", "true");
        ProxyConfig c = ProxyConfig.load(null, o);
        assertEquals(Map.of("default", upstream("default", Address.unix("/run/app.sock"), Address.unix("/run/app2.sock"))),
                c.upstreams());
        assertEquals(1, c.locations().size());
        assertEquals(Optional.of(Path.of("/srv/www")), c.locations().get(0).root());
        assertTrue(c.locations().get(0).tryFiles());
    }

    @Test
    void overrideChangesAnExistingLocationOrAppendsOne() {
        String file = "[[location]]\npath = \"/\"\nroot = \"/srv/a\"\n";
        Map<String, String> o = new LinkedHashMap<>();
        o.put("location[0].root", "/srv/b");
        o.put("location[1].path", "= /health");
        o.put("location[1].root", "/srv/health");
        ProxyConfig c = ProxyConfig.fromToml(file, FILE, o);
        assertEquals(List.of(location("/", Optional.of(Path.of("/srv/b")), Optional.empty()),
                location("= /health", Optional.of(Path.of("/srv/health")), Optional.empty())), c.locations());
    }

    @Test
    void overrideSetsAServerFieldAndAMimeType() {
        ProxyConfig c = ProxyConfig.fromToml("[upstream.app]\nservers = [{ address = \"unix:/a.sock\" }]\n", FILE,
                Map.of("upstream.app.servers[0].weight", "7", "mime_types.wasm", "application/wasm"));
        assertEquals(7, c.upstreams().get("app").servers().get(0).weight());
        assertEquals(Map.of("wasm", "application/wasm"), c.mimeTypes());
    }

    @Test
    void rejectsOverrideOfUnknownKey() {
        assertEquals("command line: upstream.app.keepalve = \"8\": unknown key, did you mean upstream.app.keepalive?",
                error(APP, Map.of("upstream.app.keepalve", "8")));
        assertEquals("command line: location[0].rot = \"/srv\": unknown key, did you mean location[0].root?",
                error("", Map.of("location[0].rot", "/srv")));
    }

    @Test
    void rejectsOverrideOfWholeSection() {
        assertEquals("command line: location = \"/\": expected one of its keys, such as location[0].path",
                error("", Map.of("location", "/")));
        assertEquals("command line: upstream.app = \"unix:/a.sock\": expected one of its keys, such as upstream.app.servers",
                error("", Map.of("upstream.app", "unix:/a.sock")));
    }

    @Test
    void rejectsOverrideIndexPastTheEnd() {
        assertEquals("command line: location[2].path = \"/\": expected an index from 0 to 1 for location "
                + "(1 defined; 1 adds one)",
                error("[[location]]\npath = \"/a\"\nroot = \"/srv\"\n", Map.of("location[2].path", "/")));
    }

    @Test
    void rejectsBadOverrideValueWithItsKeyPath() {
        assertEquals("command line: upstream.app.servers[0] = \"app.sock\": expected an address such as "
                + "unix:/run/gatehouse/app.sock, 127.0.0.1:3031 or [::1]:3031",
                error("", Map.of("upstream.app.servers", "app.sock")));
        // The rule reports the key it names, wherever that came from: here the file's alias.
        assertEquals("gatehouse-proxy.toml: location[0].alias = \"/srv/a/\": expected either root or alias, not both",
                error("[[location]]\npath = \"/\"\nalias = \"/srv/a/\"\n", Map.of("location[0].root", "/srv/b")));
    }
}
