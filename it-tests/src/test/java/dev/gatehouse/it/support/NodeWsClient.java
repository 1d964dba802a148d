package dev.gatehouse.it.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real WebSocket client nobody here wrote: the npm {@code ws} package on the machine's Node.js,
 * driven by {@code websocket/ws-client.cjs} (a test resource) through named scenarios. The package
 * is installed once from the npm registry into {@code target/node-ws} (a pinned version), so the
 * tests need only {@code node} and {@code npm} on the machine, which {@code scripts/test} makes sure
 * of.
 */
public final class NodeWsClient {

    /** The {@code ws} version the tests were written against. */
    public static final String WS_VERSION = "8.18.3";

    private static final Path HOME = Path.of("target", "node-ws").toAbsolutePath();
    private static Path script;

    private NodeWsClient() {
    }

    /** Installs {@code ws} (once per build directory) and writes out the client script. */
    public static synchronized Path install() {
        if (script != null) {
            return script;
        }
        try {
            Files.createDirectories(HOME);
            if (!Files.isRegularFile(HOME.resolve("node_modules/ws/package.json"))) {
                Process p = new ProcessBuilder("npm", "install", "--prefix", HOME.toString(), "--no-audit", "--no-fund",
                        "--loglevel=error", "ws@" + WS_VERSION)
                        .redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                        .start();
                String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                if (!p.waitFor(5, TimeUnit.MINUTES) || p.exitValue() != 0) {
                    p.destroyForcibly();
                    throw new IllegalStateException("npm install ws@" + WS_VERSION + " failed: " + out);
                }
            }
            for (String name : new String[] {"ws-client.cjs", "browser-client.cjs"}) {
                try (InputStream in = NodeWsClient.class.getResourceAsStream("/websocket/" + name)) {
                    Files.write(HOME.resolve(name), in.readAllBytes());
                }
            }
            script = HOME.resolve("ws-client.cjs");
            return script;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * Runs the browser checks ({@code websocket/browser-client.cjs}): headless Chromium, driven
     * over the DevTools protocol, opens WebSockets to {@code url} with its own WebSocket API.
     */
    public static List<String> runInBrowser(Path chromium, String url, Duration timeout) {
        install();
        return runScript(HOME.resolve("browser-client.cjs"), timeout, chromium.toString(), url);
    }

    /**
     * Starts a scenario that the test interacts with while it runs (it prints a line, the test
     * acts, the scenario goes on).
     */
    public static Running start(String url, String scenario, String arg) {
        Path s = install();
        try {
            Process p = new ProcessBuilder("node", s.toString(), url, scenario, arg)
                    .directory(HOME.toFile())
                    .redirectErrorStream(true)
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                    .start();
            return new Running(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A scenario in progress: its output lines as they come. */
    public static final class Running implements AutoCloseable {
        private final Process process;
        private final java.util.concurrent.LinkedBlockingQueue<String> lines = new java.util.concurrent.LinkedBlockingQueue<>();
        private final List<String> all = new java.util.concurrent.CopyOnWriteArrayList<>();

        Running(Process process) {
            this.process = process;
            Thread.ofVirtual().start(() -> {
                try (var r = process.inputReader(StandardCharsets.UTF_8)) {
                    String line;
                    while ((line = r.readLine()) != null) {
                        all.add(line);
                        lines.add(line);
                    }
                } catch (IOException e) {
                    // the process ended
                }
            });
        }

        /** Waits for the next line starting with {@code prefix}; lines before it are kept in {@link #output()}. */
        public String awaitLine(String prefix, Duration timeout) throws InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (true) {
                long left = deadline - System.nanoTime();
                String line = left <= 0 ? null : lines.poll(left, TimeUnit.NANOSECONDS);
                if (line == null) {
                    throw new IllegalStateException("no line starting with '" + prefix + "' within " + timeout
                            + "; output so far: " + all);
                }
                if (line.startsWith(prefix)) {
                    return line;
                }
            }
        }

        /** Waits for the end and returns every line printed. */
        public List<String> finish(Duration timeout) throws InterruptedException {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException("ws client did not finish within " + timeout + "; output: " + all);
            }
            // The reader may still be taking the last lines off the pipe.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!all.contains("DONE") && !all.stream().anyMatch(l -> l.startsWith("FAIL")) && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            return List.copyOf(all);
        }

        /** Every line so far. */
        public List<String> output() {
            return List.copyOf(all);
        }

        @Override
        public void close() {
            process.destroyForcibly();
        }
    }

    /**
     * Runs one scenario against {@code url} and returns what it printed, one check per line.
     *
     * @throws IllegalStateException when the client does not finish within {@code timeout}
     */
    public static List<String> run(String url, String scenario, Duration timeout) {
        return runScript(install(), timeout, url, scenario);
    }

    private static List<String> runScript(Path s, Duration timeout, String... args) {
        List<String> command = new java.util.ArrayList<>(List.of("node", s.toString()));
        command.addAll(List.of(args));
        String what = String.join(" ", args);
        try {
            Process p = new ProcessBuilder(command)
                    .directory(HOME.toFile())
                    .redirectErrorStream(true)
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                    .start();
            // Read on a virtual thread so the deadline holds even if the client hangs silently.
            java.util.concurrent.CompletableFuture<String> out = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                try {
                    return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }, java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor());
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("ws client " + what + " did not finish within "
                        + timeout + "; so far:\n" + out.getNow("(nothing)"));
            }
            return out.get(30, TimeUnit.SECONDS).lines().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("cannot read the ws client's output", e);
        }
    }
}
