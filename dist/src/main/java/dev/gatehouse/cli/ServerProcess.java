package dev.gatehouse.cli;

import java.io.File;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One Gatehouse server ({@code gatehouse app-server ...} or {@code gatehouse proxy ...}) as a
 * child JVM of {@code gatehouse run}: the same java, JVM options and class path as this one, so
 * the child is exactly what {@code bin/gatehouse} would start, with its own signal handling.
 *
 * <p>The child runs in a session of its own ({@code setsid}): a Ctrl-C in the terminal then
 * reaches only {@code gatehouse run}, which stops the servers in order with TERM, instead of
 * reaching every JVM of the process group at once (the app-server's workers included, which take
 * their orders from the master, not from signals).
 */
final class ServerProcess {

    /** util-linux's setsid; on a system without it the child shares our process group. */
    private static final Path SETSID = Path.of("/usr/bin/setsid");

    /**
     * JVM options not to pass on: a debugger agent would clash over its port, and an AOT cache is
     * per role (the proxy's, see {@link #aotOptions}); two JVMs writing one would spoil it.
     */
    private static final List<String> NOT_INHERITED = List.of("-agentlib:", "-javaagent:", "-Xrunjdwp", "-Xdebug",
            "-XX:AOTCache", "-XX:AOTCacheOutput", "-XX:AOTMode", "-XX:AOTConfiguration");

    private final String name;
    private final Process process;

    private ServerProcess(String name, Process process) {
        this.name = name;
        this.process = process;
    }

    /**
     * Starts {@code gatehouse <args>} as a child JVM whose output goes to ours.
     *
     * @param name what messages call it, e.g. {@code app-server}
     * @param args the subcommand and its options
     */
    static ServerProcess start(String name, List<String> args) throws IOException {
        List<String> cmd = new ArrayList<>();
        if (Files.isExecutable(SETSID)) {
            cmd.add(SETSID.toString());
        }
        String java = ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add(java);
        List<String> options = new ArrayList<>();
        for (String option : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (NOT_INHERITED.stream().noneMatch(option::startsWith)) {
                options.add(option);
            }
        }
        cmd.addAll(options);
        if (!args.isEmpty() && args.get(0).equals("proxy")) {
            cmd.addAll(aotOptions(java, options));
        }
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(Gatehouse.class.getName());
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd).inheritIO().redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        return new ServerProcess(name, pb.start());
    }

    /**
     * The proxy's AOT cache options from {@code bin/aot-flags}, as {@code bin/gatehouse proxy}
     * gets them; none when the distribution has no such script (a development class path) or it
     * fails: the cache only makes start-up and warm-up faster.
     */
    private static List<String> aotOptions(String java, List<String> jvmOptions) throws IOException {
        String home = System.getProperty("gatehouse.home");
        if (home == null) {
            return List.of();
        }
        Path script = Path.of(home, "bin", "aot-flags");
        if (!Files.isExecutable(script)) {
            return List.of();
        }
        List<String> cmd = new ArrayList<>(List.of(script.toString(), "proxy", java, home + "/lib/*"));
        cmd.addAll(jvmOptions);
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        try {
            if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                return List.of();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return List.of();
        }
        return out.isEmpty() ? List.of() : List.of(out.split("\\s+"));
    }

    String name() {
        return name;
    }

    long pid() {
        return process.pid();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** Completes when the child exits. */
    java.util.concurrent.CompletableFuture<Process> onExit() {
        return process.onExit();
    }

    int exitValue() {
        return process.exitValue();
    }

    /** TERM: the server's graceful stop. */
    void terminate() {
        process.destroy();
    }

    /** Waits for the child to exit; true if it did within {@code bound}. */
    boolean awaitExit(Duration bound) throws InterruptedException {
        return process.waitFor(bound.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** KILL for the child and everything it started (the app-server's workers). */
    void kill() {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
    }

    @Override
    public String toString() {
        return name + " (pid " + pid() + ")";
    }
}
