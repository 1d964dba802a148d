package dev.gatehouse.it.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.function.Predicate;

/**
 * A peer server under test, one process in a scratch directory of its own: what every fixture
 * (nginx, uWSGI, the Gatehouse proxy and app-server, the reference Jetty) has once it runs, its
 * pid, its log, awaiting a line in it, its diagnostics, and {@link #close()}, which stops the
 * process by its {@link ManagedProcess.StopPolicy} and then deletes the directory. A subclass
 * says only what its peer has of its own: its address, its other logs, its readiness check.
 *
 * <p>A fixture is started in a {@link Launch}, which undoes itself when a step fails, so that a
 * start that throws leaves no process and no directory behind.
 */
public abstract class ManagedServer implements AutoCloseable {

    private final ScratchDir dir;
    private final ManagedProcess process;

    /**
     * @param launch the launch the server was started in, its process running and ready
     * @throws IllegalStateException if the launch has not started a process
     */
    protected ManagedServer(Launch launch) {
        this.dir = launch.dir;
        this.process = launch.process();
    }

    /** @return the pid of the launched process (nginx's, uWSGI's or the app-server's master) */
    public long pid() {
        return process.pid();
    }

    /** @return the launched process, to send signals or inspect its children */
    public ProcessHandle handle() {
        return process.handle();
    }

    /** @return the scratch directory holding the server's config, sockets and logs */
    public Path dir() {
        return dir.path();
    }

    /** @return the server's stdout and stderr so far */
    public String log() {
        return process.log();
    }

    /**
     * Waits until the server's stdout/stderr log satisfies {@code condition}.
     *
     * @param what the awaited condition in words, for the error message
     * @param condition tested against the whole log text
     * @param timeout the bound
     * @throws IllegalStateException with the log tail if the server exits or the bound passes
     */
    public void awaitLog(String what, Predicate<String> condition, Duration timeout) {
        process.awaitLog(what, condition, timeout);
    }

    /**
     * Waits for the server to exit by itself, e.g. after a signal the test sent.
     *
     * @param bound how long to wait
     * @return its exit status, or empty if it is still running after {@code bound}
     */
    public OptionalInt waitForExit(Duration bound) {
        return process.waitForExit(bound);
    }

    /** @return what the server is, and the tails of its logs, for failure messages */
    public String diagnostics() {
        return heading() + "\n" + process.diagnostics();
    }

    /** @return the first line of {@link #diagnostics()}; by default the process's name */
    protected String heading() {
        return process.name();
    }

    /** @return the process, for a subclass's own waits */
    protected final ManagedProcess process() {
        return process;
    }

    /** Stops the server by its stop policy (and kills whatever it forked), then deletes its directory. */
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
        return process.toString();
    }

    /**
     * The steps of one start, run in a {@link Launch}: write the config, start the process, wait
     * until it is ready, and make the fixture.
     *
     * @param <S> the fixture's type
     */
    @FunctionalInterface
    public interface Steps<S> {
        /**
         * @param launch the launch to start the process in
         * @return the started fixture
         * @throws IOException if a file cannot be written; the launch is undone
         */
        S run(Launch launch) throws IOException;
    }

    /**
     * One start in progress: a fresh scratch directory, and once started, the process running in
     * it. When a step fails, the process is stopped and the directory deleted before the failure
     * goes on to the test.
     */
    public static final class Launch {

        private final ScratchDir dir;
        private ManagedProcess process;

        private Launch(ScratchDir dir) {
            this.dir = dir;
        }

        /**
         * Runs {@code steps} in a new scratch directory, undoing the launch if they throw.
         *
         * @param prefix a short name for the server, in the directory's name
         * @param steps the start
         * @param <S> the fixture's type
         * @return what {@code steps} made
         * @throws UncheckedIOException if a step cannot write a file
         */
        public static <S> S in(String prefix, Steps<S> steps) {
            Launch launch = new Launch(ScratchDir.create(prefix));
            try {
                return steps.run(launch);
            } catch (IOException e) {
                launch.abandon();
                throw new UncheckedIOException("cannot start " + prefix + " in " + launch.dir, e);
            } catch (RuntimeException | Error e) {
                launch.abandon();
                throw e;
            }
        }

        /** @return the scratch directory */
        public Path dir() {
            return dir.path();
        }

        /**
         * @param name a relative path
         * @return its absolute path inside the scratch directory
         */
        public Path resolve(String name) {
            return dir.resolve(name);
        }

        /**
         * Writes a file into the scratch directory, creating parent directories.
         *
         * @param name a relative path
         * @param content the bytes
         * @return the absolute path of the file
         */
        public Path write(String name, byte[] content) {
            return dir.write(name, content);
        }

        /**
         * @param parts command-line parts in which {@code @DIR@} stands for the scratch directory
         * @return the parts with {@code @DIR@} replaced, in a new list
         */
        public List<String> expand(List<String> parts) {
            return parts.stream().map(part -> part.replace("@DIR@", dir.path().toString())).toList();
        }

        /**
         * Starts the server's process in the scratch directory, with no other logs and the
         * inherited environment.
         *
         * @see #start(String, List, String, List, Map, ManagedProcess.StopPolicy)
         */
        public ManagedProcess start(String name, List<String> command, String logName,
                ManagedProcess.StopPolicy stopPolicy) {
            return start(name, command, logName, List.of(), Map.of(), stopPolicy);
        }

        /**
         * Starts the server's process in the scratch directory. Once per launch.
         *
         * @param name what the server is, for messages (e.g. {@code "nginx 127.0.0.1:8123"})
         * @param command the command line
         * @param logName the file in the directory that receives stdout and stderr
         * @param extraLogNames other files in the directory the server writes (nginx's
         *     error_log, say), shown in diagnostics
         * @param environment variables added to the inherited environment
         * @param stopPolicy how the server is stopped
         * @return the running process
         * @throws IllegalStateException if this launch has already started one
         */
        public ManagedProcess start(String name, List<String> command, String logName, List<String> extraLogNames,
                Map<String, String> environment, ManagedProcess.StopPolicy stopPolicy) {
            if (process != null) {
                throw new IllegalStateException("launch in " + dir + " already started " + process
                        + "; cannot also start " + name);
            }
            process = ManagedProcess.start(name, command, dir.path(), dir.resolve(logName),
                    extraLogNames.stream().map(dir::resolve).toList(), environment, stopPolicy);
            return process;
        }

        private ManagedProcess process() {
            if (process == null) {
                throw new IllegalStateException("launch in " + dir + " has started no process");
            }
            return process;
        }

        private void abandon() {
            try {
                if (process != null) {
                    process.close();
                }
            } finally {
                dir.close();
            }
        }
    }
}
