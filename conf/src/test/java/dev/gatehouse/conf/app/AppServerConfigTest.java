package dev.gatehouse.conf.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gatehouse.conf.Address;
import dev.gatehouse.conf.AddressRange;
import dev.gatehouse.conf.ConfigException;
import dev.gatehouse.conf.FileMode;
import dev.gatehouse.conf.KeySpec;
import dev.gatehouse.conf.LogLevel;
import dev.gatehouse.conf.Size;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class AppServerConfigTest {

    private static final String FILE = "gatehouse-app.toml";

    /** Every key set to something other than its default. */
    static final String FULL_EXAMPLE = """
            bind = "unix:/run/gatehouse/app.sock"
            socket_mode = "0600"
            socket_owner = "www-data"
            socket_group = "www-data"
            backlog = 512
            allow = []
            reuse_port = false
            workers = 8
            workers_max_rss = "4g"
            scale_up_after = "5s"
            scale_down_after = "1m"
            scale_interval = "10s"
            app = "com.example.Shop"
            classpath = ["/srv/shop/shop.jar", "/srv/shop/lib/*"]
            jwsgi = "com.example.Hello:application"
            war = "/srv/shop/shop.war"
            context_path = "/shop"
            temp_dir = "/var/tmp/shop"
            session_store = "jdbc"
            session_dir = "/var/lib/shop/sessions"
            session_jdbc_url = "jdbc:postgresql://db.example.com/shop"
            session_jdbc_user = "shop"
            session_jdbc_password = "secret"
            session_timeout = "1h"
            dispatch = "event-loop"
            max_concurrency = 200
            max_vars_size = "32k"
            read_timeout = "10s"
            keepalive = false
            timeout = "1m"
            harakiri = "45s"
            max_requests = 10000
            max_requests_jitter = 500
            reload_on_rss = "512m"
            graceful_timeout = "20s"
            pidfile = "/run/gatehouse/app.pid"
            stats = "127.0.0.1:9191"
            jvm_options = ["-Xmx1g", "-XX:+UseZGC"]
            cds = false
            log_file = "/var/log/gatehouse/app.log"
            log_level = "debug"
            """;

    /** The full example less its war line: war excludes both jwsgi and event-loop dispatch. */
    private static String withoutWar(String toml) {
        return toml.replace("war = \"/srv/shop/shop.war\"\n", "");
    }

    private static AppServerConfig parse(String toml) {
        return AppServerConfig.fromToml(toml, FILE, Map.of());
    }

    private static String error(String toml) {
        return assertThrows(ConfigException.class, () -> parse(toml)).getMessage();
    }

    private static String overrideError(Map<String, String> overrides) {
        return assertThrows(ConfigException.class, () -> AppServerConfig.fromToml("", FILE, overrides)).getMessage();
    }

    /** Every default spelled out: what an empty file must load as. */
    private static AppServerConfig expectedDefaults() {
        return parse("""
                bind = "127.0.0.1:3031"
                socket_mode = "0660"
                backlog = 2048
                allow = []
                reuse_port = false
                workers = %d
                app = "dev.gatehouse.demo.DemoApp"
                classpath = []
                context_path = "/"
                session_store = "file"
                session_timeout = "30m"
                dispatch = "virtual-thread"
                max_concurrency = 0
                max_vars_size = "64k"
                read_timeout = "60s"
                keepalive = true
                timeout = "30s"
                harakiri = 0
                max_requests = 0
                max_requests_jitter = 0
                reload_on_rss = 0
                graceful_timeout = "30s"
                jvm_options = ["-XX:+UseSerialGC", "-Xms16m", "-Xmx256m", "-Xss512k", "-XX:+ExitOnOutOfMemoryError"]
                cds = true
                log_level = "info"
                """.formatted(Runtime.getRuntime().availableProcessors()));
    }

    @Test
    void emptyFileGivesTheDefaults() {
        assertEquals(expectedDefaults(), parse(""));
        assertEquals(expectedDefaults(), parse("# nothing but a comment\n\n"));
    }

    @Test
    void noFileGivesTheDefaults() {
        assertEquals(expectedDefaults(), AppServerConfig.load(null, Map.of()));
        assertEquals(expectedDefaults(), AppServerConfig.defaults());
    }

    @Test
    void fullExampleLoadsEveryKey() {
        // jwsgi and app are exclusive, so the example's app line is checked on its own below.
        AppServerConfig c = parse(withoutWar(FULL_EXAMPLE.replace("app = \"com.example.Shop\"\n", "")));
        assertEquals(Address.unix("/run/gatehouse/app.sock"), c.bind());
        assertEquals(new FileMode(0600), c.socketMode());
        assertEquals(Optional.of("www-data"), c.socketOwner());
        assertEquals(Optional.of("www-data"), c.socketGroup());
        assertEquals(512, c.backlog());
        assertEquals(List.of(), c.allow());
        assertEquals(false, c.reusePort());
        assertEquals(8, c.workers());
        assertEquals("dev.gatehouse.demo.DemoApp", c.app());
        assertEquals(List.of("/srv/shop/shop.jar", "/srv/shop/lib/*"), c.classpath());
        assertEquals(Optional.of(new JwsgiEntryPoint("com.example.Hello", "application")), c.jwsgi());
        assertEquals(Dispatch.EVENT_LOOP, c.dispatch());
        assertEquals(200, c.maxConcurrency());
        assertEquals(Size.ofKilobytes(32), c.maxVarsSize());
        assertEquals(Duration.ofSeconds(10), c.readTimeout());
        assertEquals(false, c.keepalive());
        assertEquals(Duration.ofMinutes(1), c.timeout());
        assertEquals(Duration.ofSeconds(45), c.harakiri());
        assertEquals(10000, c.maxRequests());
        assertEquals(500, c.maxRequestsJitter());
        assertEquals(Size.ofMegabytes(512), c.reloadOnRss());
        assertEquals(Duration.ofSeconds(20), c.gracefulTimeout());
        assertEquals(Optional.of(Path.of("/run/gatehouse/app.pid")), c.pidfile());
        assertEquals(Optional.of(Address.inet("127.0.0.1", 9191)), c.stats());
        assertEquals(List.of("-Xmx1g", "-XX:+UseZGC"), c.jvmOptions());
        assertEquals(false, c.cds());
        assertEquals(Optional.of(Path.of("/var/log/gatehouse/app.log")), c.logFile());
        assertEquals(LogLevel.DEBUG, c.logLevel());
        assertFalse(c.pool().adaptive());
        assertEquals(Size.ofMegabytes(4096), c.pool().workersMaxRss());
        assertEquals(Duration.ofSeconds(5), c.pool().scaleUpAfter());
        assertEquals(Duration.ofMinutes(1), c.pool().scaleDownAfter());
        assertEquals(Duration.ofSeconds(10), c.pool().scaleInterval());
        ServletOptions servlet = c.servlet();
        assertEquals(Optional.empty(), servlet.war());
        assertEquals("/shop", servlet.contextPath());
        assertEquals(Optional.of(Path.of("/var/tmp/shop")), servlet.tempDir());
        assertEquals(SessionStore.JDBC, servlet.sessionStore());
        assertEquals(Optional.of(Path.of("/var/lib/shop/sessions")), servlet.sessionDir());
        assertEquals(Optional.of("jdbc:postgresql://db.example.com/shop"), servlet.sessionJdbcUrl());
        assertEquals(Optional.of("shop"), servlet.sessionJdbcUser());
        assertEquals(Optional.of("secret"), servlet.sessionJdbcPassword());
        assertEquals(Duration.ofHours(1), servlet.sessionTimeout());
        assertEquals("com.example.Shop", parse(withoutWar(FULL_EXAMPLE).replace("jwsgi = \"com.example.Hello:application\"\n", "")).app());
    }

    @Test
    void fullExampleNamesEveryDocumentedKeyButTheRangeThatExcludesItsWorkers() {
        String both = FULL_EXAMPLE + RANGE_EXAMPLE;
        for (KeySpec k : AppServerConfig.keys()) {
            assertTrue(both.contains("\n" + k.path() + " = ") || both.startsWith(k.path() + " = "), k.path());
        }
        AppServerConfig ranged = parse(withoutWar(FULL_EXAMPLE).replace("app = \"com.example.Shop\"\n", "")
                .replace("workers = 8\n", RANGE_EXAMPLE));
        assertEquals(6, ranged.pool().max());
        assertEquals(ranged, parse(ranged.toToml()));
    }

    /** The keys the full example cannot hold: it sets workers, which a range excludes. */
    private static final String RANGE_EXAMPLE = "workers_min = 2\nworkers_max = 6\n";

    @Test
    void keysListEveryKeyWithTypeDefaultAndDescription() {
        List<KeySpec> keys = AppServerConfig.keys();
        assertEquals(43, keys.size());
        assertEquals(new KeySpec("bind", "address", "\"127.0.0.1:3031\"",
                "Listening socket, unix:/path or host:port; the default is uWSGI's usual port and needs no privileges"),
                keys.get(0));
        assertEquals(new KeySpec("workers", "integer", "(the number of CPUs)",
                "Worker processes; requests run on virtual threads, so one per CPU suits most apps"), key(keys, "workers"));
        assertEquals(new KeySpec("socket_owner", "user or group", "(not set)",
                "Owner of a unix socket file; unset: the user the master runs as"), key(keys, "socket_owner"));
        assertEquals("\"virtual-thread\" | \"event-loop\"", key(keys, "dispatch").type());
        assertEquals("\"64k\"", key(keys, "max_vars_size").defaultValue());
        assertEquals("[\"-XX:+UseSerialGC\", \"-Xms16m\", \"-Xmx256m\", \"-Xss512k\", \"-XX:+ExitOnOutOfMemoryError\"]",
                key(keys, "jvm_options").defaultValue());
        assertEquals(keys.stream().map(KeySpec::path).distinct().count(), keys.size());
    }

    private static KeySpec key(List<KeySpec> keys, String path) {
        return keys.stream().filter(k -> k.path().equals(path)).findFirst().orElseThrow(() -> new AssertionError(path));
    }

    @Test
    void rendersTomlThatLoadsBackEqual() {
        AppServerConfig full = parse(withoutWar(FULL_EXAMPLE.replace("app = \"com.example.Shop\"\n", "")));
        assertEquals(full, parse(full.toToml()));
        AppServerConfig withApp = parse(withoutWar(FULL_EXAMPLE).replace("jwsgi = \"com.example.Hello:application\"\n", ""));
        assertEquals(withApp, parse(withApp.toToml()));
        assertEquals(AppServerConfig.defaults(), parse(AppServerConfig.defaults().toToml()));
    }

    @Test
    void rendersEachKeyOnItsOwnLine() {
        String toml = AppServerConfig.defaults().toToml();
        assertTrue(toml.contains("\nbind = \"127.0.0.1:3031\"\n"), toml);
        assertTrue(toml.contains("\nsocket_mode = \"0660\"\n"), toml);
        assertTrue(toml.contains("\n# socket_owner is not set\n"), toml);
        assertTrue(toml.contains("\nmax_vars_size = \"64k\"\n"), toml);
        assertTrue(toml.contains("\nread_timeout = \"1m\"\n"), toml);
        assertTrue(toml.contains("\nclasspath = []\n"), toml);
        assertTrue(toml.contains("\ndispatch = \"virtual-thread\"\n"), toml);
    }

    // ---- values at and past their limits

    @Test
    void acceptsWorkersAtTheLimits() {
        assertEquals(1, parse("workers = 1").workers());
        assertEquals(1024, parse("workers = 1024").workers());
    }

    @Test
    void rejectsWorkersOutOfRange() {
        assertEquals("gatehouse-app.toml: workers = -3: expected an integer from 1 to 1024", error("workers = -3"));
        assertEquals("gatehouse-app.toml: workers = 0: expected an integer from 1 to 1024", error("workers = 0"));
        assertEquals("gatehouse-app.toml: workers = 1025: expected an integer from 1 to 1024", error("workers = 1025"));
    }

    @Test
    void rejectsWrongType() {
        assertEquals("gatehouse-app.toml: workers = \"4\": expected an integer from 1 to 1024", error("workers = \"4\""));
        assertEquals("gatehouse-app.toml: workers = 4.0: expected an integer from 1 to 1024", error("workers = 4.0"));
        assertEquals("gatehouse-app.toml: keepalive = \"yes\": expected true or false", error("keepalive = \"yes\""));
        assertEquals("gatehouse-app.toml: app = 5: expected a fully qualified class name, such as com.example.App",
                error("app = 5"));
        assertEquals("gatehouse-app.toml: bind = [\"127.0.0.1:1\"]: expected an address such as "
                + "unix:/run/gatehouse/app.sock, 127.0.0.1:3031 or [::1]:3031", error("bind = [\"127.0.0.1:1\"]"));
        assertEquals("gatehouse-app.toml: workers = { n = 4 }: expected an integer from 1 to 1024",
                error("workers = { n = 4 }"));
    }

    @Test
    void rejectsBadAddress() {
        assertEquals("gatehouse-app.toml: bind = \"127.0.0.1:70000\": expected a port from 1 to 65535 after the last ':'",
                error("bind = \"127.0.0.1:70000\""));
        assertEquals("gatehouse-app.toml: bind = \"unix:app.sock\": expected an absolute path after unix:, "
                + "such as unix:/run/gatehouse/app.sock", error("bind = \"unix:app.sock\""));
        assertEquals("gatehouse-app.toml: stats = \"localhost\": expected an address such as "
                + "unix:/run/gatehouse/app.sock, 127.0.0.1:3031 or [::1]:3031", error("stats = \"localhost\""));
    }

    @Test
    void rejectsBadSize() {
        assertEquals("gatehouse-app.toml: max_vars_size = \"64q\": expected a size in bytes with an optional k, m or g "
                + "suffix (1024-based), such as 512k or 1m", error("max_vars_size = \"64q\""));
        assertEquals("gatehouse-app.toml: reload_on_rss = -1: expected a size in bytes with an optional k, m or g "
                + "suffix (1024-based), such as 512k or 1m", error("reload_on_rss = -1"));
    }

    @Test
    void acceptsMaxVarsSizeAtTheLimitsAndRejectsPastThem() {
        assertEquals(65536, parse("max_vars_size = \"64k\"").maxVarsSize().bytes());
        assertEquals(65536, parse("max_vars_size = 65536").maxVarsSize().bytes());
        assertEquals(1, parse("max_vars_size = 1").maxVarsSize().bytes());
        assertEquals("gatehouse-app.toml: max_vars_size = 65537: expected a size from 1 to 64k",
                error("max_vars_size = 65537"));
        assertEquals("gatehouse-app.toml: max_vars_size = \"0\": expected a size from 1 to 64k",
                error("max_vars_size = \"0\""));
    }

    @Test
    void rejectsBadDuration() {
        assertEquals("gatehouse-app.toml: harakiri = \"30\": expected a duration such as 250ms, 30s, 2m or 1h "
                + "(units ms, s, m, h, d; 0 = none)", error("harakiri = \"30\""));
        assertEquals("gatehouse-app.toml: harakiri = 30: expected a duration with a unit, such as 30s "
                + "(a bare number has none)", error("harakiri = 30"));
        assertEquals("gatehouse-app.toml: timeout = \"0\": expected a duration greater than 0, such as 250ms, 30s, 2m or 1h",
                error("timeout = \"0\""));
    }

    @Test
    void zeroDurationMeansOff() {
        assertEquals(Duration.ZERO, parse("harakiri = 0").harakiri());
        assertEquals(Duration.ZERO, parse("harakiri = \"0\"").harakiri());
        assertEquals(Duration.ofMillis(250), parse("harakiri = \"250ms\"").harakiri());
    }

    @Test
    void rejectsFileModeWrittenAsTomlInteger() {
        assertEquals("gatehouse-app.toml: socket_mode = 660: expected an octal file mode as a string, such as \"0660\" "
                + "(a TOML integer is decimal)", error("socket_mode = 660"));
        assertEquals("gatehouse-app.toml: socket_mode = \"0990\": expected an octal file mode of 3 or 4 digits, "
                + "such as \"0660\"", error("socket_mode = \"0990\""));
    }

    @Test
    void rejectsUnknownEnumValue() {
        assertEquals("gatehouse-app.toml: dispatch = \"threads\": expected one of \"virtual-thread\", \"event-loop\"",
                error("dispatch = \"threads\""));
        assertEquals("gatehouse-app.toml: log_level = \"INFO\": expected one of \"trace\", \"debug\", \"info\", "
                + "\"warn\", \"error\", \"off\"", error("log_level = \"INFO\""));
    }

    @Test
    void rejectsBadJwsgiEntryPoint() {
        assertEquals("gatehouse-app.toml: jwsgi = \"com.example.Hello\": expected Class:method, such as "
                + "com.example.Hello:application", error("jwsgi = \"com.example.Hello\""));
    }

    @Test
    void readsClasspathAsListOrColonSeparatedString() {
        assertEquals(List.of("a.jar", "lib/*", "classes"), parse("classpath = \"a.jar:lib/*:classes\"").classpath());
        assertEquals(List.of("a.jar", "b.jar"), parse("classpath = [\"a.jar\", \"b.jar\"]").classpath());
        assertEquals(List.of("a.jar"), parse("classpath = \"a.jar\"").classpath());
    }

    @Test
    void namesTheBadElementOfAList() {
        assertEquals("gatehouse-app.toml: jvm_options[1] = \"Xmx1g\": expected a JVM option, such as -Xmx256m",
                error("jvm_options = [\"-Xss1m\", \"Xmx1g\"]"));
    }

    // ---- unknown keys and syntax

    @Test
    void rejectsUnknownKeyWithSuggestion() {
        assertEquals("gatehouse-app.toml: wrkers = 4: unknown key, did you mean workers?", error("wrkers = 4"));
    }

    @Test
    void rejectsUnknownKeyWithoutCloseMatch() {
        assertEquals("gatehouse-app.toml: colour = \"blue\": unknown key", error("colour = \"blue\""));
    }

    @Test
    void rejectsUnknownTable() {
        assertEquals("gatehouse-app.toml: server: unknown key", error("[server]\nworkers = 4\n"));
        assertEquals("gatehouse-app.toml: server: unknown key", error("server.workers = 4\n"));
    }

    @Test
    void reportsTomlSyntaxErrorWithLineAndColumn() {
        assertEquals("gatehouse-app.toml:3:11: invalid TOML: Unexpected end of line, expected a value",
                error("bind = \"127.0.0.1:3031\"\n# workers next\nworkers = \nbacklog = 10\n"));
    }

    @Test
    void reportsDuplicateKeyAsSyntaxError() {
        assertEquals("gatehouse-app.toml:2:1: invalid TOML: workers previously defined at line 1, column 1",
                error("workers = 2\nworkers = 3\n"));
    }

    @Test
    void reportsEveryErrorInFileOrder() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> parse("backlog = 0\nwrkers = 4\nbind = \"x\"\n"));
        assertEquals(List.of(
                "gatehouse-app.toml: backlog = 0: expected an integer from 1 to 65535",
                "gatehouse-app.toml: wrkers = 4: unknown key, did you mean workers?",
                "gatehouse-app.toml: bind = \"x\": expected an address such as unix:/run/gatehouse/app.sock, "
                        + "127.0.0.1:3031 or [::1]:3031"), e.errors());
        assertEquals(String.join("\n", e.errors()), e.getMessage());
    }

    // ---- rules between keys

    @Test
    void rejectsReusePortWithUnixBind() {
        assertEquals("gatehouse-app.toml: reuse_port = true: expected false when bind is a unix socket "
                + "(unix:/tmp/a.sock): SO_REUSEPORT is for TCP only",
                error("bind = \"unix:/tmp/a.sock\"\nreuse_port = true\n"));
        assertTrue(parse("bind = \"*:3031\"\nallow = [\"any\"]\nreuse_port = true\n").reusePort());
    }

    @Test
    void rejectsBothAppAndJwsgi() {
        assertEquals("gatehouse-app.toml: jwsgi = \"a.B:app\": expected either app or jwsgi, not both: "
                + "jwsgi runs a JWSGI class in place of app", error("app = \"a.A\"\njwsgi = \"a.B:app\"\n"));
    }

    @Test
    void commandLineJwsgiReplacesTheFilesApp() {
        AppServerConfig c = AppServerConfig.fromToml("app = \"a.A\"\n", FILE, Map.of("jwsgi", "a.B:app"));
        assertEquals(Optional.of(new JwsgiEntryPoint("a.B", "app")), c.jwsgi());
        assertEquals("dev.gatehouse.demo.DemoApp", c.app());
    }

    @Test
    void commandLineAppReplacesTheFilesJwsgi() {
        AppServerConfig c = AppServerConfig.fromToml("jwsgi = \"a.B:app\"\n", FILE, Map.of("app", "a.A"));
        assertEquals(Optional.empty(), c.jwsgi());
        assertEquals("a.A", c.app());
    }

    @Test
    void rejectsBothAppAndJwsgiOnTheCommandLine() {
        assertEquals("command line: jwsgi = \"a.B:app\": expected either app or jwsgi, not both: "
                + "jwsgi runs a JWSGI class in place of app",
                overrideError(new TreeMap<>(Map.of("app", "a.A", "jwsgi", "a.B:app"))));
    }

    @Test
    void acceptsJwsgiAloneWithTheDefaultApp() {
        assertEquals(Optional.of(new JwsgiEntryPoint("a.B", "app")), parse("jwsgi = \"a.B:app\"").jwsgi());
    }

    @Test
    void rejectsJitterWithoutMaxRequests() {
        assertEquals("gatehouse-app.toml: max_requests_jitter = 50: expected 0 while max_requests is 0 "
                + "(the jitter only spreads max_requests)", error("max_requests_jitter = 50"));
    }

    @Test
    void theShownConfigSaysThePasswordIsSetButNotWhatItIs() {
        AppServerConfig c = parse("session_store = \"jdbc\"\nsession_jdbc_url = \"jdbc:postgresql://db/app\"\n"
                + "session_jdbc_password = \"s3cret-value\"\n");
        String shown = c.toShownToml();
        assertFalse(shown.contains("s3cret-value"), shown);
        assertTrue(shown.contains("\n# session_jdbc_password is set; not shown\n"), shown);
        assertTrue(c.toToml().contains("\nsession_jdbc_password = \"s3cret-value\"\n"), "toToml keeps it, to load back");
        // Everything else loads back as it was.
        assertEquals(c.servlet().sessionJdbcUrl(), parse(shown).servlet().sessionJdbcUrl());
        assertEquals(Optional.empty(), parse(shown).servlet().sessionJdbcPassword());
        assertTrue(parse("").toShownToml().contains("\n# session_jdbc_password is not set\n"));
    }

    @Test
    void workersMaxMakesThePoolAdaptiveStartingAtWorkersMin() {
        AppServerConfig c = parse("workers_min = 2\nworkers_max = 6\nworkers_max_rss = \"2g\"\nscale_up_after = \"1s\"\n"
                + "scale_down_after = \"10s\"\nscale_interval = \"2s\"\n");
        assertTrue(c.pool().adaptive());
        assertEquals(2, c.pool().min());
        assertEquals(6, c.pool().max());
        assertEquals(Size.ofMegabytes(2048), c.pool().workersMaxRss());
        assertEquals(Duration.ofSeconds(1), c.pool().scaleUpAfter());
        assertEquals(Duration.ofSeconds(10), c.pool().scaleDownAfter());
        assertEquals(Duration.ofSeconds(2), c.pool().scaleInterval());
        assertEquals(2, c.workers(), "an adaptive pool starts at workers_min");
        assertEquals(c, parse(c.toToml()));
        assertEquals(1, parse("workers_max = 3").workers(), "workers_min defaults to 1");
        assertFalse(parse("workers = 3").pool().adaptive());
        assertEquals(0, parse("workers = 3").pool().max());
    }

    @Test
    void workersMaxMayEqualWorkersMinButNotBeLess() {
        assertEquals(3, parse("workers_min = 3\nworkers_max = 3").pool().max());
        assertEquals("gatehouse-app.toml: workers_max = 2: expected at least workers_min (3)",
                error("workers_min = 3\nworkers_max = 2"));
    }

    @Test
    void rejectsAFixedCountBesideARange() {
        assertEquals("gatehouse-app.toml: workers = 4: expected unset when workers_max is set: the pool then sizes"
                + " itself between workers_min and workers_max (either a fixed count or a range, not both)",
                error("workers = 4\nworkers_max = 8"));
        assertEquals("gatehouse-app.toml: workers_min = 2: expected used with workers_max: alone it would be a fixed"
                + " pool, which workers sets", error("workers_min = 2"));
    }

    // ---- command-line overrides

    @Test
    void overridesWinOverFileValues() {
        Map<String, String> overrides = Map.of("workers", "4", "bind", "unix:/tmp/x.sock", "keepalive", "false");
        AppServerConfig c = AppServerConfig.fromToml("workers = 2\nbind = \"127.0.0.1:1\"\n", FILE, overrides);
        assertEquals(4, c.workers());
        assertEquals(Address.unix("/tmp/x.sock"), c.bind());
        assertEquals(false, c.keepalive());
    }

    @Test
    void overridesSplitListValues() {
        AppServerConfig c = AppServerConfig.load(null, Map.of(
                "classpath", "a.jar:b.jar,c.jar", "jvm_options", "-Xmx1g  -XX:+UseZGC", "max_vars_size", "16k"));
        assertEquals(List.of("a.jar", "b.jar", "c.jar"), c.classpath());
        assertEquals(List.of("-Xmx1g", "-XX:+UseZGC"), c.jvmOptions());
        assertEquals(Size.ofKilobytes(16), c.maxVarsSize());
    }

    @Test
    void rejectsBadOverrideValueNamingTheCommandLine() {
        assertEquals("command line: workers = \"abc\": expected an integer from 1 to 1024",
                overrideError(Map.of("workers", "abc")));
        assertEquals("command line: keepalive = \"yes\": expected true or false", overrideError(Map.of("keepalive", "yes")));
    }

    @Test
    void rejectsOverrideOfUnknownKey() {
        assertEquals("command line: wrkers = \"4\": unknown key, did you mean workers?",
                overrideError(Map.of("wrkers", "4")));
        assertEquals("command line: nonsense = \"1\": unknown key", overrideError(Map.of("nonsense", "1")));
        assertEquals("command line: a..b = \"1\": expected a key path such as workers or upstream.app.keepalive",
                overrideError(Map.of("a..b", "1")));
    }

    @Test
    void reportsCommandLineErrorsAfterFileErrors() {
        Map<String, String> overrides = new LinkedHashMap<>();
        overrides.put("wrkers", "4");
        overrides.put("backlog", "0");
        ConfigException e = assertThrows(ConfigException.class,
                () -> AppServerConfig.fromToml("workers = 0\n", FILE, overrides));
        assertEquals(List.of(
                "gatehouse-app.toml: workers = 0: expected an integer from 1 to 1024",
                "command line: wrkers = \"4\": unknown key, did you mean workers?",
                "command line: backlog = \"0\": expected an integer from 1 to 65535"), e.errors());
    }

    @Test
    void crossKeyRuleSeesOverrides() {
        assertEquals("command line: reuse_port = \"true\": expected false when bind is a unix socket "
                + "(unix:/tmp/a.sock): SO_REUSEPORT is for TCP only",
                assertThrows(ConfigException.class, () -> AppServerConfig.fromToml("bind = \"unix:/tmp/a.sock\"",
                        FILE, Map.of("reuse_port", "true"))).getMessage());
    }

    // ---- files

    @Test
    void loadsFileAndNamesItsPathInErrors(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("gatehouse-app.toml");
        Files.writeString(file, "workers = 3\n");
        assertEquals(3, AppServerConfig.load(file, Map.of()).workers());
        Files.writeString(file, "workers = -3\n");
        assertEquals(file + ": workers = -3: expected an integer from 1 to 1024",
                assertThrows(ConfigException.class, () -> AppServerConfig.load(file, Map.of())).getMessage());
    }

    @Test
    void emptyFileOnDiskGivesTheDefaults(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("gatehouse-app.toml"), "");
        assertEquals(expectedDefaults(), AppServerConfig.load(file, Map.of()));
    }

    @Test
    void acceptsFileWithByteOrderMark(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("gatehouse-app.toml"), "\uFEFFworkers = 5\n");
        assertEquals(5, AppServerConfig.load(file, Map.of()).workers());
    }

    @Test
    void rejectsMissingFile(@TempDir Path dir) {
        Path file = dir.resolve("nope.toml");
        assertEquals(file + ": cannot read: no such file",
                assertThrows(ConfigException.class, () -> AppServerConfig.load(file, Map.of())).getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"socket_owner = \"www data\"", "socket_group = \"\""})
    void rejectsBadAccountNames(String line) {
        String key = line.substring(0, line.indexOf(' '));
        String value = line.substring(line.indexOf("= ") + 2);
        assertEquals("gatehouse-app.toml: " + key + " = " + value + ": expected a user or group name, or a numeric id",
                error(line));
    }

    @Test
    void aBindBeyondLoopbackMustNameTheFrontsAllowedToConnect() {
        String m = overrideError(Map.of("bind", "0.0.0.0:3031"));
        assertTrue(m.contains("allow") && m.contains("bind 0.0.0.0:3031 is reachable from other hosts")
                && m.contains("allow = [\"any\"]"), m);
        assertTrue(overrideError(Map.of("bind", "192.0.2.10:3031")).contains("reachable from other hosts"));
        assertTrue(overrideError(Map.of("bind", "app.internal:3031")).contains("reachable from other hosts"));
    }

    @Test
    void allowListsRangesOrAnyExplicitly() {
        AppServerConfig c = parse("bind = \"0.0.0.0:3031\"\nallow = [\"10.0.0.0/8\", \"192.0.2.7\", \"fd00::/8\"]\n");
        assertEquals(List.of(AddressRange.parse("10.0.0.0/8"), AddressRange.parse("192.0.2.7/32"),
                AddressRange.parse("fd00::/8")), c.allow());
        assertEquals(List.of(AddressRange.ANY), parse("bind = \"*:3031\"\nallow = [\"any\"]\n").allow());
        // Loopback: reachable from this machine only; an empty list lets every local process in.
        assertEquals(List.of(), parse("bind = \"127.0.0.1:3031\"\n").allow());
        assertEquals(List.of(), parse("bind = \"[::1]:3031\"\n").allow());
        assertEquals(List.of(), parse("bind = \"localhost:3031\"\n").allow());
        // Written back, it loads back.
        assertEquals(c, parse(c.toToml()));
    }

    @Test
    void warRunsInPlaceOfAppAndRoundTrips() {
        AppServerConfig c = parse("war = \"/srv/shop.war\"\ncontext_path = \"/shop\"\n");
        assertEquals(Optional.of(Path.of("/srv/shop.war")), c.servlet().war());
        assertEquals("/shop", c.servlet().contextPath());
        assertEquals(SessionStore.FILE, c.servlet().sessionStore());
        assertEquals(c, parse(c.toToml()));
    }

    @Test
    void allowRejectsNamesBadPrefixesAndUnixSockets() {
        assertTrue(overrideError(Map.of("allow", "gateway.internal")).contains("an IP address or CIDR range"));
        assertTrue(overrideError(Map.of("bind", "0.0.0.0:3031", "allow", "10.0.0.0/33")).contains("a prefix length from 0 to 32"));
        assertTrue(overrideError(Map.of("bind", "unix:/run/gatehouse/app.sock", "allow", "10.0.0.1"))
                .contains("empty when bind is a unix socket"));
    }

    @Test
    void warExcludesJwsgiAndEventLoopDispatch() {
        assertEquals("gatehouse-app.toml: war = \"/srv/shop.war\": expected either war or jwsgi, not both:"
                + " war runs a Servlet web app in place of app",
                error("war = \"/srv/shop.war\"\njwsgi = \"com.example.Hello:application\"\n"));
        assertEquals("gatehouse-app.toml: dispatch = \"event-loop\": expected virtual-thread when war is set:"
                + " Servlet apps block", error("war = \"/srv/shop.war\"\ndispatch = \"event-loop\"\n"));
    }

    @Test
    void jdbcSessionStoreNeedsAUrl() {
        assertTrue(error("session_store = \"jdbc\"\n").contains("session_jdbc_url"),
                error("session_store = \"jdbc\"\n"));
    }

    @Test
    void rejectsContextPathWithTrailingSlash() {
        assertTrue(error("context_path = \"/shop/\"\n").contains("expected / or a path such as /shop"),
                error("context_path = \"/shop/\"\n"));
    }

    @Test
    void sessionDirDefaultsToOnePerBindAndWar() {
        ServletOptions a = parse("war = \"/srv/a.war\"\n").servlet();
        ServletOptions b = parse("war = \"/srv/b.war\"\n").servlet();
        Address bind = Address.unix("/run/app.sock");
        assertEquals(a.effectiveSessionDir(bind), a.effectiveSessionDir(bind));
        assertTrue(!a.effectiveSessionDir(bind).equals(b.effectiveSessionDir(bind)));
        assertTrue(!a.effectiveSessionDir(bind).equals(a.effectiveSessionDir(Address.inet("127.0.0.1", 3031))));
        assertEquals(Path.of("/var/s"), parse("session_dir = \"/var/s\"\n").servlet().effectiveSessionDir(bind));
    }
}
