package dev.gatehouse.it.support;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where the real peer programs live on Debian 12, and a clear failure when one is missing.
 *
 * <p>End-to-end tests never skip because a peer is absent: a skipped compatibility test looks
 * like a passing one. They fail with the package to install instead.
 */
public final class PeerBinaries {

    /** Debian's nginx binary (package {@code nginx-light} or any other nginx flavour). */
    public static final Path NGINX = Path.of("/usr/sbin/nginx");
    /** Debian's uWSGI core binary. */
    public static final Path UWSGI = Path.of("/usr/bin/uwsgi");
    /** Where Debian's uWSGI plugins are installed, as {@code <name>_plugin.so}. */
    public static final Path UWSGI_PLUGIN_DIR = Path.of("/usr/lib/uwsgi/plugins");
    /** The {@code uwsgi} Java class that uWSGI's JVM plugin looks up at JVM start. */
    public static final Path UWSGI_JAR = Path.of("/usr/share/java/uwsgi.jar");
    /** The HTTP load generator. */
    public static final Path WRK = Path.of("/usr/bin/wrk");

    /** curl, for HTTP/1.1 and HTTP/2 over TLS. */
    public static final Path CURL = Path.of("/usr/bin/curl");
    /** nghttp from nghttp2-client, for many HTTP/2 streams on one connection. */
    public static final Path NGHTTP = Path.of("/usr/bin/nghttp");
    /** The openssl CLI: certificates for tests, and s_client. */
    public static final Path OPENSSL = Path.of("/usr/bin/openssl");

    /** Debian's Chromium, run headless by the WebSocket tests as a real browser. */
    public static final Path CHROMIUM = Path.of("/usr/bin/chromium");

    private PeerBinaries() {}

    /** @return the chromium binary, or fails with the package to install */
    public static Path chromium() {
        return requireExecutable(CHROMIUM, "chromium", "chromium");
    }

    /** @return the curl binary, or fails with the package to install */
    public static Path curl() {
        return requireExecutable(CURL, "curl", "curl");
    }

    /** @return the nghttp binary, or fails with the package to install */
    public static Path nghttp() {
        return requireExecutable(NGHTTP, "nghttp", "nghttp2-client");
    }

    /** @return the openssl binary, or fails with the package to install */
    public static Path openssl() {
        return requireExecutable(OPENSSL, "openssl", "openssl");
    }

    /** @return the nginx binary, or fails with the package to install */
    public static Path nginx() {
        return requireExecutable(NGINX, "nginx", "nginx-light");
    }

    /** @return the uWSGI binary, or fails with the package to install */
    public static Path uwsgi() {
        return requireExecutable(UWSGI, "uwsgi", "uwsgi-core");
    }

    /** @return the wrk binary, or fails with the package to install */
    public static Path wrk() {
        return requireExecutable(WRK, "wrk", "wrk");
    }

    /** @return {@code /usr/share/java/uwsgi.jar}, or fails with the package to install */
    public static Path uwsgiJar() {
        if (!Files.isRegularFile(UWSGI_JAR)) {
            throw new IllegalStateException(UWSGI_JAR + " not found (uWSGI's JVM plugin needs it on"
                    + " --jvm-classpath): apt-get install -y uwsgi-plugin-jwsgi-openjdk-17");
        }
        return UWSGI_JAR;
    }

    /**
     * Checks that a uWSGI plugin is installed.
     *
     * @param name the plugin name as given to {@code --plugins}, e.g. {@code python3}, {@code jvm}
     * @return the plugin's shared object
     */
    public static Path uwsgiPlugin(String name) {
        Path plugin = UWSGI_PLUGIN_DIR.resolve(name + "_plugin.so");
        if (!Files.exists(plugin)) {
            throw new IllegalStateException("uWSGI plugin " + name + " not found at " + plugin
                    + ": apt-get install -y " + uwsgiPluginPackage(name));
        }
        return plugin;
    }

    private static String uwsgiPluginPackage(String name) {
        return switch (name) {
            case "python3" -> "uwsgi-plugin-python3";
            case "jvm", "jwsgi" -> "uwsgi-plugin-jwsgi-openjdk-17";
            default -> "uwsgi-plugins-all (or the package that ships " + name + "_plugin.so)";
        };
    }

    private static Path requireExecutable(Path binary, String what, String aptPackage) {
        if (!Files.isExecutable(binary)) {
            throw new IllegalStateException(what + " not found at " + binary
                    + ": apt-get install -y " + aptPackage);
        }
        return binary;
    }
}
