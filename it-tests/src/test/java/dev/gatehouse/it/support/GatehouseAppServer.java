package dev.gatehouse.it.support;

import java.net.UnixDomainSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The Gatehouse app-server as a child JVM, on a unix socket in a private temp directory.
 *
 * <pre>{@code
 * try (GatehouseAppServer server = GatehouseAppServer.builder()
 *         .jwsgi("dev.gatehouse.demo.jwsgi.JwsgiShapes:application")
 *         .workers(2)
 *         .start()) {
 *     String upstream = server.uwsgiPass();
 * }
 * }</pre>
 *
 * <p>The command is {@code <java> -cp <classpath> dev.gatehouse.appserver.AppServerMain --bind
 * unix:<dir>/app.sock --workers N [--app C | --jwsgi C:m] [--classpath ...] [args]}, the JVM as
 * {@link ServerJvm} starts it. {@link #close()} sends TERM (graceful stop), KILL after the stop
 * timeout, and kills any leftover worker.
 */
public final class GatehouseAppServer extends UnixSocketServer {

    /** The app-server's command-line entry point. */
    public static final String MAIN_CLASS = "dev.gatehouse.appserver.AppServerMain";

    private static final Pattern WEB_APP_DEPLOYED =
            Pattern.compile("worker \\d+ \\(pid \\d+, generation \\d+\\) ready, running web app");

    private GatehouseAppServer(Launch launch, Path socket) {
        super(launch, socket);
    }

    /** @return a builder for an app-server with 1 worker and no app chosen yet */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Waits until {@code count} workers have logged that they are ready running a web app
     * (a WAR deploys after the socket accepts), failing at once if the server exits.
     *
     * @param count how many workers
     * @param timeout the bound
     */
    public void awaitWebAppDeployed(int count, Duration timeout) {
        awaitLog(count + " worker(s) deploying the web app",
                text -> text.lines().filter(l -> WEB_APP_DEPLOYED.matcher(l).find()).count() >= count, timeout);
    }

    /** Collects the app, worker count and options, then starts the server. */
    public static final class Builder extends JvmServerBuilder<Builder> {
        private int workers = 1;
        private String app;
        private String jwsgi;
        private String classpath;
        private Duration stopTimeout = Duration.ofSeconds(10);
        private final List<String> commandPrefix = new ArrayList<>();
        private final Map<String, String> environment = new LinkedHashMap<>();

        private Builder() {
            super(MAIN_CLASS, Duration.ofSeconds(120));
        }

        /**
         * Runs the server's JVM through a wrapper that execs it (socket activation, say);
         * {@code @DIR@} in it is replaced by the server's scratch directory.
         *
         * @param prefix the wrapper's command line, ending where the JVM's begins
         * @return this
         */
        public Builder commandPrefix(List<String> prefix) {
            commandPrefix.addAll(prefix);
            return this;
        }

        /**
         * @param name a variable added to the server's environment (e.g. {@code NOTIFY_SOCKET})
         * @param value its value
         * @return this
         */
        public Builder environment(String name, String value) {
            environment.put(name, value);
            return this;
        }

        /**
         * @param count {@code --workers} (default 1); 0 leaves it to the configuration, as an adaptive
         *     pool (workers_max) needs
         * @return this
         */
        public Builder workers(int count) {
            this.workers = count;
            return this;
        }

        /**
         * @param className {@code --app}: a native {@code Application} class
         * @return this
         */
        public Builder app(String className) {
            this.app = className;
            return this;
        }

        /**
         * @param target {@code --jwsgi Class:method}, class in dotted form
         * @return this
         */
        public Builder jwsgi(String target) {
            this.jwsgi = target;
            return this;
        }

        /**
         * @param entries {@code --classpath}: jars and class directories for the app,
         *     {@code :}-separated
         * @return this
         */
        public Builder classpath(String entries) {
            this.classpath = entries;
            return this;
        }

        /**
         * @param timeout how long a TERM may take before KILL (default 10 s)
         * @return this
         */
        public Builder stopTimeout(Duration timeout) {
            this.stopTimeout = timeout;
            return this;
        }

        /**
         * Starts the JVM and waits until the socket accepts.
         *
         * @return the running server
         * @throws IllegalStateException with the log tail if the JVM exits or times out
         */
        public GatehouseAppServer start() {
            return start(true);
        }

        /**
         * Starts the JVM without waiting for its socket, for tests of servers that are meant to
         * stop at start-up (an app that cannot be loaded, say).
         *
         * @return the launched server, which may already be exiting
         */
        public GatehouseAppServer launch() {
            return start(false);
        }

        private GatehouseAppServer start(boolean awaitSocket) {
            return launch("appserver", launch -> {
                Path socket = launch.resolve("app.sock");
                List<String> command = new ArrayList<>(launch.expand(commandPrefix));
                command.addAll(jvmCommand());
                command.addAll(List.of("--bind", "unix:" + socket));
                if (workers > 0) {
                    command.addAll(List.of("--workers", Integer.toString(workers)));
                }
                if (app != null) {
                    command.addAll(List.of("--app", app));
                }
                if (jwsgi != null) {
                    command.addAll(List.of("--jwsgi", jwsgi));
                }
                if (classpath != null) {
                    command.addAll(List.of("--classpath", classpath));
                }
                command.addAll(args(launch));
                ManagedProcess process = launch.start("Gatehouse app-server unix:" + socket, command,
                        "app-server.log", List.of(), environment, ManagedProcess.StopPolicy.term(stopTimeout));
                if (awaitSocket) {
                    process.awaitConnectable(UnixDomainSocketAddress.of(socket), startTimeout());
                }
                return new GatehouseAppServer(launch, socket);
            });
        }
    }
}
