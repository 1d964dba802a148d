package dev.gatehouse.it.support;

import java.net.UnixDomainSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

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
 * {@link ServerJvm} starts it.
 */
public final class GatehouseAppServer implements AutoCloseable {

    /** The app-server's command-line entry point. */
    public static final String MAIN_CLASS = "dev.gatehouse.appserver.AppServerMain";

    private final ScratchDir dir;
    private final ManagedProcess process;
    private final Path socket;

    private GatehouseAppServer(ScratchDir dir, ManagedProcess process, Path socket) {
        this.dir = dir;
        this.process = process;
        this.socket = socket;
    }

    /** @return a builder for an app-server with 1 worker and no app chosen yet */
    public static Builder builder() {
        return new Builder();
    }

    /** @return the unix socket the app-server listens on */
    public Path socketPath() {
        return socket;
    }

    /** @return {@code unix:<socket>}, as nginx's {@code uwsgi_pass} wants it */
    public String uwsgiPass() {
        return "unix:" + socket;
    }

    /** @return the pid of the launched JVM (the master once it exists) */
    public long pid() {
        return process.pid();
    }

    /** @return the underlying process, to send signals or inspect children */
    public ProcessHandle handle() {
        return process.handle();
    }

    /** @return the temp directory holding the socket and log */
    public Path dir() {
        return dir.path();
    }

    /**
     * Waits for the app-server to exit by itself, e.g. after a signal the test sent.
     *
     * @param bound how long to wait
     * @return its exit status, or empty if it is still running after {@code bound}
     */
    public java.util.OptionalInt waitForExit(Duration bound) {
        return process.waitForExit(bound);
    }

    /**
     * Waits until {@code count} workers have logged that they are ready running a web app
     * (a WAR deploys after the socket accepts), failing at once if the server exits.
     *
     * @param count how many workers
     * @param timeout the bound
     */
    public void awaitWebAppDeployed(int count, Duration timeout) {
        java.util.regex.Pattern deployed = java.util.regex.Pattern.compile(
                "worker \\d+ \\(pid \\d+, generation \\d+\\) ready, running web app");
        process.awaitLog(count + " worker(s) deploying the web app",
                text -> text.lines().filter(l -> deployed.matcher(l).find()).count() >= count, timeout);
    }

    /** @return the server's stdout/stderr so far */
    public String log() {
        return process.log();
    }

    /** @return the log tail, for failure messages */
    public String diagnostics() {
        return "Gatehouse app-server on " + uwsgiPass() + "\n" + process.diagnostics();
    }

    /** Stops the server: TERM (graceful stop), KILL after 10 s, and kills any leftover worker. */
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
        return "Gatehouse app-server " + uwsgiPass() + " (pid " + pid() + ")";
    }

    /** Collects the app, worker count and options, then starts the server. */
    public static final class Builder {
        private final List<String> args = new ArrayList<>();
        private final List<String> jvmArgs = new ArrayList<>();
        private int workers = 1;
        private String app;
        private String jwsgi;
        private String classpath;
        private String mainClass = MAIN_CLASS;
        private String launcherClasspath;
        private Duration startTimeout = Duration.ofSeconds(120);
        private Duration stopTimeout = Duration.ofSeconds(10);
        private final List<String> commandPrefix = new ArrayList<>();
        private final Map<String, String> environment = new java.util.LinkedHashMap<>();

        private Builder() {}

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
         * @param count {@code --workers} (default 1)
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
         * Adds server options after the standard ones; {@code @DIR@} is replaced by the temp dir.
         *
         * @param options e.g. {@code "--max-concurrency", "4"}
         * @return this
         */
        public Builder args(String... options) {
            args.addAll(List.of(options));
            return this;
        }

        /**
         * @param options options for the launched JVM, e.g. {@code -Xmx256m}
         * @return this
         */
        public Builder jvmArgs(String... options) {
            jvmArgs.addAll(List.of(options));
            return this;
        }

        /**
         * @param timeout how long the socket may take to accept (default 30 s)
         * @return this
         */
        public Builder startTimeout(Duration timeout) {
            this.startTimeout = timeout;
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
         * Replaces the server JVM's own class path (default: {@link ServerJvm#defaultClasspath()}), e.g.
         * with the same classes as jars, as a deployment has them.
         *
         * @param entries {@code :}-separated jars and class directories holding the app-server
         * @return this
         */
        public Builder launcherClasspath(String entries) {
            this.launcherClasspath = entries;
            return this;
        }

        /** Replaces the main class; for the fixture's own tests of start-up failures. */
        Builder mainClass(String className) {
            this.mainClass = className;
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
            ScratchDir dir = ScratchDir.create("appserver");
            ManagedProcess process = null;
            try {
                Path socket = dir.resolve("app.sock");
                List<String> command = new ArrayList<>();
                for (String part : commandPrefix) {
                    command.add(part.replace("@DIR@", dir.path().toString()));
                }
                command.addAll(ServerJvm.command(jvmArgs,
                        launcherClasspath != null ? launcherClasspath : ServerJvm.defaultClasspath(), mainClass));
                command.addAll(List.of("--bind", "unix:" + socket, "--workers", Integer.toString(workers)));
                if (app != null) {
                    command.addAll(List.of("--app", app));
                }
                if (jwsgi != null) {
                    command.addAll(List.of("--jwsgi", jwsgi));
                }
                if (classpath != null) {
                    command.addAll(List.of("--classpath", classpath));
                }
                for (String arg : args) {
                    command.add(arg.replace("@DIR@", dir.path().toString()));
                }
                process = ManagedProcess.start("Gatehouse app-server unix:" + socket, command, dir.path(),
                        dir.resolve("app-server.log"), List.of(), environment,
                        new ManagedProcess.StopPolicy("TERM", stopTimeout, Duration.ZERO));
                if (awaitSocket) {
                    process.awaitConnectable(UnixDomainSocketAddress.of(socket), startTimeout);
                }
                return new GatehouseAppServer(dir, process, socket);
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
