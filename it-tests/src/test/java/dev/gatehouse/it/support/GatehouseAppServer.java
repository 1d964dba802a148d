package dev.gatehouse.it.support;

import java.io.File;
import java.net.URISyntaxException;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

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
 * unix:<dir>/app.sock --workers N [--app C | --jwsgi C:m] [--classpath ...] [args]}: the java of
 * this test JVM, and this test JVM's class path (which holds app-server, demo-app and their
 * dependencies through the it-tests test dependencies) less it-tests' own classes, so that the
 * tests' logback-test.xml does not configure the server's logging.
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

    /**
     * @return the class path a server JVM gets by default: this test JVM's, less it-tests' own
     *     test classes
     */
    public static String defaultClasspath() {
        return Builder.serverClasspath();
    }

    /**
     * The start of a command that runs a Gatehouse server JVM: this test's own JDK, native access
     * allowed (Netty loads its epoll library with System.loadLibrary; without the flag JDK 24+
     * prints a restricted-method warning into every server log), the JVM options, the class path
     * and the main class. The caller appends the server's own arguments.
     *
     * @param jvmArgs options for the JVM, e.g. {@code -Xmx64m}
     * @param classpath the JVM's class path, e.g. {@link #defaultClasspath()}
     * @param mainClass the server's main class
     * @return a new, modifiable list
     */
    public static List<String> jvmCommand(List<String> jvmArgs, String classpath, String mainClass) {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command()
                .orElseGet(() -> Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        command.add("--enable-native-access=ALL-UNNAMED");
        command.addAll(jvmArgs);
        command.add("-cp");
        command.add(classpath);
        command.add(mainClass);
        return command;
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
         * @param count {@code --workers} (default 1); 0 leaves it to the configuration, as an adaptive pool (workers_max) needs
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
         * Replaces the server JVM's own class path (default: {@link #defaultClasspath()}), e.g.
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
                command.addAll(jvmCommand(jvmArgs,
                        launcherClasspath != null ? launcherClasspath : serverClasspath(), mainClass));
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

        /** This JVM's class path less it-tests' own test classes. */
        static String serverClasspath() {
            String own = ownCodeSource();
            return Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                    .filter(entry -> !entry.isEmpty())
                    .filter(entry -> own == null || !Path.of(entry).toAbsolutePath().normalize().toString().equals(own))
                    .collect(Collectors.joining(File.pathSeparator));
        }

        private static String ownCodeSource() {
            try {
                var source = GatehouseAppServer.class.getProtectionDomain().getCodeSource();
                return source == null ? null : Path.of(source.getLocation().toURI()).toAbsolutePath().normalize().toString();
            } catch (URISyntaxException e) {
                return null;
            }
        }
    }
}
