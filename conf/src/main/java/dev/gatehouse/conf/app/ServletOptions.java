package dev.gatehouse.conf.app;

import static dev.gatehouse.conf.app.AppServerKeys.*;

import dev.gatehouse.conf.Address;
import dev.gatehouse.conf.schema.ConfigValues;
import dev.gatehouse.conf.schema.ConfigView;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The keys of {@code gatehouse-app.toml} that only a Servlet web app ({@code war}) uses: the
 * keys declared into the servlet group of {@code AppServerKeys}, read from the same load as the
 * rest of {@link AppServerConfig}. Equal when every servlet key has an equal value.
 */
public final class ServletOptions extends ConfigView {

    ServletOptions(ConfigValues values) {
        super(values);
    }

    /** The web app: a {@code .war} file or an exploded directory; empty: no servlet app. */
    public Optional<Path> war() {
        return optional(WAR);
    }

    /** The context path the web app is deployed at, {@code /} or {@code /name}. */
    public String contextPath() {
        return get(CONTEXT_PATH);
    }

    /** Where the WAR is unpacked and multipart uploads spool; empty: under the system temp directory. */
    public Optional<Path> tempDir() {
        return optional(TEMP_DIR);
    }

    /** Where sessions are kept. */
    public SessionStore sessionStore() {
        return get(SESSION_STORE);
    }

    /** The file store's directory; empty: one derived from the bind address and the WAR ({@link #effectiveSessionDir}). */
    public Optional<Path> sessionDir() {
        return optional(SESSION_DIR);
    }

    /** The JDBC store's database URL. */
    public Optional<String> sessionJdbcUrl() {
        return optional(SESSION_JDBC_URL);
    }

    /** The JDBC store's user. */
    public Optional<String> sessionJdbcUser() {
        return optional(SESSION_JDBC_USER);
    }

    /** The JDBC store's password. */
    public Optional<String> sessionJdbcPassword() {
        return optional(SESSION_JDBC_PASSWORD);
    }

    /** How long an unused session lives. */
    public Duration sessionTimeout() {
        return get(SESSION_TIMEOUT);
    }

    /**
     * The file store's directory: {@code session_dir}, or one under the system temp directory named
     * after the bind address and the WAR, so that every worker of one app-server (and the next
     * generation after a reload, and the server after a restart) finds the same sessions while two
     * app-servers on one host keep theirs apart.
     */
    public Path effectiveSessionDir(Address bind) {
        if (sessionDir().isPresent()) {
            return sessionDir().get();
        }
        String key = bind + "\n" + war().map(p -> p.toAbsolutePath().normalize().toString()).orElse("") + "\n" + contextPath();
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
            String name = "gatehouse-sessions-" + HexFormat.of().formatHex(digest, 0, 8);
            return Path.of(System.getProperty("java.io.tmpdir"), name);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is a required JDK algorithm", e);
        }
    }

    /**
     * The options as the worker receives them: {@code key -> value} text in the file's spelling,
     * with the session directory resolved; only keys with a value.
     */
    public Map<String, String> workerSettings(Address bind) {
        Map<String, String> s = new LinkedHashMap<>();
        war().ifPresent(p -> s.put(WAR.name(), p.toAbsolutePath().normalize().toString()));
        s.put(CONTEXT_PATH.name(), contextPath());
        tempDir().ifPresent(p -> s.put(TEMP_DIR.name(), p.toAbsolutePath().normalize().toString()));
        s.put(SESSION_STORE.name(), sessionStore().token());
        s.put(SESSION_DIR.name(), effectiveSessionDir(bind).toAbsolutePath().toString());
        sessionJdbcUrl().ifPresent(v -> s.put(SESSION_JDBC_URL.name(), v));
        sessionJdbcUser().ifPresent(v -> s.put(SESSION_JDBC_USER.name(), v));
        sessionJdbcPassword().ifPresent(v -> s.put(SESSION_JDBC_PASSWORD.name(), v));
        s.put("session_timeout_s", Long.toString(sessionTimeout().toSeconds()));
        return s;
    }
}
