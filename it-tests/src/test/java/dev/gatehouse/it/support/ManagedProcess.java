package dev.gatehouse.it.support;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One real child process under test: started with its output in a log file, awaited until it
 * serves, and always stopped (graceful signal, then TERM, then KILL, each after a bound), with
 * any process it forked killed too.
 *
 * <p>A JVM shutdown hook kills the process if the test JVM exits without closing it, so that an
 * aborted run leaves no nginx or uWSGI behind holding ports and sockets.
 */
public final class ManagedProcess implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ManagedProcess.class);

    /** How much of each log goes into an error message. */
    private static final int TAIL_LINES = 40;

    private static final Duration POLL = Duration.ofMillis(25);

    /** How long the children of a stopped process get to exit by themselves. */
    private static final Duration CHILD_EXIT = Duration.ofSeconds(3);

    /**
     * How a process is stopped.
     *
     * @param signal the graceful stop signal (nginx QUIT, uWSGI INT, app-server TERM)
     * @param graceful how long to wait after it before TERM
     * @param term how long to wait after TERM before KILL
     */
    public record StopPolicy(String signal, Duration graceful, Duration term) {

        /**
         * The stop of a JVM server, whose graceful stop is TERM itself.
         *
         * @param graceful how long to wait after TERM before KILL
         * @return TERM, then KILL after {@code graceful}
         */
        public static StopPolicy term(Duration graceful) {
            return new StopPolicy("TERM", graceful, Duration.ZERO);
        }
    }

    private final String name;
    private final List<String> command;
    private final Process process;
    private final Path logFile;
    private final List<Path> extraLogs;
    private final StopPolicy stopPolicy;
    private final Thread shutdownHook;
    private final long startNanos = System.nanoTime();
    private volatile boolean closed;

    private ManagedProcess(String name, List<String> command, Process process, Path logFile,
            List<Path> extraLogs, StopPolicy stopPolicy) {
        this.name = name;
        this.command = command;
        this.process = process;
        this.logFile = logFile;
        this.extraLogs = extraLogs;
        this.stopPolicy = stopPolicy;
        this.shutdownHook = new Thread(this::killTree, "kill " + name);
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /**
     * Starts a process with stdout and stderr appended to {@code logFile}.
     *
     * @param name what the process is, for messages (e.g. {@code "nginx :8123"})
     * @param command the command line
     * @param workDir the working directory
     * @param logFile where stdout and stderr go
     * @param extraLogs other files the process writes (e.g. nginx's error_log), shown in
     *     diagnostics
     * @param environment variables to add to the inherited environment
     * @param stopPolicy how {@link #close()} stops it
     * @return the running process
     */
    public static ManagedProcess start(String name, List<String> command, Path workDir, Path logFile,
            List<Path> extraLogs, Map<String, String> environment, StopPolicy stopPolicy) {
        // HUP, INT and TERM at their default action, as bin/gatehouse starts the servers: a build
        // run under nohup (or as a background job, which ignores INT) would otherwise pass the
        // ignored signal on, and a JVM never delivers a signal it started with ignored. env execs
        // the command, so the pid stays the server's.
        List<String> launched = new ArrayList<>(List.of("env", "--default-signal=HUP,INT,TERM"));
        launched.addAll(command);
        ProcessBuilder builder = new ProcessBuilder(launched)
                .directory(workDir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
        builder.environment().putAll(environment);
        try {
            Process process = builder.start();
            log.info("started {} (pid {}): {}", name, process.pid(), String.join(" ", command));
            return new ManagedProcess(name, List.copyOf(command), process, logFile, List.copyOf(extraLogs),
                    stopPolicy);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + name + ": " + String.join(" ", command), e);
        }
    }

    /** @return the process id */
    public long pid() {
        return process.pid();
    }

    /** @return what this process is, as given at start */
    public String name() {
        return name;
    }

    /** @return the underlying process handle */
    public ProcessHandle handle() {
        return process.toHandle();
    }

    /** @return whether the process is still running */
    public boolean isAlive() {
        return process.isAlive();
    }

    /**
     * Waits for the process to exit by itself (no signal is sent).
     *
     * @param bound how long to wait
     * @return its exit status, or empty if it is still running after {@code bound}
     */
    public java.util.OptionalInt waitForExit(Duration bound) {
        return waitFor(bound) ? java.util.OptionalInt.of(process.exitValue()) : java.util.OptionalInt.empty();
    }

    /** @return the file that receives stdout and stderr */
    public Path logFile() {
        return logFile;
    }

    /** @return the whole stdout/stderr log so far (UTF-8, malformed bytes replaced) */
    public String log() {
        return read(logFile);
    }

    /**
     * Waits until a connection to {@code address} succeeds (TCP or unix socket).
     *
     * @param address an {@link InetSocketAddress} or {@link UnixDomainSocketAddress}
     * @param timeout the bound
     * @throws IllegalStateException with the log tail if the process exits or the bound passes
     */
    public void awaitConnectable(SocketAddress address, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        IOException last = null;
        while (true) {
            failIfDead("while waiting for " + describe(address) + " to accept");
            try {
                connectOnce(address);
                log.info("{} accepts on {} after {} ms", name, describe(address),
                        Duration.ofNanos(System.nanoTime() - startNanos).toMillis());
                return;
            } catch (IOException e) {
                last = e;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(name + " (pid " + pid() + ") did not accept on "
                        + describe(address) + " within " + timeout + " (last error: " + last + ")\n"
                        + diagnostics());
            }
            sleep(POLL);
        }
    }

    /**
     * Waits until the process has at least {@code count} live children. A preforking master
     * (nginx, uWSGI) binds and listens before it forks, so a port that accepts does not yet mean
     * its workers exist.
     *
     * @param count the number of children to wait for
     * @param timeout the bound
     * @throws IllegalStateException with the log tail if the process exits or the bound passes
     */
    public void awaitChildren(int count, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (process.children().filter(ProcessHandle::isAlive).count() < count) {
            failIfDead("while waiting for " + count + " child processes");
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(name + " (pid " + pid() + ") did not fork " + count
                        + " child processes within " + timeout + "\n" + diagnostics());
            }
            sleep(POLL);
        }
    }

    /**
     * Waits until the stdout/stderr log satisfies {@code condition}, e.g. has N "app loaded"
     * lines.
     *
     * @param what the awaited condition in words, for the error message
     * @param condition tested against the whole log text
     * @param timeout the bound
     * @throws IllegalStateException with the log tail if the process exits or the bound passes
     */
    public void awaitLog(String what, Predicate<String> condition, Duration timeout) {
        awaitLog(what, condition, text -> false, timeout);
    }

    /**
     * Waits until the stdout/stderr log satisfies {@code condition}, failing at once when it
     * satisfies {@code failure} (a worker that died during start-up, say) rather than at the bound.
     *
     * @param what the awaited condition in words, for the error message
     * @param condition tested against the whole log text
     * @param failure tested against the whole log text; true means start-up has failed
     * @param timeout the bound
     * @throws IllegalStateException with the log tail on failure, exit or timeout
     */
    public void awaitLog(String what, Predicate<String> condition, Predicate<String> failure, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            String text = log();
            if (condition.test(text)) {
                return;
            }
            if (failure.test(text)) {
                throw new IllegalStateException(name + " (pid " + pid() + ") failed while waiting for " + what
                        + "\ncommand: " + String.join(" ", command) + "\n" + diagnostics());
            }
            failIfDead("while waiting for " + what);
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(name + " (pid " + pid() + "): no " + what + " within "
                        + timeout + "\n" + diagnostics());
            }
            sleep(POLL);
        }
    }

    /**
     * Throws with the log tail if the process has exited.
     *
     * @param doing what the caller was doing, for the message
     */
    public void failIfDead(String doing) {
        if (!process.isAlive()) {
            throw new IllegalStateException(name + " (pid " + pid() + ") exited with status "
                    + process.exitValue() + " " + doing + "\ncommand: " + String.join(" ", command)
                    + "\n" + diagnostics());
        }
    }

    /** @return the last lines of every log of this process, labelled, for error messages */
    public String diagnostics() {
        StringBuilder out = new StringBuilder();
        List<Path> logs = new ArrayList<>();
        logs.add(logFile);
        logs.addAll(extraLogs);
        for (Path file : logs) {
            out.append("--- last ").append(TAIL_LINES).append(" lines of ").append(file).append(" ---\n")
                    .append(tail(file, TAIL_LINES));
        }
        return out.toString();
    }

    /**
     * Stops the process: the graceful signal, TERM after {@link StopPolicy#graceful()}, KILL after
     * {@link StopPolicy#term()}; then kills whatever it forked that is still alive. Idempotent.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            // Taken before stopping: once the parent is gone its children are re-parented and
            // no longer show up as its descendants.
            List<ProcessHandle> children = process.descendants().toList();
            String how = stop();
            reap(children);
            log.info("stopped {} (pid {}) {}, exit status {}", name, pid(), how, process.exitValue());
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(shutdownHook);
            } catch (IllegalStateException alreadyShuttingDown) {
                // The hook runs anyway; nothing to undo.
            }
        }
    }

    private String stop() {
        if (!process.isAlive()) {
            return "(had already exited)";
        }
        if (!"TERM".equals(stopPolicy.signal())) {
            UnixSignal.send(pid(), stopPolicy.signal());
            if (waitFor(stopPolicy.graceful())) {
                return "by " + stopPolicy.signal();
            }
            log.warn("{} (pid {}) still running {} after {}; sending TERM", name, pid(),
                    stopPolicy.graceful(), stopPolicy.signal());
            process.destroy();
            if (waitFor(stopPolicy.term())) {
                return "by TERM after " + stopPolicy.signal() + " timed out";
            }
        } else {
            process.destroy();
            if (waitFor(stopPolicy.graceful())) {
                return "by TERM";
            }
        }
        log.warn("{} (pid {}) ignored {}; killing it\n{}", name, pid(), stopPolicy.signal(), diagnostics());
        killTree();
        waitFor(Duration.ofSeconds(10));
        return "by KILL";
    }

    /**
     * Waits for the children of a stopped parent to exit, killing those that do not. A master
     * (uWSGI's, say) may exit while its workers are still finishing their own shutdown.
     */
    private void reap(List<ProcessHandle> children) {
        long deadline = System.nanoTime() + CHILD_EXIT.toNanos();
        for (ProcessHandle child : children) {
            long left = Math.max(0, deadline - System.nanoTime());
            if (!awaitExit(child, Duration.ofNanos(left))) {
                log.warn("{}: child pid {} outlived its parent by {}; killing it", name, child.pid(), CHILD_EXIT);
                child.destroyForcibly();
                if (!awaitExit(child, Duration.ofSeconds(5))) {
                    log.error("{}: child pid {} survived KILL", name, child.pid());
                }
            }
        }
    }

    private static boolean awaitExit(ProcessHandle handle, Duration bound) {
        try {
            handle.onExit().get(bound.toNanos(), TimeUnit.NANOSECONDS);
            return true;
        } catch (TimeoutException | ExecutionException e) {
            return !handle.isAlive();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return !handle.isAlive();
        }
    }

    private void killTree() {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
    }

    private boolean waitFor(Duration bound) {
        try {
            return process.waitFor(bound.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            killTree();
            return false;
        }
    }

    private static void connectOnce(SocketAddress address) throws IOException {
        if (address instanceof UnixDomainSocketAddress) {
            try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                channel.connect(address);
            }
        } else {
            try (Socket socket = new Socket()) {
                socket.connect(address, 500);
            }
        }
    }

    static String describe(SocketAddress address) {
        if (address instanceof UnixDomainSocketAddress unix) {
            return "unix:" + unix.getPath();
        }
        if (address instanceof InetSocketAddress inet) {
            return inet.getHostString() + ":" + inet.getPort();
        }
        return String.valueOf(address);
    }

    /** Reads a log file as UTF-8 (malformed bytes replaced); empty if it does not exist yet. */
    static String read(Path file) {
        try {
            return Files.exists(file) ? new String(Files.readAllBytes(file), StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            return "(cannot read " + file + ": " + e + ")";
        }
    }

    /** The last {@code lines} lines of a file, reading at most its last 64 KiB. */
    static String tail(Path file, int lines) {
        if (!Files.exists(file)) {
            return "(no such file)\n";
        }
        try (RandomAccessFile in = new RandomAccessFile(file.toFile(), "r")) {
            long length = in.length();
            int size = (int) Math.min(length, 64 * 1024);
            byte[] bytes = new byte[size];
            in.seek(length - size);
            in.readFully(bytes);
            String text = new String(bytes, StandardCharsets.UTF_8);
            String[] all = text.split("\n", -1);
            int from = Math.max(0, all.length - 1 - lines);
            StringBuilder out = new StringBuilder();
            for (int i = from; i < all.length; i++) {
                if (i == all.length - 1 && all[i].isEmpty()) {
                    break;
                }
                out.append(all[i]).append('\n');
            }
            return out.length() == 0 ? "(empty)\n" : out.toString();
        } catch (IOException e) {
            return "(cannot read " + file + ": " + e + ")\n";
        }
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    @Override
    public String toString() {
        return name + " (pid " + pid() + ")";
    }
}
