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
import dev.gatehouse.conf.schema.Key;
import dev.gatehouse.conf.schema.TomlWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The app-server's configuration, {@code gatehouse-app.toml}: flat, snake_case top-level keys,
 * every one with a default, so an empty file (or none) is valid. Load it with {@link #load};
 * {@link #keys()} lists every key with its default and description, and {@link #toToml()} writes
 * the effective configuration back out.
 *
 * <p>Values are validated at load, with errors naming the file, key, value and expectation; the
 * record itself only checks for nulls, so build it through {@link #load} (with overrides, for
 * tests: {@code load(null, Map.of("workers", "2"))}) rather than by hand.
 *
 * @param bind the listening socket
 * @param socketMode permissions of a unix socket file
 * @param socketOwner owner of a unix socket file; empty: the master's user
 * @param socketGroup group of a unix socket file; empty: the master's group
 * @param backlog listen queue length
 * @param allow the fronts allowed to connect to a TCP bind; empty: any (loopback binds only)
 * @param reusePort one SO_REUSEPORT socket per worker (TCP only) instead of one shared socket
 * @param workers worker processes; with an adaptive {@code pool}, the count it starts with ({@code workers_min})
 * @param app application class name; not used when {@code jwsgi} is set
 * @param classpath jars and class directories the application is loaded from
 * @param jwsgi a JWSGI application to run in place of {@code app}; the file or the command line
 *     may set one of the two (when each sets a different one, the command line's wins)
 * @param dispatch where requests run
 * @param maxConcurrency requests one worker runs at once before 503; 0 = unlimited
 * @param maxVarsSize largest uwsgi vars block accepted, 1 byte to 64 KiB
 * @param readTimeout how long a connection may stay silent while a request is due; positive
 * @param keepalive whether to honour the proxy's keep-alive request var
 * @param timeout heartbeat timeout after which a worker is killed; positive
 * @param harakiri request time after which the worker is recycled; zero = off
 * @param maxRequests requests after which a worker is recycled; 0 = never
 * @param maxRequestsJitter random extra requests (0 to N) per worker on top of {@code maxRequests}
 * @param reloadOnRss resident memory after which a worker is recycled; zero = off
 * @param gracefulTimeout how long in-flight requests may finish on stop or reload
 * @param pidfile where the master writes its pid
 * @param stats the stats endpoint
 * @param jvmOptions options of each worker JVM
 * @param cds whether workers map a shared class-data archive made by the master
 * @param logFile the log file; empty: standard error
 * @param logLevel least severe level logged
 * @param servlet the Servlet web app keys ({@code war} and the rest)
 * @param pool the adaptive pool's keys ({@code workers_min}, {@code workers_max} and the rest)
 */
public record AppServerConfig(
        Address bind,
        FileMode socketMode,
        Optional<String> socketOwner,
        Optional<String> socketGroup,
        int backlog,
        List<AddressRange> allow,
        boolean reusePort,
        int workers,
        String app,
        List<String> classpath,
        Optional<JwsgiEntryPoint> jwsgi,
        Dispatch dispatch,
        int maxConcurrency,
        Size maxVarsSize,
        Duration readTimeout,
        boolean keepalive,
        Duration timeout,
        Duration harakiri,
        int maxRequests,
        int maxRequestsJitter,
        Size reloadOnRss,
        Duration gracefulTimeout,
        Optional<Path> pidfile,
        Optional<Address> stats,
        List<String> jvmOptions,
        boolean cds,
        Optional<Path> logFile,
        LogLevel logLevel,
        ServletOptions servlet,
        PoolOptions pool) {

    /** The file name the docs and the command line use for this config. */
    public static final String FILE_NAME = "gatehouse-app.toml";

    /** Checks for nulls and copies the lists. */
    public AppServerConfig {
        Objects.requireNonNull(bind, "bind");
        Objects.requireNonNull(socketMode, "socketMode");
        Objects.requireNonNull(socketOwner, "socketOwner");
        Objects.requireNonNull(socketGroup, "socketGroup");
        allow = List.copyOf(allow);
        Objects.requireNonNull(app, "app");
        classpath = List.copyOf(classpath);
        Objects.requireNonNull(jwsgi, "jwsgi");
        Objects.requireNonNull(dispatch, "dispatch");
        Objects.requireNonNull(maxVarsSize, "maxVarsSize");
        Objects.requireNonNull(readTimeout, "readTimeout");
        Objects.requireNonNull(timeout, "timeout");
        Objects.requireNonNull(harakiri, "harakiri");
        Objects.requireNonNull(reloadOnRss, "reloadOnRss");
        Objects.requireNonNull(gracefulTimeout, "gracefulTimeout");
        Objects.requireNonNull(pidfile, "pidfile");
        Objects.requireNonNull(stats, "stats");
        jvmOptions = List.copyOf(jvmOptions);
        Objects.requireNonNull(logFile, "logFile");
        Objects.requireNonNull(logLevel, "logLevel");
        Objects.requireNonNull(servlet, "servlet");
        Objects.requireNonNull(pool, "pool");
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
        String app = r.get(APP);
        Optional<JwsgiEntryPoint> jwsgi = r.optional(JWSGI);
        if (r.isSet(APP) && r.isSet(JWSGI) && r.isOverride(APP) != r.isOverride(JWSGI)) {
            // One from the file, one from the command line: the command line wins, as everywhere.
            if (r.isOverride(APP)) {
                jwsgi = Optional.empty();
            } else {
                app = APP.defaultValue();
            }
        } else if (r.isSet(APP) && r.isSet(JWSGI) && !r.hasErrors()) {
            r.reject(JWSGI, "either app or jwsgi, not both: jwsgi runs a JWSGI class in place of app");
        }
        AppServerConfig c = new AppServerConfig(
                r.get(BIND), r.get(SOCKET_MODE), r.optional(SOCKET_OWNER), r.optional(SOCKET_GROUP),
                r.get(BACKLOG), r.get(ALLOW), r.get(REUSE_PORT),
                r.isSet(WORKERS_MAX) ? r.optional(WORKERS_MIN).orElse(1) : r.get(WORKERS), app, r.get(CLASSPATH), jwsgi,
                r.get(DISPATCH), r.get(MAX_CONCURRENCY), r.get(MAX_VARS_SIZE), r.get(READ_TIMEOUT), r.get(KEEPALIVE),
                r.get(TIMEOUT), r.get(HARAKIRI), r.get(MAX_REQUESTS), r.get(MAX_REQUESTS_JITTER), r.get(RELOAD_ON_RSS),
                r.get(GRACEFUL_TIMEOUT), r.optional(PIDFILE), r.optional(STATS), r.get(JVM_OPTIONS),
                r.get(CDS), r.optional(LOG_FILE), r.get(LOG_LEVEL),
                new ServletOptions(r.optional(WAR), r.get(CONTEXT_PATH), r.optional(TEMP_DIR), r.get(SESSION_STORE),
                        r.optional(SESSION_DIR), r.optional(SESSION_JDBC_URL), r.optional(SESSION_JDBC_USER),
                        r.optional(SESSION_JDBC_PASSWORD), r.get(SESSION_TIMEOUT)),
                new PoolOptions(r.optional(WORKERS_MIN).orElse(1), r.optional(WORKERS_MAX).orElse(0),
                        r.get(WORKERS_MAX_RSS), r.get(SCALE_UP_AFTER), r.get(SCALE_DOWN_AFTER), r.get(SCALE_INTERVAL)));
        // Rules between keys only once every value is valid: a bad value was replaced by its
        // default, and checking a rule against that default would report a made-up second error.
        if (!r.hasErrors() && c.reusePort && c.bind.isUnix()) {
            r.reject(REUSE_PORT, "false when bind is a unix socket (" + c.bind + "): SO_REUSEPORT is for TCP only");
        }
        if (!r.hasErrors() && c.bind.isUnix() && !c.allow.isEmpty()) {
            r.reject(ALLOW, "empty when bind is a unix socket (" + c.bind + "): socket_mode, socket_owner and"
                    + " socket_group decide who may connect");
        }
        if (!r.hasErrors() && !c.bind.isUnix() && !c.bind.isLoopback() && c.allow.isEmpty()) {
            // The vars are believed as sent (REMOTE_ADDR, HTTPS): an open uwsgi port lets anyone
            // who reaches it claim any client and scheme, the class of Tomcat's Ghostcat on AJP.
            r.reject(ALLOW, "the fronts allowed to connect, since bind " + c.bind + " is reachable from other hosts"
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
        if (!r.hasErrors() && c.maxRequestsJitter > 0 && c.maxRequests == 0) {
            r.reject(MAX_REQUESTS_JITTER, "0 while max_requests is 0 (the jitter only spreads max_requests)");
        }
        if (!r.hasErrors() && c.servlet.war().isPresent() && c.jwsgi.isPresent()) {
            r.reject(WAR, "either war or jwsgi, not both: war runs a Servlet web app in place of app");
        }
        if (!r.hasErrors() && c.servlet.war().isPresent() && c.dispatch == Dispatch.EVENT_LOOP) {
            r.reject(DISPATCH, "virtual-thread when war is set: Servlet apps block");
        }
        if (!r.hasErrors() && c.servlet.sessionStore() == SessionStore.JDBC && c.servlet.sessionJdbcUrl().isEmpty()) {
            r.reject(SESSION_JDBC_URL, "a JDBC URL when session_store is jdbc");
        }
        r.finish();
        return c;
    }

    /** The configuration as TOML text that loads back to an equal config: what {@code check-config} shows. */
    public String toToml() {
        TomlWriter w = new TomlWriter()
                .comment(FILE_NAME + ": effective configuration")
                .put(BIND, bind)
                .put(SOCKET_MODE, socketMode)
                .put(SOCKET_OWNER, socketOwner)
                .put(SOCKET_GROUP, socketGroup)
                .put(BACKLOG, backlog)
                .put(ALLOW, allow)
                .put(REUSE_PORT, reusePort);
        if (pool.adaptive()) {
            // workers is then the starting count, workers_min, and writing it beside workers_max would not load back.
            w.comment("workers is not used: the pool sizes itself between workers_min and workers_max")
                    .put(WORKERS_MIN, Optional.of(pool.min()))
                    .put(WORKERS_MAX, Optional.of(pool.max()));
        } else {
            w.put(WORKERS, workers).put(WORKERS_MIN, Optional.empty()).put(WORKERS_MAX, Optional.empty());
        }
        w.put(WORKERS_MAX_RSS, pool.maxRss())
                .put(SCALE_UP_AFTER, pool.scaleUpAfter())
                .put(SCALE_DOWN_AFTER, pool.scaleDownAfter())
                .put(SCALE_INTERVAL, pool.scaleInterval());
        if (jwsgi.isPresent()) {
            // app is ignored when jwsgi is set, and writing both would not load back.
            w.comment("app is not used: jwsgi is set");
        } else {
            w.put(APP, app);
        }
        return w.put(CLASSPATH, classpath)
                .put(JWSGI, jwsgi)
                .put(WAR, servlet.war())
                .put(CONTEXT_PATH, servlet.contextPath())
                .put(TEMP_DIR, servlet.tempDir())
                .put(SESSION_STORE, servlet.sessionStore())
                .put(SESSION_DIR, servlet.sessionDir())
                .put(SESSION_JDBC_URL, servlet.sessionJdbcUrl())
                .put(SESSION_JDBC_USER, servlet.sessionJdbcUser())
                .put(SESSION_JDBC_PASSWORD, servlet.sessionJdbcPassword())
                .put(SESSION_TIMEOUT, servlet.sessionTimeout())
                .put(DISPATCH, dispatch)
                .put(MAX_CONCURRENCY, maxConcurrency)
                .put(MAX_VARS_SIZE, maxVarsSize)
                .put(READ_TIMEOUT, readTimeout)
                .put(KEEPALIVE, keepalive)
                .put(TIMEOUT, timeout)
                .put(HARAKIRI, harakiri)
                .put(MAX_REQUESTS, maxRequests)
                .put(MAX_REQUESTS_JITTER, maxRequestsJitter)
                .put(RELOAD_ON_RSS, reloadOnRss)
                .put(GRACEFUL_TIMEOUT, gracefulTimeout)
                .put(PIDFILE, pidfile)
                .put(STATS, stats)
                .put(JVM_OPTIONS, jvmOptions)
                .put(CDS, cds)
                .put(LOG_FILE, logFile)
                .put(LOG_LEVEL, logLevel)
                .toString();
    }
}
