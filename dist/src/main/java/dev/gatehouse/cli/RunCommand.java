package dev.gatehouse.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import sun.misc.Signal;

/**
 * {@code gatehouse run}: the whole stack on defaults, for a first look. An app-server (the demo
 * app, 2 workers) on a unix socket in a fresh temp directory, and the proxy on 127.0.0.1:8080
 * serving the distribution's {@code static/} folder and forwarding every other request to it.
 * Both are child JVMs; Ctrl-C (or TERM) stops the proxy, then the app-server, each with its own
 * graceful stop, and removes the temp directory. A second Ctrl-C kills them at once.
 *
 * <p>Like the servers, the command's own loop takes events from one queue: a signal arrived, or
 * a child exited. A child that exits on its own (a port already taken, say) stops the other,
 * and {@code run} exits with that child's exit code.
 */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = {"Serves the demo app behind the proxy on http://127.0.0.1:8080/; Ctrl-C stops both.",
            "The proxy serves the bundled static folder and forwards everything else to an app-server"
                    + " (2 workers of the demo app) on a unix socket in a temp dir."})
final class RunCommand implements Callable<Integer> {

    /** How long a server may take to accept; the first start includes the app-server's class-data archive. */
    private static final Duration START_TIMEOUT = Duration.ofSeconds(120);
    /** The proxy's shutdown_timeout and the app-server's graceful_timeout are 30 s by default. */
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(40);
    private static final long POLL_MILLIS = 100;

    @Spec
    CommandSpec spec;

    @Option(names = {"-p", "--port"}, paramLabel = "PORT", defaultValue = "8080",
            description = "Port on 127.0.0.1 for HTTP (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = {"-w", "--workers"}, paramLabel = "N", defaultValue = "2",
            description = "App-server workers (default: ${DEFAULT-VALUE}).")
    int workers;

    @Option(names = "--static", paramLabel = "DIR",
            description = "Folder served at / (default: the distribution's static/).")
    Path staticDir;

    @Option(names = "--app", paramLabel = "CLASS", defaultValue = "dev.gatehouse.demo.DemoApp",
            description = "Application class (default: ${DEFAULT-VALUE}).")
    String app;

    @Option(names = "--classpath", paramLabel = "PATHS", description = "Jars and class directories of --app, ':'-separated.")
    String classpath;

    /** Signals and child exits, in arrival order; the only thing the main loop waits on. */
    private final BlockingQueue<String> events = new LinkedBlockingQueue<>();
    /** The servers started so far; the shutdown hook reads it too. */
    private final List<ServerProcess> started = new CopyOnWriteArrayList<>();

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        Path root = staticDir != null ? staticDir : home().map(h -> h.resolve("static")).orElse(null);
        if (root == null || !Files.isDirectory(root)) {
            err.println("gatehouse run: " + (root == null
                    ? "no static folder: start it through bin/gatehouse (which knows the distribution's static/)"
                            + " or pass --static DIR"
                    : "the static folder " + root + " is not a directory"));
            err.flush();
            return 2;
        }
        root = root.toAbsolutePath().normalize();
        for (String name : List.of("INT", "TERM")) {
            Signal.handle(new Signal(name), s -> events.add(name));
        }
        // Should this JVM end some other way, the servers must not outlive it.
        Thread reaper = new Thread(() -> started.forEach(ServerProcess::kill), "gatehouse-run-reaper");
        Runtime.getRuntime().addShutdownHook(reaper);
        Path dir = Files.createTempDirectory("gatehouse-run-");
        try {
            return serve(err, root, dir);
        } finally {
            deleteTree(dir, err);
            Runtime.getRuntime().removeShutdownHook(reaper);
        }
    }

    private int serve(PrintWriter err, Path root, Path dir) throws IOException, InterruptedException {
        Path socket = dir.resolve("app.sock");
        List<String> appArgs = new ArrayList<>(List.of("app-server", "--bind", "unix:" + socket,
                "--workers", Integer.toString(workers), "--app", app));
        if (classpath != null) {
            appArgs.addAll(List.of("--classpath", classpath));
        }
        ServerProcess appServer = start("app-server", appArgs);
        String event = awaitAccepting(appServer, UnixDomainSocketAddress.of(socket));
        if (event == null) {
            ServerProcess proxy = start("proxy", List.of("proxy", "--listen", "127.0.0.1:" + port,
                    "--root", root.toString(), "--upstream", "unix:" + socket));
            event = awaitAccepting(proxy, new InetSocketAddress("127.0.0.1", port));
            if (event == null) {
                err.printf("gatehouse run: serving http://127.0.0.1:%d/ with the files of %s, and everything else"
                        + " from %s (%d workers, unix:%s). Try /hello and /echo. Ctrl-C stops.%n",
                        port, root, app, workers, socket);
                err.flush();
                event = events.take();
            }
        }
        return stop(err, event);
    }

    private ServerProcess start(String name, List<String> args) throws IOException {
        ServerProcess p = ServerProcess.start(name, args);
        started.add(p);
        p.onExit().thenRun(() -> events.add("exit:" + name));
        return p;
    }

    /** Waits until the server accepts on {@code address}; null when it does, else the event that came first. */
    private String awaitAccepting(ServerProcess server, SocketAddress address) throws InterruptedException {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            String event = events.poll(POLL_MILLIS, TimeUnit.MILLISECONDS);
            if (event != null) {
                return event;
            }
            if (accepts(address)) {
                return null;
            }
        }
        return "timeout:" + server.name();
    }

    private static boolean accepts(SocketAddress address) {
        if (address instanceof UnixDomainSocketAddress unix) {
            try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                return ch.connect(unix);
            } catch (IOException e) {
                return false;
            }
        }
        try (Socket s = new Socket()) {
            s.connect(address, 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Stops the servers, the proxy first (it may still be forwarding to the app-server), and
     * returns the exit code: 0 after a signal, else the code of the server that ended the run.
     */
    private int stop(PrintWriter err, String event) throws InterruptedException {
        int code = 0;
        if (event.startsWith("exit:") || event.startsWith("timeout:")) {
            String name = event.substring(event.indexOf(':') + 1);
            ServerProcess culprit = started.stream().filter(p -> p.name().equals(name)).findFirst().orElseThrow();
            if (event.startsWith("exit:")) {
                code = culprit.exitValue() == 0 ? 1 : culprit.exitValue();
                err.println("gatehouse run: the " + culprit + " exited with code " + culprit.exitValue()
                        + " (see its log above); stopping");
            } else {
                code = 1;
                err.println("gatehouse run: the " + culprit + " did not accept connections within "
                        + START_TIMEOUT.toSeconds() + " s; stopping");
            }
        } else {
            err.println("gatehouse run: " + event + ": stopping (Ctrl-C again kills at once)");
        }
        err.flush();
        for (ServerProcess p : started.reversed()) {
            if (!stopOne(p)) {
                started.forEach(ServerProcess::kill);
                err.println("gatehouse run: killed the servers");
                err.flush();
                return code == 0 ? 1 : code;
            }
        }
        return code;
    }

    /** TERM and wait; false when a second signal or the timeout asks to kill instead. */
    private boolean stopOne(ServerProcess p) throws InterruptedException {
        if (!p.isAlive()) {
            return true;
        }
        p.terminate();
        long deadline = System.nanoTime() + STOP_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (p.awaitExit(Duration.ofMillis(POLL_MILLIS))) {
                return true;
            }
            String event = events.poll();
            if (event != null && !event.startsWith("exit:")) {
                return false;
            }
        }
        return false;
    }

    /** The distribution's folder, which bin/gatehouse passes as {@code -Dgatehouse.home}. */
    private static Optional<Path> home() {
        return Optional.ofNullable(System.getProperty("gatehouse.home")).map(Path::of);
    }

    private static void deleteTree(Path dir, PrintWriter err) {
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            err.println("gatehouse run: cannot remove " + dir + ": " + e);
            err.flush();
        }
    }
}
