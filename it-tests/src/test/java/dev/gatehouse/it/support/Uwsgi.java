package dev.gatehouse.it.support;

import java.net.UnixDomainSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real uWSGI ({@code /usr/bin/uwsgi}, Debian {@code uwsgi-core} and plugins) with a master and
 * N worker processes on a unix socket in a private temp directory.
 *
 * <pre>{@code
 * try (Uwsgi uwsgi = Uwsgi.builder()
 *         .jwsgi(classesDir, "dev.gatehouse.demo.jwsgi.JwsgiShapes:application")
 *         .processes(2)
 *         .start()) {
 *     String upstream = uwsgi.uwsgiPass();   // "unix:/tmp/gatehouse-it-uwsgi-.../uwsgi.sock"
 * }
 * }</pre>
 *
 * <p>Always started with {@code --master --die-on-term} and stopped with INT: plain uWSGI 2.0
 * treats TERM as a brutal reload and would keep running (reference/README.md, "Traps").
 * {@code --buffer-size 65535} accepts the largest vars block nginx can send (the default 4096
 * rejects a 6 kB Cookie).
 */
public final class Uwsgi implements AutoCloseable {

    private static final Pattern JWSGI_TARGET = Pattern.compile("([\\w.$/]+)(?::(\\w+))?");

    private final ScratchDir dir;
    private final ManagedProcess process;
    private final Path socket;

    private Uwsgi(ScratchDir dir, ManagedProcess process, Path socket) {
        this.dir = dir;
        this.process = process;
        this.socket = socket;
    }

    /** @return a builder for a uWSGI with no plugins and 1 process */
    public static Builder builder() {
        return new Builder();
    }

    /** @return the unix socket uWSGI listens on */
    public Path socketPath() {
        return socket;
    }

    /** @return {@code unix:<socket>}, as nginx's {@code uwsgi_pass} wants it */
    public String uwsgiPass() {
        return "unix:" + socket;
    }

    /** @return the master's pid */
    public long pid() {
        return process.pid();
    }

    /** @return the temp directory holding the socket, log and any written files */
    public Path dir() {
        return dir.path();
    }

    /** @return uWSGI's log so far (startup, one line per request, app errors) */
    public String log() {
        return process.log();
    }

    /** @return the log tail, for failure messages */
    public String diagnostics() {
        return "uWSGI on " + uwsgiPass() + "\n" + process.diagnostics();
    }

    /** Stops uWSGI (INT: master kills workers and exits; TERM after 5 s; KILL after 2 s more). */
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
        return "uWSGI " + uwsgiPass() + " (pid " + pid() + ")";
    }

    /** Collects plugins, options and files, then starts uWSGI. */
    public static final class Builder {
        private final Set<String> plugins = new LinkedHashSet<>();
        private final List<String> args = new ArrayList<>();
        private final Map<String, byte[]> files = new LinkedHashMap<>();
        private int processes = 1;
        private String readyLogLine;
        private boolean readyLinePerWorker;
        private Duration startTimeout = Duration.ofSeconds(120);

        private Builder() {}

        /**
         * @param names plugins for {@code --plugins}, e.g. {@code python3}; each is checked to be
         *     installed
         * @return this
         */
        public Builder plugins(String... names) {
            for (String name : names) {
                PeerBinaries.uwsgiPlugin(name);
                plugins.add(name);
            }
            return this;
        }

        /**
         * @param count {@code --processes} (default 1)
         * @return this
         */
        public Builder processes(int count) {
            this.processes = count;
            return this;
        }

        /**
         * Adds command-line options; {@code @DIR@} in them is replaced by the temp directory.
         *
         * @param options e.g. {@code "--wsgi-file", "@DIR@/app.py"}
         * @return this
         */
        public Builder args(String... options) {
            args.addAll(List.of(options));
            return this;
        }

        /**
         * Writes a file (an app module, say) into the temp directory before start.
         *
         * @param relativePath a path inside the directory
         * @param content written as UTF-8
         * @return this
         */
        public Builder file(String relativePath, String content) {
            files.put(relativePath, content.getBytes(StandardCharsets.UTF_8));
            return this;
        }

        /**
         * Runs a Python WSGI module with the {@code python3} plugin; {@code --need-app} makes a
         * module that fails to import stop uWSGI at once instead of serving 500s.
         *
         * @param fileName the module's name inside the temp dir, e.g. {@code app.py}
         * @param source the module's source, defining {@code application(environ, start_response)}
         * @return this
         */
        public Builder wsgi(String fileName, String source) {
            plugins("python3");
            file(fileName, source);
            // Without --lazy-apps the master imports the app once, after binding the socket: a
            // socket that accepts does not yet mean the app loaded.
            readyLogLine = "WSGI app 0 (mountpoint='') ready";
            readyLinePerWorker = false;
            return args("--wsgi-file", "@DIR@/" + fileName, "--need-app");
        }

        /**
         * Runs a JWSGI class with the {@code jvm} and {@code jwsgi} plugins, and waits at start
         * until every worker's JVM has loaded it.
         *
         * @param classpath a jar or class directory holding the class
         * @param target {@code Class:method} (method defaults to {@code application}); dots in the
         *     class name are turned into the slashes uWSGI needs
         * @return this
         */
        public Builder jwsgi(Path classpath, String target) {
            Matcher m = JWSGI_TARGET.matcher(target);
            if (!m.matches()) {
                throw new IllegalArgumentException("JWSGI target " + target + " is not Class[:method]");
            }
            // uWSGI looks the class up with JNI FindClass, which wants pkg/Cls; pkg.Cls gives
            // NoClassDefFoundError and a worker that exits.
            String jniTarget = m.group(1).replace('.', '/') + ":" + (m.group(2) == null ? "application" : m.group(2));
            plugins("jvm", "jwsgi");
            args("--jvm-classpath", PeerBinaries.uwsgiJar().toString(),
                    "--jvm-classpath", classpath.toString(),
                    "--jwsgi", jniTarget);
            // Each worker creates its JVM after fork and logs this once the class is found.
            readyLogLine = "JWSGI app \"" + jniTarget + "\" loaded";
            readyLinePerWorker = true;
            return this;
        }

        /**
         * @param timeout how long start-up may take (default 30 s; each JWSGI worker starts a JVM)
         * @return this
         */
        public Builder startTimeout(Duration timeout) {
            this.startTimeout = timeout;
            return this;
        }

        /**
         * Starts uWSGI and waits until its socket accepts, every worker is forked, and (for
         * JWSGI) every worker has loaded the class.
         *
         * @return the running uWSGI
         * @throws IllegalStateException with the log tail if uWSGI exits or times out
         */
        public Uwsgi start() {
            Path binary = PeerBinaries.uwsgi();
            ScratchDir dir = ScratchDir.create("uwsgi");
            ManagedProcess process = null;
            try {
                files.forEach(dir::write);
                Path socket = dir.resolve("uwsgi.sock");
                List<String> command = new ArrayList<>();
                command.add(binary.toString());
                // --strict: a mistyped option fails the start instead of being ignored.
                command.add("--strict");
                if (!plugins.isEmpty()) {
                    command.add("--plugins");
                    command.add(String.join(",", plugins));
                }
                command.addAll(List.of(
                        "--socket", socket.toString(),
                        "--chmod-socket=666",
                        "--master",
                        "--processes", Integer.toString(processes),
                        "--die-on-term",
                        "--buffer-size", "65535"));
                for (String arg : args) {
                    command.add(arg.replace("@DIR@", dir.path().toString()));
                }
                process = ManagedProcess.start("uWSGI unix:" + socket, command, dir.path(), dir.resolve("uwsgi.log"),
                        List.of(), Map.of(), new ManagedProcess.StopPolicy("INT", Duration.ofSeconds(5),
                                Duration.ofSeconds(2)));
                process.awaitConnectable(UnixDomainSocketAddress.of(socket), startTimeout);
                process.awaitChildren(processes, startTimeout);
                if (readyLogLine != null) {
                    String line = readyLogLine;
                    int times = readyLinePerWorker ? processes : 1;
                    // uWSGI respawns a worker that dies (say, on NoClassDefFoundError) forever;
                    // the first death during start-up is already the answer.
                    process.awaitLog(times + " x '" + line + "'", text -> count(text, line) >= times,
                            text -> text.contains("DAMN ! worker") || text.contains("GAME OVER"), startTimeout);
                }
                return new Uwsgi(dir, process, socket);
            } catch (RuntimeException e) {
                if (process != null) {
                    process.close();
                }
                dir.close();
                throw e;
            }
        }

        private static int count(String text, String needle) {
            int n = 0;
            for (int i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + needle.length())) {
                n++;
            }
            return n;
        }
    }
}
