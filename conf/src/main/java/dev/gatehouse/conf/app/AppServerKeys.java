package dev.gatehouse.conf.app;

import dev.gatehouse.conf.Address;
import dev.gatehouse.conf.AddressRange;
import dev.gatehouse.conf.FileMode;
import dev.gatehouse.conf.LogLevel;
import dev.gatehouse.conf.Size;
import dev.gatehouse.conf.schema.DeclaredKeys;
import dev.gatehouse.conf.schema.Key;
import dev.gatehouse.conf.schema.ValueType;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Every key of {@code gatehouse-app.toml} with its type, default and description: the one place
 * they are written. Declaring a key here lists it; {@link AppServerConfig} reads, writes and
 * documents itself from the list, and its accessor for the key (or {@link ServletOptions}'s, for
 * a key declared into {@code SERVLET_DECLARED}) is the one other line a new key needs.
 */
final class AppServerKeys {

    private AppServerKeys() {
    }

    // Filled by the declarations below while this class initializes, then frozen by list().
    private static final DeclaredKeys DECLARED = new DeclaredKeys();
    private static final DeclaredKeys SERVLET_DECLARED = DECLARED.group();
    private static final DeclaredKeys POOL_DECLARED = DECLARED.group();

    private static final ValueType<String> ACCOUNT = ValueType.string("user or group",
            "a user or group name, or a numeric id", s -> s.matches("[A-Za-z0-9_][A-Za-z0-9._-]*\\$?"));

    static final Key<Address> BIND = DECLARED.add(Key.of("bind", ValueType.address(), Address.inet("127.0.0.1", 3031),
            "Listening socket, unix:/path or host:port; the default is uWSGI's usual port and needs no privileges"));
    static final Key<FileMode> SOCKET_MODE = DECLARED.add(Key.of("socket_mode",
            ValueType.fileMode(), new FileMode(0660),
            "Permissions of a unix socket file, in octal; 0660 lets the socket's group (the proxy's user) connect"));
    static final Key<String> SOCKET_OWNER = DECLARED.add(Key.optional("socket_owner", ACCOUNT,
            "Owner of a unix socket file; unset: the user the master runs as"));
    static final Key<String> SOCKET_GROUP = DECLARED.add(Key.optional("socket_group", ACCOUNT,
            "Group of a unix socket file; unset: the master's group"));
    static final Key<Integer> BACKLOG = DECLARED.add(Key.of("backlog", ValueType.integer(1, 65535), 2048,
            "Listen queue length for connections not yet accepted; the kernel caps it at net.core.somaxconn"));
    static final Key<List<AddressRange>> ALLOW = DECLARED.add(Key.of("allow",
            ValueType.listOf(ValueType.parsed("address range", "an IP address or CIDR range such as 10.0.0.0/8, or \"any\"",
                    AddressRange::parse, AddressRange::toString)),
            List.of(),
            "Fronts allowed to connect to a TCP bind, as IP addresses or CIDR ranges; required when bind is not loopback"
                    + " (the uwsgi vars, REMOTE_ADDR and HTTPS among them, are believed as sent): [\"any\"] to allow all;"
                    + " empty on a loopback bind: every local process; not for unix sockets, which socket_mode guards"));
    static final Key<Boolean> REUSE_PORT = DECLARED.add(Key.of("reuse_port", ValueType.bool(), false,
            "Give each worker its own SO_REUSEPORT socket instead of sharing one (TCP only; a dying worker's queued connections are lost)"));
    static final Key<Integer> WORKERS = DECLARED.add(Key.computed("workers", ValueType.integer(1, 1024),
            () -> Math.min(1024, Runtime.getRuntime().availableProcessors()), "(the number of CPUs)",
            "Worker processes; requests run on virtual threads, so one per CPU suits most apps"));
    static final Key<Integer> WORKERS_MIN = POOL_DECLARED.add(Key.optional("workers_min", ValueType.integer(1, 1024),
            "Adaptive pool: fewest workers, started first; with workers_max in place of workers; unset: 1"));
    static final Key<Integer> WORKERS_MAX = POOL_DECLARED.add(Key.optional("workers_max", ValueType.integer(1, 1024),
            "Adaptive pool: most workers; the master adds workers while the pool is saturated and retires idle ones;"
                    + " unset: a fixed pool of workers"));
    static final Key<Size> WORKERS_MAX_RSS = POOL_DECLARED.add(Key.of("workers_max_rss", ValueType.size(), Size.ZERO,
            "Adaptive pool: ceiling on the workers' resident memory added up; past it the pool stops growing and"
                    + " recycles its largest worker; 0 = none"));
    static final Key<Duration> SCALE_UP_AFTER = POOL_DECLARED.add(Key.of("scale_up_after", ValueType.positiveDuration(),
            Duration.ofSeconds(2),
            "Adaptive pool: how long the pool must be saturated (slots busy, 503s shed or connections queued) before it grows"));
    static final Key<Duration> SCALE_DOWN_AFTER = POOL_DECLARED.add(Key.of("scale_down_after",
            ValueType.positiveDuration(), Duration.ofSeconds(30),
            "Adaptive pool: how long the load must fit in one worker fewer before one is retired, and between two retirements"));
    static final Key<Duration> SCALE_INTERVAL = POOL_DECLARED.add(Key.of("scale_interval", ValueType.positiveDuration(),
            Duration.ofSeconds(3),
            "Adaptive pool: least time between two changes, counted from when the last one took effect"));
    static final Key<String> APP = DECLARED.add(Key.of("app",
            ValueType.string("class name", "a fully qualified class name, such as com.example.App", JavaNames::isClassName),
            "dev.gatehouse.demo.DemoApp",
            "Application class, loaded once in every worker"));
    static final Key<List<String>> CLASSPATH = DECLARED.add(Key.of("classpath",
            ValueType.listOf(ValueType.string("class path entry", "a jar or class directory path", s -> !s.isEmpty()))
                    .splitStringOn(":").splitCommandLineOn("[:,]"),
            List.of(),
            "Jars and class directories the app is loaded from: a list, or one ':'-separated string"));
    static final Key<JwsgiEntryPoint> JWSGI = DECLARED.add(Key.optional("jwsgi",
            ValueType.parsed("Class:method", "Class:method, such as com.example.Hello:application",
                    JwsgiEntryPoint::parse, JwsgiEntryPoint::toString),
            "Run an unmodified uWSGI JWSGI application, Class:method, in place of app (not both in one place)"));
    static final Key<Path> WAR = SERVLET_DECLARED.add(Key.optional("war", ValueType.path(),
            "Run a Jakarta Servlet 6.1 web app in place of app: a .war file or an exploded directory (Spring MVC, Jersey, plain servlets)"));
    static final Key<String> CONTEXT_PATH = SERVLET_DECLARED.add(Key.of("context_path",
            ValueType.string("context path", "/ or a path such as /shop, without a trailing slash",
                    s -> s.equals("/") || s.startsWith("/") && !s.endsWith("/") && !s.contains("//")),
            "/", "Context path the web app (war) is deployed at"));
    static final Key<Path> TEMP_DIR = SERVLET_DECLARED.add(Key.optional("temp_dir", ValueType.path(),
            "Where each worker unpacks the war and spools multipart uploads; unset: the system temp directory"));
    static final Key<SessionStore> SESSION_STORE = SERVLET_DECLARED.add(Key.of("session_store",
            ValueType.oneOf(SessionStore.class), SessionStore.FILE,
            "Where web app sessions live, shared by all workers: file (session_dir) or jdbc (session_jdbc_url, for several hosts)"));
    static final Key<Path> SESSION_DIR = SERVLET_DECLARED.add(Key.optional("session_dir", ValueType.path(),
            "Directory of the file session store; unset: one under the system temp directory named after bind and war"));
    static final Key<String> SESSION_JDBC_URL = SERVLET_DECLARED.add(Key.optional("session_jdbc_url",
            ValueType.string("JDBC URL", "a JDBC URL, such as jdbc:postgresql://db/app", s -> s.startsWith("jdbc:")),
            "Database of the jdbc session store; its driver jar goes on classpath"));
    static final Key<String> SESSION_JDBC_USER = SERVLET_DECLARED.add(Key.optional("session_jdbc_user",
            ValueType.string(),
            "User of the jdbc session store's database"));
    static final Key<String> SESSION_JDBC_PASSWORD = SERVLET_DECLARED.add(Key.optional("session_jdbc_password",
            ValueType.string(),
            "Password of the jdbc session store's database; check-config and ctl config say it is set, never what it is")
            .secret());
    static final Key<Duration> SESSION_TIMEOUT = SERVLET_DECLARED.add(Key.of("session_timeout",
            ValueType.positiveDuration(),
            Duration.ofMinutes(30), "How long an unused web app session lives, unless the app's web.xml says otherwise"));
    static final Key<Dispatch> DISPATCH = DECLARED.add(Key.of("dispatch",
            ValueType.oneOf(Dispatch.class),
            Dispatch.VIRTUAL_THREAD,
            "Where requests run: virtual-thread (blocking code is fine) or event-loop (non-blocking apps only)"));
    static final Key<Integer> MAX_CONCURRENCY = DECLARED.add(Key.of("max_concurrency",
            ValueType.integer(0, 1_000_000), 0,
            "Requests one worker runs at once; past it requests get 503 at once; 0 = unlimited"));
    static final Key<Size> MAX_VARS_SIZE = DECLARED.add(Key.of("max_vars_size",
            ValueType.size(Size.ofBytes(1), Size.ofKilobytes(64)), Size.ofKilobytes(64),
            "Largest uwsgi vars block accepted (the request line and headers as the proxy sends them)"));
    static final Key<Duration> READ_TIMEOUT = DECLARED.add(Key.of("read_timeout",
            ValueType.positiveDuration(), Duration.ofSeconds(60),
            "How long a connection may stay silent while a request or its body is due"));
    static final Key<Boolean> KEEPALIVE = DECLARED.add(Key.of("keepalive", ValueType.bool(), true,
            "Honour the proxy's request to keep a connection open after a fully framed response"));
    static final Key<Duration> TIMEOUT = DECLARED.add(Key.of("timeout",
            ValueType.positiveDuration(), Duration.ofSeconds(30),
            "A worker whose heartbeat is missing this long is killed and replaced"));
    static final Key<Duration> HARAKIRI = DECLARED.add(Key.of("harakiri", ValueType.duration(), Duration.ZERO,
            "A request running longer is logged and its worker recycled; 0 = off"));
    static final Key<Integer> MAX_REQUESTS = DECLARED.add(Key.of("max_requests",
            ValueType.integer(0, Integer.MAX_VALUE), 0,
            "Recycle a worker gracefully after this many requests; 0 = never"));
    static final Key<Integer> MAX_REQUESTS_JITTER = DECLARED.add(Key.of("max_requests_jitter",
            ValueType.integer(0, Integer.MAX_VALUE), 0,
            "Add a random 0 to N to max_requests per worker, so workers do not all recycle at once"));
    static final Key<Size> RELOAD_ON_RSS = DECLARED.add(Key.of("reload_on_rss", ValueType.size(), Size.ZERO,
            "Recycle a worker gracefully once its resident memory passes this; 0 = off"));
    static final Key<Duration> GRACEFUL_TIMEOUT = DECLARED.add(Key.of("graceful_timeout",
            ValueType.duration(), Duration.ofSeconds(30),
            "On stop or reload, how long in-flight requests may finish before their workers are killed"));
    static final Key<Path> PIDFILE = DECLARED.add(Key.optional("pidfile", ValueType.path(),
            "File the master writes its process id to"));
    static final Key<Address> STATS = DECLARED.add(Key.optional("stats", ValueType.address(),
            "Stats endpoint (JSON, and Prometheus text on /metrics); unset: off"));
    /*
     * Sized for many small JVMs on one host rather than one big one. Serial GC: no parallel GC
     * threads per worker, and small heaps collect quickly on one thread. -Xms16m keeps an idle
     * worker's footprint low; -Xmx256m stops N workers each taking the JVM's default of a quarter
     * of RAM. -Xss512k halves the platform thread stack reservation (requests run on virtual
     * threads, whose stacks live on the heap). ExitOnOutOfMemoryError: a worker that ran out of
     * memory is in an unknown state; dying lets the master replace it. Not included:
     * TieredStopAtLevel=1 (saves compiler memory but costs peak throughput) and a smaller
     * ReservedCodeCacheSize (a reservation, not resident memory).
     */
    static final Key<List<String>> JVM_OPTIONS = DECLARED.add(Key.of("jvm_options",
            ValueType.listOf(ValueType.string("JVM option", "a JVM option, such as -Xmx256m", s -> s.startsWith("-")))
                    .splitCommandLineOn("\\s+"),
            List.of("-XX:+UseSerialGC", "-Xms16m", "-Xmx256m", "-Xss512k", "-XX:+ExitOnOutOfMemoryError"),
            "Options of every worker JVM (space-separated on the command line); the defaults suit many small workers"));
    static final Key<Boolean> CDS = DECLARED.add(Key.of("cds", ValueType.bool(), true,
            "Share class metadata between workers through a CDS archive the master makes once per class path"
                    + " (the JVM's answer to prefork preloading); needs a class path of jars only"));
    static final Key<Path> LOG_FILE = DECLARED.add(Key.optional("log_file", ValueType.path(),
            "Log file, reopened on USR1; unset: standard error"));
    static final Key<LogLevel> LOG_LEVEL = DECLARED.add(Key.of("log_level",
            ValueType.oneOf(LogLevel.class),
            LogLevel.INFO, "Least severe level logged"));

    /** The keys {@link PoolOptions} reads, in declaration order. */
    static final List<Key<?>> POOL = POOL_DECLARED.list();

    /** The keys {@link ServletOptions} reads, in declaration order. */
    static final List<Key<?>> SERVLET = SERVLET_DECLARED.list();

    /** Every key, in declaration order: the order files, docs and rendered configs list them. */
    static final List<Key<?>> ALL = DECLARED.list();
}
