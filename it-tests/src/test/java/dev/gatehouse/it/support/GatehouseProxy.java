package dev.gatehouse.it.support;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

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
public final class GatehouseProxy extends LoopbackServer {

    /** The proxy's main class. */
    public static final String MAIN_CLASS = "dev.gatehouse.proxy.ProxyMain";

    private final int tlsPort;

    private GatehouseProxy(Launch launch, int port, int tlsPort) {
        super(launch, port);
        this.tlsPort = tlsPort;
    }

    /** @return a builder */
    public static Builder builder() {
        return new Builder();
    }

    /** @return the TLS port on 127.0.0.1, when {@link Builder#tls} added a TLS listener */
    public int tlsPort() {
        if (tlsPort == 0) {
            throw new IllegalStateException("no TLS listener: start the proxy with builder().tls(certificate, key)");
        }
        return tlsPort;
    }

    /** Collects the config and JVM options, then starts the proxy. */
    public static final class Builder extends JvmServerBuilder<Builder> {
        private String toml = "";
        private Path certificate;
        private Path privateKey;
        private final List<String> tlsSettings = new ArrayList<>();

        private Builder() {
            super(MAIN_CLASS, Duration.ofSeconds(120));
        }

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
         * @param settings more top-level TOML lines, e.g. {@code client_max_body_size = "0"}
         * @return this
         */
        public Builder forwardingEverythingTo(String uwsgiPass, String... settings) {
            return toml("""
                    %s
                    access_log = "off"
                    [upstream.app]
                    servers = ["%s"]
                    [[location]]
                    path = "/"
                    upstream = "app"
                    """.formatted(String.join("\n", settings), uwsgiPass));
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
         * Starts the JVM and waits until its port (and its TLS port, if any) accepts.
         *
         * @return the running proxy
         * @throws IllegalStateException with the log tail if the JVM exits or times out
         */
        public GatehouseProxy start() {
            return launch("proxy", launch -> {
                int port = FreePort.pick();
                Path config = launch.write("gatehouse-proxy.toml", toml.getBytes(StandardCharsets.UTF_8));
                List<String> command = jvmCommand();
                command.addAll(List.of("--config", config.toString(), "--listen", "127.0.0.1:" + port));
                int tlsPort = certificate == null ? 0 : FreePort.pick();
                if (tlsPort != 0) {
                    command.addAll(tlsListener(tlsPort));
                }
                command.addAll(args(launch));
                ManagedProcess process = launch.start("Gatehouse proxy 127.0.0.1:" + port, command, "proxy.log",
                        ManagedProcess.StopPolicy.term(Duration.ofSeconds(10)));
                process.awaitConnectable(loopback(port), startTimeout());
                if (tlsPort != 0) {
                    process.awaitConnectable(loopback(tlsPort), startTimeout());
                }
                return new GatehouseProxy(launch, port, tlsPort);
            });
        }

        private List<String> tlsListener(int tlsPort) {
            List<String> flags = new ArrayList<>(List.of("--set", "listen[1].address=127.0.0.1:" + tlsPort,
                    "--set", "listen[1].tls=true", "--set", "listen[1].certificate=" + certificate,
                    "--set", "listen[1].private_key=" + privateKey));
            for (String setting : tlsSettings) {
                flags.addAll(List.of("--set", "listen[1]." + setting));
            }
            return flags;
        }
    }
}
