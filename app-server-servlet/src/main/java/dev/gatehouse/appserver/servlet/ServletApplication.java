package dev.gatehouse.appserver.servlet;

import dev.gatehouse.appserver.api.Application;
import dev.gatehouse.appserver.api.Request;
import dev.gatehouse.appserver.api.Response;
import dev.gatehouse.appserver.api.WorkerContext;
import dev.gatehouse.appserver.worker.AppLoader.AppLoadException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.jetty.ee11.servlet.SessionHandler;
import org.eclipse.jetty.ee11.webapp.WebAppContext;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.http.MetaData;
import org.eclipse.jetty.server.HttpChannel;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.session.DatabaseAdaptor;
import org.eclipse.jetty.session.JDBCSessionDataStore;
import org.eclipse.jetty.session.NullSessionCache;
import org.eclipse.jetty.session.AbstractSessionDataStore;
import org.eclipse.jetty.util.thread.VirtualThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Jakarta Servlet 6.1 web app (a {@code .war} or an exploded directory) as a Gatehouse
 * {@link Application}: each worker deploys it in an embedded Jetty 12.1 ee11 server that has no
 * network connector, and hands Jetty every request as a {@code MetaData.Request} made from the
 * uwsgi vars. {@code WEB-INF/web.xml}, annotations, {@code ServletContainerInitializer}s (Spring's
 * {@code WebApplicationInitializer}), {@code WEB-INF/lib} and {@code WEB-INF/classes}, welcome
 * files, error pages and static resources are Jetty's {@code WebAppContext}, unchanged.
 *
 * <p>Sessions live in a store every worker shares (a directory, or a database over JDBC) and no
 * worker caches them: the kernel picks the worker of each request, so the next request of a
 * session may land anywhere, and a worker may be recycled or killed at any time.
 *
 * <p>Reads the worker's settings: {@code war}, {@code context_path}, {@code temp_dir},
 * {@code session_store}, {@code session_dir}, {@code session_jdbc_url}, {@code session_jdbc_user},
 * {@code session_jdbc_password}, {@code session_timeout_s}.
 */
public final class ServletApplication implements Application {

    private static final Logger log = LoggerFactory.getLogger(ServletApplication.class);

    /** How often an unchanged session's access time is written back; see {@link #configureSessions}. */
    private static final int SAVE_PERIOD_S = 60;

    private final ClassLoader serverLoader;
    private final HttpChannel.Factory channels = new HttpChannel.DefaultFactory();
    private final AtomicLong ids = new AtomicLong();
    private Server server;
    private UwsgiConnector connector;
    private HttpConfiguration httpConfiguration;
    private Executor executor;
    private String contextPath;

    /**
     * Made by the worker, by name.
     *
     * @param serverLoader loads the server-side extras of the {@code classpath} key (a JDBC driver)
     */
    public ServletApplication(ClassLoader serverLoader) {
        this.serverLoader = serverLoader;
    }

    @Override
    public void start(WorkerContext context) throws Exception {
        Map<String, String> s = context.settings();
        String war = s.get("war");
        if (war == null || war.isEmpty()) {
            throw new AppLoadException("no web app configured: set war", null);
        }
        Path warPath = Path.of(war);
        if (!Files.exists(warPath)) {
            throw new AppLoadException("war " + warPath + " does not exist", null);
        }
        if (Files.isRegularFile(warPath)) {
            // Jetty's own message for a file that is no zip is "Provider not found".
            try (java.util.zip.ZipFile zip = new java.util.zip.ZipFile(warPath.toFile())) {
                if (zip.getEntry("WEB-INF/") == null && zip.stream().noneMatch(e -> e.getName().startsWith("WEB-INF/"))) {
                    log.warn("war {} has no WEB-INF/: deploying it as static files only", warPath);
                }
            } catch (IOException e) {
                throw new AppLoadException("war " + warPath + " is not a WAR (zip) file: " + e.getMessage(), e);
            }
        }
        quietJetty();
        try {
            deploy(s, warPath);
        } catch (AppLoadException e) {
            if (!"jdbc".equals(s.get("session_store")) || !causedBySql(e)) {
                throw e;
            }
            // Jetty's JDBC store creates its table when it finds none; workers starting together
            // may both try, and one then fails. Once more, a moment later, finds the table.
            long pause = 200 + java.util.concurrent.ThreadLocalRandom.current().nextLong(800);
            log.info("worker {}: the JDBC session store failed to start ({}); deploying once more in {} ms",
                    context.workerId(), e.getMessage(), pause);
            Thread.sleep(pause);
            deploy(s, warPath);
        }
        log.info("worker {}: web app {} deployed at {}, sessions in {}", context.workerId(), warPath,
                contextPath, describeStore(s));
    }

    private static boolean causedBySql(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof java.sql.SQLException) {
                return true;
            }
        }
        return false;
    }

    private void deploy(Map<String, String> s, Path warPath) throws Exception {
        VirtualThreadPool pool = new VirtualThreadPool();
        pool.setName("gatehouse-servlet");
        server = new Server(pool);
        String tempDir = s.get("temp_dir");
        if (tempDir != null && !tempDir.isEmpty()) {
            Files.createDirectories(Path.of(tempDir));
            server.setTempDirectory(tempDir);
        }
        httpConfiguration = new HttpConfiguration();
        // The worker writes Date and the framing; Jetty would only repeat them. No Server header:
        // a front decides what it tells clients about the back end.
        httpConfiguration.setSendDateHeader(false);
        httpConfiguration.setSendServerVersion(false);
        httpConfiguration.setSendXPoweredBy(false);
        connector = new UwsgiConnector(server);

        WebAppContext webapp = new WebAppContext();
        webapp.setWar(warPath.toAbsolutePath().toString());
        webapp.setContextPath(s.getOrDefault("context_path", "/"));
        // A web app that fails to deploy must fail the worker's boot, not serve 503s.
        webapp.setThrowUnavailableOnStartupException(true);
        webapp.setLogUrlOnStart(false);
        configureSessions(webapp.getSessionHandler(), s);
        server.setHandler(webapp);
        // Jetty logs a failed deploy as a warning with its stack trace; the worker says it in one
        // line instead (the boot-failure path), so that logger is off for the deploy only.
        ch.qos.logback.classic.Logger deployLog = LoggerFactory.getLogger(WebAppContext.class) instanceof ch.qos.logback.classic.Logger l ? l : null;
        ch.qos.logback.classic.Level deployLevel = deployLog == null ? null : deployLog.getLevel();
        if (deployLog != null && !log.isDebugEnabled()) {
            deployLog.setLevel(ch.qos.logback.classic.Level.ERROR);
        }
        try {
            server.start();
        } catch (Exception | LinkageError e) {
            stopQuietly();
            throw new AppLoadException("war " + warPath + " failed to deploy: " + rootCause(e), e);
        } finally {
            if (deployLog != null) {
                deployLog.setLevel(deployLevel);
            }
        }
        if (!webapp.isAvailable()) {
            Throwable why = webapp.getUnavailableException();
            stopQuietly();
            throw new AppLoadException("war " + warPath + " failed to deploy: "
                    + (why == null ? "the web app is unavailable" : rootCause(why)), why);
        }
        executor = server.getThreadPool();
        contextPath = webapp.getContextPath();
    }

    /**
     * Jetty logs half a dozen INFO lines per deploy (version, "NO JSP Support", each context
     * started); the worker logs one line of its own instead. Warnings and errors still show, and
     * {@code log_level = "debug"} shows everything.
     */
    private static void quietJetty() {
        if (LoggerFactory.getLogger("org.eclipse.jetty") instanceof ch.qos.logback.classic.Logger jetty
                && jetty.getLevel() == null && jetty.getEffectiveLevel().isGreaterOrEqual(ch.qos.logback.classic.Level.INFO)) {
            jetty.setLevel(ch.qos.logback.classic.Level.WARN);
        }
    }

    private void configureSessions(SessionHandler sessions, Map<String, String> s) throws Exception {
        // No cache: every request reads the session from the store and writes it back before the
        // response is committed, so the next request finds it on whichever worker it lands.
        NullSessionCache cache = new NullSessionCache(sessions);
        cache.setSaveOnCreate(true);
        cache.setFlushOnResponseCommit(true);
        cache.setRemoveUnloadableSessions(true);
        AbstractSessionDataStore store = store(s);
        // A session whose attributes did not change is written again only this often (for its
        // access time). With 0, Jetty writes every session a second time when the request
        // completes, after the response went out: a write that can land after the next
        // request's, on another worker, and put the older attributes back.
        store.setSavePeriodSec(SAVE_PERIOD_S);
        cache.setSessionDataStore(store);
        sessions.setSessionCache(cache);
        String timeout = s.get("session_timeout_s");
        if (timeout != null) {
            sessions.setMaxInactiveInterval(Integer.parseInt(timeout));
        }
    }

    private AbstractSessionDataStore store(Map<String, String> s) throws Exception {
        if ("jdbc".equals(s.get("session_store"))) {
            String url = s.get("session_jdbc_url");
            if (url == null) {
                throw new AppLoadException("session_store is jdbc but session_jdbc_url is not set", null);
            }
            DatabaseAdaptor db = new DatabaseAdaptor();
            db.setDatasource(new DriverDataSource(url, s.get("session_jdbc_user"), s.get("session_jdbc_password"),
                    serverLoader));
            JDBCSessionDataStore store = new JDBCSessionDataStore();
            store.setDatabaseAdaptor(db);
            return store;
        }
        Path dir = Path.of(s.get("session_dir"));
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new AppLoadException("cannot create session_dir " + dir + ": " + e, e);
        }
        SharedFileSessionDataStore store = new SharedFileSessionDataStore();
        store.setStoreDir(dir.toFile());
        store.setDeleteUnrestorableFiles(true);
        return store;
    }

    private static String describeStore(Map<String, String> s) {
        return "jdbc".equals(s.get("session_store"))
                ? "JDBC " + DriverDataSource.redacted(s.get("session_jdbc_url"))
                : s.get("session_dir");
    }

    private static String rootCause(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        String m = t.getMessage();
        return t.getClass().getName() + (m == null ? "" : ": " + m.lines().findFirst().orElse(""));
    }

    @Override
    public Response handle(Request request) throws Exception {
        boolean secure = VarsRequestMetaData.secure(request);
        HttpVersion version = VarsRequestMetaData.version(request);
        String id = Long.toString(ids.incrementAndGet());
        VarsConnectionMetaData connection = new VarsConnectionMetaData(id, httpConfiguration, connector, version,
                secure, VarsRequestMetaData.remote(request), VarsRequestMetaData.local(request));
        MetaData.Request metaData;
        try {
            metaData = VarsRequestMetaData.build(request, secure, version);
        } catch (IllegalArgumentException e) {
            // A target or header Jetty cannot take at all (it answers 400 itself for the rest).
            log.info("bad request from the front: {} {}: {}", request.method(), request.rawUri(), e.getMessage());
            return Response.text(400, "Bad Request\n");
        }
        UwsgiHttpStream stream = new UwsgiHttpStream(id, request.body(), request.contentLength(),
                VarsRequestMetaData.isHead(request), executor);
        HttpChannel channel = channels.newHttpChannel(connection);
        stream.bind(channel);
        Runnable task = channel.onRequest(metaData);
        // On another virtual thread: this one must stay free to write the response body to the
        // front while the servlet is still producing it.
        executor.execute(task);
        return stream.awaitResponse();
    }

    @Override
    public void stop() throws Exception {
        if (server != null) {
            server.stop();
        }
    }

    private void stopQuietly() {
        try {
            server.stop();
        } catch (Exception ignored) {
            // the deploy failure is what gets reported
        }
    }
}
