package dev.gatehouse.it.support;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The Gatehouse proxy ({@code dev.gatehouse.proxy.ProxyMain}) as a child JVM on a free loopback
 * port, with a config file written from TOML text (and optional command-line flags), in a
 * private temp directory.
 *
 * <pre>{@code
 * try (GatehouseProxy proxy = GatehouseProxy.builder()
 *         .toml("[upstream.app]\nservers = [\"unix:/tmp/app.sock\"]\n...")
 *         .jvmArgs("-Xmx64m")
 *         .start()) {
 *     RawHttpClient.get(proxy.port(), "/hello");
 * }
 * }</pre>
 */
public final class GatehouseProxy implements AutoCloseable {

    /** The proxy's main class. */
    public static final String MAIN_CLASS = "dev.gatehouse.proxy.ProxyMain";

    private final ScratchDir dir;
    private final ManagedProcess process;
    private final int port;
    private final int tlsPort;

    private GatehouseProxy(ScratchDir dir, ManagedProcess process, int port, int tlsPort) {
        this.dir = dir;
        this.process = process;
        this.port = port;
        this.tlsPort = tlsPort;
    }

    /** @return a builder */
    public static Builder builder() {
        return new Builder();
    }

    /** @return the HTTP port on 127.0.0.1 */
    public int port() {
        return port;
    }

    /** @return the TLS port on 127.0.0.1, when {@link Builder#tls} added a TLS listener */
    public int tlsPort() {
        if (tlsPort == 0) {
            throw new IllegalStateException("no TLS listener: start the proxy with builder().tls(certificate, key)");
        }
        return tlsPort;
    }

    /** @return the JVM's pid */
    public long pid() {
        return process.pid();
    }

    /** @return the temp directory holding the config and the log */
    public Path dir() {
        return dir.path();
    }

    /** @return the log so far (access log on stdout included) */
    public String log() {
        return process.log();
    }

    /**
     * Waits until the log satisfies {@code condition}.
     *
     * @throws IllegalStateException with the log tail if the proxy exits or the bound passes
     */
    public void awaitLog(String what, java.util.function.Predicate<String> condition, Duration timeout) {
        process.awaitLog(what, condition, timeout);
    }

    /** @return the log tail, for failure messages */
    public String diagnostics() {
        return "Gatehouse proxy on 127.0.0.1:" + port + "\n" + process.diagnostics();
    }

    @Override
    public void close() {
        try {
            process.close();
        } finally {
            dir.close();
        }
    }

    @Override
    public String toString() {
        return "GatehouseProxy(127.0.0.1:" + port + ", pid " + process.pid() + ")";
    }

    /** Collects the config and JVM options, then starts the proxy. */
    public static final class Builder {
        private String toml = "";
        private final List<String> args = new ArrayList<>();
        private final List<String> jvmArgs = new ArrayList<>();
        private Duration startTimeout = Duration.ofSeconds(120);
        private Path certificate;
        private Path privateKey;
        private final List<String> tlsSettings = new ArrayList<>();

        private Builder() {}

        /**
         * Adds a second listener, with TLS (and HTTP/2 by ALPN), on a free port: {@code listen[1]}.
         *
         * @param settings more of its keys, {@code key=value} under {@code listen[1].}, e.g.
         *     {@code certificates[0].server_names=b.test}
         * @return this
         */
        public Builder tls(Path certificate, Path privateKey, String... settings) {
            this.certificate = certificate;
            this.privateKey = privateKey;
            tlsSettings.addAll(List.of(settings));
            return this;
        }

        /**
         * The usual test front: no access log, and every path forwarded to one uwsgi server.
         *
         * @param uwsgiPass the server, as {@code unix:/path} or {@code host:port}
         * @return this
         */
        public Builder forwardingEverythingTo(String uwsgiPass) {
            return toml("""
                    access_log = "off"
                    [upstream.app]
                    servers = ["%s"]
                    [[location]]
                    path = "/"
                    upstream = "app"
                    """.formatted(uwsgiPass));
        }

        /**
         * @param text the config file's content; the fixture sets {@code listen} with a flag
         * @return this
         */
        public Builder toml(String text) {
            this.toml = text;
            return this;
        }

        /**
         * @param options extra command-line flags, e.g. {@code "--upstream", "unix:/x.sock"}
         * @return this
         */
        public Builder args(String... options) {
            args.addAll(List.of(options));
            return this;
        }

        /**
         * @param options JVM options, e.g. {@code -Xmx64m}
         * @return this
         */
        public Builder jvmArgs(String... options) {
            jvmArgs.addAll(List.of(options));
            return this;
        }

        /**
         * @param timeout how long the port may take to accept (default 60 s)
         * @return this
         */
        public Builder startTimeout(Duration timeout) {
            this.startTimeout = timeout;
            return this;
        }

        /**
         * Starts the JVM and waits until the port accepts.
         *
         * @return the running proxy
         * @throws IllegalStateException with the log tail if the JVM exits or times out
         */
        public GatehouseProxy start() {
            ScratchDir dir = ScratchDir.create("proxy");
            ManagedProcess process = null;
            try {
                int port = FreePort.pick();
                Path config = dir.resolve("gatehouse-proxy.toml");
                Files.writeString(config, toml, StandardCharsets.UTF_8);
                List<String> command = ServerJvm.command(jvmArgs,
                        ServerJvm.defaultClasspath(), MAIN_CLASS);
                command.addAll(List.of("--config", config.toString(), "--listen", "127.0.0.1:" + port));
                int tlsPort = 0;
                if (certificate != null) {
                    tlsPort = FreePort.pick();
                    command.addAll(List.of("--set", "listen[1].address=127.0.0.1:" + tlsPort, "--set", "listen[1].tls=true",
                            "--set", "listen[1].certificate=" + certificate, "--set", "listen[1].private_key=" + privateKey));
                    for (String s : tlsSettings) {
                        command.addAll(List.of("--set", "listen[1]." + s));
                    }
                }
                command.addAll(args);
                process = ManagedProcess.start("Gatehouse proxy 127.0.0.1:" + port, command, dir.path(),
                        dir.resolve("proxy.log"), List.of(), Map.of(),
                        new ManagedProcess.StopPolicy("TERM", Duration.ofSeconds(10), Duration.ZERO));
                process.awaitConnectable(new InetSocketAddress("127.0.0.1", port), startTimeout);
                if (tlsPort != 0) {
                    process.awaitConnectable(new InetSocketAddress("127.0.0.1", tlsPort), startTimeout);
                }
                return new GatehouseProxy(dir, process, port, tlsPort);
            } catch (java.io.IOException e) {
                dir.close();
                throw new java.io.UncheckedIOException(e);
            } catch (RuntimeException e) {
                if (process != null) {
                    process.close();
                }
                dir.close();
                throw e;
            }
        }
    }
}
