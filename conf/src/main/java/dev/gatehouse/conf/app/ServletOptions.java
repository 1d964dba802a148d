package dev.gatehouse.conf.app;

import dev.gatehouse.conf.Address;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The keys of {@code gatehouse-app.toml} that only a Servlet web app ({@code war}) uses.
 *
 * @param war the web app: a {@code .war} file or an exploded directory; empty: no servlet app
 * @param contextPath the context path the web app is deployed at, {@code /} or {@code /name}
 * @param tempDir where the WAR is unpacked and multipart uploads spool; empty: under the system
 *     temp directory
 * @param sessionStore where sessions are kept
 * @param sessionDir the file store's directory; empty: one derived from the bind address and the WAR
 * @param sessionJdbcUrl the JDBC store's database URL
 * @param sessionJdbcUser the JDBC store's user
 * @param sessionJdbcPassword the JDBC store's password
 * @param sessionTimeout how long an unused session lives
 */
public record ServletOptions(
        Optional<Path> war,
        String contextPath,
        Optional<Path> tempDir,
        SessionStore sessionStore,
        Optional<Path> sessionDir,
        Optional<String> sessionJdbcUrl,
        Optional<String> sessionJdbcUser,
        Optional<String> sessionJdbcPassword,
        Duration sessionTimeout) {

    /** Checks for nulls. */
    public ServletOptions {
        Objects.requireNonNull(war, "war");
        Objects.requireNonNull(contextPath, "contextPath");
        Objects.requireNonNull(tempDir, "tempDir");
        Objects.requireNonNull(sessionStore, "sessionStore");
        Objects.requireNonNull(sessionDir, "sessionDir");
        Objects.requireNonNull(sessionJdbcUrl, "sessionJdbcUrl");
        Objects.requireNonNull(sessionJdbcUser, "sessionJdbcUser");
        Objects.requireNonNull(sessionJdbcPassword, "sessionJdbcPassword");
        Objects.requireNonNull(sessionTimeout, "sessionTimeout");
    }

    /**
     * The file store's directory: {@code session_dir}, or one under the system temp directory named
     * after the bind address and the WAR, so that every worker of one app-server (and the next
     * generation after a reload, and the server after a restart) finds the same sessions while two
     * app-servers on one host keep theirs apart.
     */
    public Path effectiveSessionDir(Address bind) {
        if (sessionDir.isPresent()) {
            return sessionDir.get();
        }
        String key = bind + "\n" + war.map(p -> p.toAbsolutePath().normalize().toString()).orElse("") + "\n" + contextPath;
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
        war.ifPresent(p -> s.put("war", p.toAbsolutePath().normalize().toString()));
        s.put("context_path", contextPath);
        tempDir.ifPresent(p -> s.put("temp_dir", p.toAbsolutePath().normalize().toString()));
        s.put("session_store", sessionStore.token());
        s.put("session_dir", effectiveSessionDir(bind).toAbsolutePath().toString());
        sessionJdbcUrl.ifPresent(v -> s.put("session_jdbc_url", v));
        sessionJdbcUser.ifPresent(v -> s.put("session_jdbc_user", v));
        sessionJdbcPassword.ifPresent(v -> s.put("session_jdbc_password", v));
        s.put("session_timeout_s", Long.toString(sessionTimeout.toSeconds()));
        return s;
    }
}
