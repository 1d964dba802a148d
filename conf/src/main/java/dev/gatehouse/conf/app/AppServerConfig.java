package dev.gatehouse.conf.app;

import static dev.gatehouse.conf.app.AppServerKeys.*;

import dev.gatehouse.conf.Address;
import dev.gatehouse.conf.AddressRange;
import dev.gatehouse.conf.ConfigException;
import dev.gatehouse.conf.FileMode;
import dev.gatehouse.conf.KeySpec;
import dev.gatehouse.conf.LogLevel;
import dev.gatehouse.conf.Size;
import dev.gatehouse.conf.schema.ConfigReader;
import dev.gatehouse.conf.schema.ConfigValues;
import dev.gatehouse.conf.schema.ConfigView;
import dev.gatehouse.conf.schema.Key;
import dev.gatehouse.conf.schema.TomlWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The app-server's configuration, {@code gatehouse-app.toml}: flat, snake_case top-level keys,
 * every one with a default, so an empty file (or none) is valid. Load it with {@link #load};
 * {@link #keys()} lists every key with its default and description, and {@link #toToml()} writes
 * the effective configuration back out.
 *
 * <p>Values are validated at load, with errors naming the file, key, value and expectation. Each
 * key is declared once, in {@code AppServerKeys}, with its name, type, default and description;
 * this class reads every declared key into one immutable set of values, and each accessor reads
 * one key from it. Two configs are equal when every key has an equal value. For tests, load one
 * with overrides: {@code load(null, Map.of("workers", "2"))}.
 */
public final class AppServerConfig extends ConfigView {

    /** The file name the docs and the command line use for this config. */
    public static final String FILE_NAME = "gatehouse-app.toml";

    private final ServletOptions servlet;
    private final PoolOptions pool;

    private AppServerConfig(ConfigValues values) {
        super(values);
        this.servlet = new ServletOptions(values.only(SERVLET));
        this.pool = new PoolOptions(values.only(POOL));
    }

    /**
     * Loads a config file and applies command-line overrides.
     *
     * @param file the TOML file, or null for none (every key at its default)
     * @param overrides key path to value as text ({@code workers} to {@code "4"}); list keys take
     *     comma-separated values ({@code classpath} also ':', {@code jvm_options} spaces); they win
     *     over the file
     * @throws ConfigException listing every problem: unreadable file, TOML syntax (with line and
     *     column), wrong types, values out of range, unknown keys and unknown override keys
     */
    public static AppServerConfig load(Path file, Map<String, String> overrides) {
        return read(ConfigReader.load(file, ALL, overrides));
    }

    /**
     * Like {@link #load}, from TOML text; {@code sourceName} is the file name messages give.
     *
     * @throws ConfigException as {@link #load} does
     */
    public static AppServerConfig fromToml(String toml, String sourceName, Map<String, String> overrides) {
        return read(ConfigReader.parse(toml, sourceName, ALL, overrides));
    }

    /** The configuration of an empty file. */
    public static AppServerConfig defaults() {
        return load(null, Map.of());
    }

    /** Every key, in file order, with type, default and description. */
    public static List<KeySpec> keys() {
        return ALL.stream().map(Key::spec).toList();
    }

    private static AppServerConfig read(ConfigReader r) {
        ConfigValues values = r.values(ALL);
        if (r.isSet(APP) && r.isSet(JWSGI) && r.isOverride(APP) != r.isOverride(JWSGI)) {
            // One from the file, one from the command line: the command line wins, as everywhere.
            values = values.withDefault(r.isOverride(APP) ? JWSGI : APP);
        } else if (r.isSet(APP) && r.isSet(JWSGI) && !r.hasErrors()) {
            r.reject(JWSGI, "either app or jwsgi, not both: jwsgi runs a JWSGI class in place of app");
        }
        AppServerConfig c = new AppServerConfig(values);
        // Rules between keys only once every value is valid: a bad value was replaced by its
        // default, and checking a rule against that default would report a made-up second error.
        if (!r.hasErrors() && c.reusePort() && c.bind().isUnix()) {
            r.reject(REUSE_PORT, "false when bind is a unix socket (" + c.bind() + "): SO_REUSEPORT is for TCP only");
        }
        if (!r.hasErrors() && c.bind().isUnix() && !c.allow().isEmpty()) {
            r.reject(ALLOW, "empty when bind is a unix socket (" + c.bind() + "): socket_mode, socket_owner and"
                    + " socket_group decide who may connect");
        }
        if (!r.hasErrors() && !c.bind().isUnix() && !c.bind().isLoopback() && c.allow().isEmpty()) {
            // The vars are believed as sent (REMOTE_ADDR, HTTPS): an open uwsgi port lets anyone
            // who reaches it claim any client and scheme, the class of Tomcat's Ghostcat on AJP.
            r.reject(ALLOW, "the fronts allowed to connect, since bind " + c.bind() + " is reachable from other hosts"
                    + " and every uwsgi var is believed as sent: e.g. allow = [\"10.0.0.5\"], or allow = [\"any\"]"
                    + " to accept the risk");
        }
        if (!r.hasErrors() && r.isSet(WORKERS_MIN) && !r.isSet(WORKERS_MAX)) {
            r.reject(WORKERS_MIN, "used with workers_max: alone it would be a fixed pool, which workers sets");
        }
        if (!r.hasErrors() && r.isSet(WORKERS_MAX) && r.isSet(WORKERS)) {
            r.reject(WORKERS, "unset when workers_max is set: the pool then sizes itself between workers_min and"
                    + " workers_max (either a fixed count or a range, not both)");
        }
        if (!r.hasErrors() && c.pool.adaptive() && c.pool.max() < c.pool.min()) {
            r.reject(WORKERS_MAX, "at least workers_min (" + c.pool.min() + ")");
        }
        if (!r.hasErrors() && c.maxRequestsJitter() > 0 && c.maxRequests() == 0) {
            r.reject(MAX_REQUESTS_JITTER, "0 while max_requests is 0 (the jitter only spreads max_requests)");
        }
        if (!r.hasErrors() && c.servlet().war().isPresent() && c.jwsgi().isPresent()) {
            r.reject(WAR, "either war or jwsgi, not both: war runs a Servlet web app in place of app");
        }
        if (!r.hasErrors() && c.servlet().war().isPresent() && c.dispatch() == Dispatch.EVENT_LOOP) {
            r.reject(DISPATCH, "virtual-thread when war is set: Servlet apps block");
        }
        if (!r.hasErrors() && c.servlet().sessionStore() == SessionStore.JDBC && c.servlet().sessionJdbcUrl().isEmpty()) {
            r.reject(SESSION_JDBC_URL, "a JDBC URL when session_store is jdbc");
        }
        r.finish();
        return c;
    }

    /** The configuration as TOML text that loads back to an equal config, secrets included. */
    public String toToml() {
        return toToml(new TomlWriter());
    }

    /**
     * The configuration as people see it, in {@code check-config} and {@code ctl config}: as
     * {@link #toToml()}, but a secret ({@code session_jdbc_password}) only says that it is set.
     */
    public String toShownToml() {
        return toToml(TomlWriter.forPeople());
    }

    private String toToml(TomlWriter w) {
        w.comment(FILE_NAME + ": effective configuration");
        for (Key<?> key : ALL) {
            if (key == APP && jwsgi().isPresent()) {
                // app is ignored when jwsgi is set, and writing both would not load back.
                w.comment("app is not used: jwsgi is set");
            } else if (key == WORKERS && pool.adaptive()) {
                // Likewise workers beside workers_max: the pool starts at workers_min and sizes itself.
                w.comment("workers is not used: the pool sizes itself between workers_min and workers_max");
            } else {
                w.put(values(), key);
            }
        }
        return w.toString();
    }

    /** The listening socket. */
    public Address bind() {
        return get(BIND);
    }

    /** Permissions of a unix socket file. */
    public FileMode socketMode() {
        return get(SOCKET_MODE);
    }

    /** Owner of a unix socket file; empty: the master's user. */
    public Optional<String> socketOwner() {
        return optional(SOCKET_OWNER);
    }

    /** Group of a unix socket file; empty: the master's group. */
    public Optional<String> socketGroup() {
        return optional(SOCKET_GROUP);
    }

    /** Listen queue length. */
    public int backlog() {
        return get(BACKLOG);
    }

    /** The fronts allowed to connect to a TCP bind; empty: any (loopback binds only). */
    public List<AddressRange> allow() {
        return get(ALLOW);
    }

    /** One SO_REUSEPORT socket per worker (TCP only) instead of one shared socket. */
    public boolean reusePort() {
        return get(REUSE_PORT);
    }

    /** Worker processes; with an adaptive {@link #pool()}, the count it starts with ({@code workers_min}). */
    public int workers() {
        return pool.adaptive() ? pool.min() : get(WORKERS);
    }

    /** Application class name; not used when {@link #jwsgi()} is set. */
    public String app() {
        return get(APP);
    }

    /** Jars and class directories the application is loaded from. */
    public List<String> classpath() {
        return get(CLASSPATH);
    }

    /**
     * A JWSGI application to run in place of {@link #app()}; the file or the command line may set
     * one of the two (when each sets a different one, the command line's wins).
     */
    public Optional<JwsgiEntryPoint> jwsgi() {
        return optional(JWSGI);
    }

    /** Where requests run. */
    public Dispatch dispatch() {
        return get(DISPATCH);
    }

    /** Requests one worker runs at once before 503; 0 = unlimited. */
    public int maxConcurrency() {
        return get(MAX_CONCURRENCY);
    }

    /** Largest uwsgi vars block accepted, 1 byte to 64 KiB. */
    public Size maxVarsSize() {
        return get(MAX_VARS_SIZE);
    }

    /** How long a connection may stay silent while a request is due; positive. */
    public Duration readTimeout() {
        return get(READ_TIMEOUT);
    }

    /** Whether to honour the proxy's keep-alive request var. */
    public boolean keepalive() {
        return get(KEEPALIVE);
    }

    /** Heartbeat timeout after which a worker is killed; positive. */
    public Duration timeout() {
        return get(TIMEOUT);
    }

    /** Request time after which the worker is recycled; zero = off. */
    public Duration harakiri() {
        return get(HARAKIRI);
    }

    /** Requests after which a worker is recycled; 0 = never. */
    public int maxRequests() {
        return get(MAX_REQUESTS);
    }

    /** Random extra requests (0 to N) per worker on top of {@link #maxRequests()}. */
    public int maxRequestsJitter() {
        return get(MAX_REQUESTS_JITTER);
    }

    /** Resident memory after which a worker is recycled; zero = off. */
    public Size reloadOnRss() {
        return get(RELOAD_ON_RSS);
    }

    /** How long in-flight requests may finish on stop or reload. */
    public Duration gracefulTimeout() {
        return get(GRACEFUL_TIMEOUT);
    }

    /** Where the master writes its pid. */
    public Optional<Path> pidfile() {
        return optional(PIDFILE);
    }

    /** The stats endpoint. */
    public Optional<Address> stats() {
        return optional(STATS);
    }

    /** Options of each worker JVM. */
    public List<String> jvmOptions() {
        return get(JVM_OPTIONS);
    }

    /** Whether workers map a shared class-data archive made by the master. */
    public boolean cds() {
        return get(CDS);
    }

    /** The log file; empty: standard error. */
    public Optional<Path> logFile() {
        return optional(LOG_FILE);
    }

    /** Least severe level logged. */
    public LogLevel logLevel() {
        return get(LOG_LEVEL);
    }

    /** The Servlet web app keys ({@code war} and the rest). */
    public ServletOptions servlet() {
        return servlet;
    }

    /** The adaptive pool's keys ({@code workers_min}, {@code workers_max} and the rest). */
    public PoolOptions pool() {
        return pool;
    }
}
