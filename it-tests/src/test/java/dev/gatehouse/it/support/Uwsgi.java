package dev.gatehouse.it.support;

import java.net.UnixDomainSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
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
 * rejects a 6 kB Cookie). {@link #close()} sends INT (the master kills its workers and exits),
 * TERM after 5 s, KILL after 2 s more.
 */
public final class Uwsgi extends UnixSocketServer {

    private static final Pattern JWSGI_TARGET = Pattern.compile("([\\w.$/]+)(?::(\\w+))?");

    private Uwsgi(Launch launch, Path socket) {
        super(launch, socket);
    }

    /** @return a builder for a uWSGI with no plugins and 1 process */
    public static Builder builder() {
        return new Builder();
    }

    /** Collects plugins, options and files, then starts uWSGI. */
    public static final class Builder extends ServerBuilder<Builder> {
        private final Set<String> plugins = new LinkedHashSet<>();
        private int processes = 1;
        private String readyLogLine;
        private boolean readyLinePerWorker;

        private Builder() {
            super(Duration.ofSeconds(120));
        }

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
         * Starts uWSGI and waits until its socket accepts, every worker is forked, and (for
         * JWSGI) every worker has loaded the class.
         *
         * @return the running uWSGI
         * @throws IllegalStateException with the log tail if uWSGI exits or times out
         */
        public Uwsgi start() {
            Path binary = PeerBinaries.uwsgi();
            return launch("uwsgi", launch -> {
                Path socket = launch.resolve("uwsgi.sock");
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
                command.addAll(args(launch));
                ManagedProcess process = launch.start("uWSGI unix:" + socket, command, "uwsgi.log",
                        new ManagedProcess.StopPolicy("INT", Duration.ofSeconds(5), Duration.ofSeconds(2)));
                process.awaitConnectable(UnixDomainSocketAddress.of(socket), startTimeout());
                process.awaitChildren(processes, startTimeout());
                if (readyLogLine != null) {
                    awaitReadyLines(process);
                }
                return new Uwsgi(launch, socket);
            });
        }

        private void awaitReadyLines(ManagedProcess process) {
            String line = readyLogLine;
            int times = readyLinePerWorker ? processes : 1;
            // uWSGI respawns a worker that dies (say, on NoClassDefFoundError) forever; the first
            // death during start-up is already the answer.
            process.awaitLog(times + " x '" + line + "'", text -> count(text, line) >= times,
                    text -> text.contains("DAMN ! worker") || text.contains("GAME OVER"), startTimeout());
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
