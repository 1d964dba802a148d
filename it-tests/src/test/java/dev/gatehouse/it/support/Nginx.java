package dev.gatehouse.it.support;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real nginx ({@code /usr/sbin/nginx}, Debian {@code nginx-light}) running from a private temp
 * directory on a free loopback port, in the foreground under the test.
 *
 * <pre>{@code
 * try (Nginx nginx = Nginx.builder()
 *         .server(Nginx.uwsgiLocation("/", uwsgi.uwsgiPass(), 8))
 *         .start()) {
 *     RawHttpResponse r = RawHttpClient.get(nginx.port(), "/hello");
 * }
 * }</pre>
 *
 * <p>The generated {@code nginx.conf} keeps everything nginx writes (pid, error and access logs,
 * every {@code *_temp_path}) inside the directory, so nothing touches {@code /var}; snippets may
 * say {@code @DIR@} for that directory and {@code @PORT@} for the listen port. {@link #close()}
 * sends QUIT (finish in-flight requests), TERM after 5 s, KILL after 2 s more.
 */
public final class Nginx extends LoopbackServer {

    private static final Logger log = LoggerFactory.getLogger(Nginx.class);

    /** Bind races with other processes are rare; a few fresh ports are plenty. */
    private static final int PORT_ATTEMPTS = 3;

    /** The temp paths the generated config keeps inside the directory. */
    private static final List<String> TEMP_DIRS =
            List.of("client_body_temp", "proxy_temp", "fastcgi_temp", "uwsgi_temp", "scgi_temp");

    private final String config;

    private Nginx(Launch launch, int port, String config) {
        super(launch, port);
        this.config = config;
    }

    /** @return a builder for an nginx with an empty server block */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * A {@code location} block that passes requests to a uwsgi backend the way the
     * reference deployments do: Debian's stock {@code uwsgi_params} and the given modifier1
     * (0 for WSGI-style apps, 8 for uWSGI's JWSGI).
     *
     * @param location the location prefix, e.g. {@code /}
     * @param uwsgiPass the upstream address, e.g. {@code unix:/tmp/x/uwsgi.sock}
     * @param modifier1 the uwsgi packet's modifier1
     * @return the block, for {@link Builder#server(String)}
     */
    public static String uwsgiLocation(String location, String uwsgiPass, int modifier1) {
        // An absolute include: a relative one resolves against the temp conf dir, where no
        // uwsgi_params exists.
        return """
                location %s {
                    include /etc/nginx/uwsgi_params;
                    uwsgi_modifier1 %d;
                    uwsgi_pass %s;
                }
                """.formatted(location, modifier1, uwsgiPass);
    }

    /** @return the generated nginx.conf text */
    public String config() {
        return config;
    }

    /** @return the error log so far (nginx's {@code error_log} at level {@code info}) */
    public String errorLog() {
        return ManagedProcess.read(dir().resolve("error.log"));
    }

    /** @return the access log so far (combined format) */
    public String accessLog() {
        return ManagedProcess.read(dir().resolve("access.log"));
    }

    /** Names the config file above the tails of nginx's stderr and error log. */
    @Override
    protected String heading() {
        return super.heading() + ", config " + dir().resolve("nginx.conf");
    }

    /** Collects config snippets and files, then starts nginx. */
    public static final class Builder extends ServerBuilder<Builder> {
        private final StringBuilder http = new StringBuilder();
        private final StringBuilder server = new StringBuilder();
        private int workerProcesses = 1;
        private String serverName = "localhost";
        private int workerConnections = 1024;

        private Builder() {
            super(Duration.ofSeconds(60));
        }

        /**
         * Adds text at {@code http} level (upstream blocks, extra server blocks, maps).
         *
         * @param snippet nginx config text; {@code @DIR@} and {@code @PORT@} are replaced
         * @return this
         */
        public Builder http(String snippet) {
            http.append(snippet).append('\n');
            return this;
        }

        /**
         * Adds text inside the default {@code server} block, after its {@code listen}
         * (locations, {@code root}, {@code client_max_body_size}, ...).
         *
         * @param snippet nginx config text; {@code @DIR@} and {@code @PORT@} are replaced
         * @return this
         */
        public Builder server(String snippet) {
            server.append(snippet).append('\n');
            return this;
        }

        /**
         * @param name the default server's {@code server_name} (default {@code localhost}); it is
         *     what nginx sends as {@code SERVER_NAME}, so a test replaying a capture sets the
         *     capture's name
         * @return this
         */
        public Builder serverName(String name) {
            this.serverName = name;
            return this;
        }

        /**
         * @param count nginx {@code worker_processes} (default 1)
         * @return this
         */
        public Builder workerProcesses(int count) {
            this.workerProcesses = count;
            return this;
        }

        /**
         * @param count nginx {@code worker_connections} (default 1024; a proxied request takes
         *     two)
         * @return this
         */
        public Builder workerConnections(int count) {
            this.workerConnections = count;
            return this;
        }

        /**
         * Writes the config and files, starts nginx and waits until its port accepts and its
         * workers are forked.
         *
         * @return the running nginx
         * @throws IllegalStateException with the error log if nginx fails to start
         */
        public Nginx start() {
            Path binary = PeerBinaries.nginx();
            for (int attempt = 1; ; attempt++) {
                try {
                    return launch("nginx", launch -> startIn(launch, binary));
                } catch (PortTaken e) {
                    if (attempt == PORT_ATTEMPTS) {
                        throw e.failure;
                    }
                    log.warn("port {} was taken before nginx bound it; trying another", e.port);
                }
            }
        }

        private Nginx startIn(Launch launch, Path binary) throws IOException {
            int port = FreePort.pick();
            for (String temp : TEMP_DIRS) {
                Files.createDirectories(launch.resolve(temp));
            }
            String config = render(launch.dir(), port);
            launch.write("nginx.conf", config.getBytes(StandardCharsets.UTF_8));
            // -e: errors found before the config's error_log is read (bad directive, bind
            // failure) also go to our file, not /var/log/nginx/error.log.
            List<String> command = new ArrayList<>(List.of(binary.toString(), "-p", launch.dir() + "/",
                    "-c", "nginx.conf", "-e", launch.resolve("error.log").toString()));
            command.addAll(args(launch));
            ManagedProcess process = launch.start("nginx 127.0.0.1:" + port, command, "nginx.stderr.log",
                    List.of("error.log"), Map.of(), new ManagedProcess.StopPolicy("QUIT", Duration.ofSeconds(5),
                            Duration.ofSeconds(2)));
            try {
                process.awaitConnectable(loopback(port), startTimeout());
                process.awaitChildren(workerProcesses, startTimeout());
            } catch (IllegalStateException e) {
                if (ManagedProcess.read(launch.resolve("error.log")).contains("Address already in use")) {
                    throw new PortTaken(port, e);
                }
                throw e;
            }
            return new Nginx(launch, port, config);
        }

        private String render(Path dir, int port) {
            String user = isRoot()
                    // As root, nginx workers would otherwise run as nobody/www-data and fail on
                    // sockets in the tests' temp dirs (reference/README.md, "Traps").
                    ? "user root;\n"
                    : "";
            String text = """
                    # Generated by dev.gatehouse.it.support.Nginx for one test run.
                    daemon off;
                    master_process on;
                    worker_processes %d;
                    %spid @DIR@/nginx.pid;
                    error_log @DIR@/error.log info;

                    events {
                        worker_connections %d;
                    }

                    http {
                        include /etc/nginx/mime.types;
                        default_type application/octet-stream;
                        access_log @DIR@/access.log;
                        client_body_temp_path @DIR@/client_body_temp;
                        proxy_temp_path @DIR@/proxy_temp;
                        fastcgi_temp_path @DIR@/fastcgi_temp;
                        uwsgi_temp_path @DIR@/uwsgi_temp;
                        scgi_temp_path @DIR@/scgi_temp;
                        sendfile on;

                    %s
                        server {
                            listen 127.0.0.1:@PORT@;
                            server_name %s;

                    %s
                        }
                    }
                    """.formatted(workerProcesses, user, workerConnections, indent(http, 4), serverName,
                            indent(server, 8));
            return text.replace("@DIR@", dir.toString()).replace("@PORT@", Integer.toString(port));
        }

        private static String indent(CharSequence snippet, int spaces) {
            String pad = " ".repeat(spaces);
            StringBuilder out = new StringBuilder();
            for (String line : snippet.toString().split("\n")) {
                out.append(line.isBlank() ? "" : pad + line).append('\n');
            }
            return out.toString();
        }

        private static boolean isRoot() {
            try {
                return Integer.valueOf(0).equals(Files.getAttribute(Path.of("/proc/self"), "unix:uid"));
            } catch (IOException | UnsupportedOperationException e) {
                return "root".equals(System.getProperty("user.name"));
            }
        }
    }

    /** A start that failed because another process bound the port first; the launch retries. */
    private static final class PortTaken extends RuntimeException {
        private final int port;
        private final IllegalStateException failure;

        PortTaken(int port, IllegalStateException failure) {
            super("port " + port + " taken before nginx bound it", failure);
            this.port = port;
            this.failure = failure;
        }
    }
}
