package dev.gatehouse.appserver.master;

import dev.gatehouse.appserver.worker.WorkerMain;
import dev.gatehouse.conf.app.AppServerConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Starts worker JVMs: the master's own java and class path, the configured JVM options. */
final class WorkerLauncher {

    private final String java;
    private final String classPath;

    WorkerLauncher() {
        this.java = ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        this.classPath = System.getProperty("java.class.path");
    }

    /** JDK 25+ makes AOT caches in one step at exit (JEP 514), with method profiles (JEP 515). */
    static final boolean AOT_CACHE = Runtime.version().feature() >= 25;

    /** The archive workers map, once {@link ClassDataArchive} made one. */
    private Path archive;

    void useArchive(Path archive) {
        this.archive = archive;
    }

    /** The archive workers are started with, or null. */
    Path archive() {
        return archive;
    }

    /** A worker that loads the app, serves a few requests to itself and exits, dumping its classes. */
    Process startTraining(AppServerConfig config, Path archiveOut) throws IOException {
        List<String> cmd = base(config);
        cmd.add(cmd.indexOf("-cp"), (AOT_CACHE ? "-XX:AOTCacheOutput=" : "-XX:ArchiveClassesAtExit=") + archiveOut);
        cmd.add("--train");
        appArgs(config, cmd);
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.redirectOutput(ProcessBuilder.Redirect.DISCARD);
        pb.redirectError(ProcessBuilder.Redirect.DISCARD);
        pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        return pb.start();
    }

    private List<String> base(AppServerConfig config) {
        List<String> cmd = new ArrayList<>();
        cmd.add(java);
        cmd.addAll(config.jvmOptions());
        // Netty's native transport loads a JNI library: allowed explicitly, so JDK 24+ prints no warning.
        cmd.add("--enable-native-access=ALL-UNNAMED");
        cmd.add("-cp");
        cmd.add(classPath);
        cmd.add(WorkerMain.class.getName());
        return cmd;
    }

    private static void appArgs(AppServerConfig config, List<String> cmd) {
        if (config.servlet().war().isPresent()) {
            // The servlet engine reads its keys from the worker's settings; the training run
            // deploys the same web app, so it gets them too.
            config.servlet().workerSettings(config.bind()).forEach((k, v) -> cmd.add("--setting=" + k + "=" + v));
            cmd.add("--war=" + config.servlet().war().get().toAbsolutePath().normalize());
        } else if (config.jwsgi().isPresent()) {
            cmd.add("--jwsgi=" + config.jwsgi().get());
        } else {
            cmd.add("--app=" + config.app());
        }
        if (!config.classpath().isEmpty()) {
            cmd.add("--classpath=" + String.join(":", config.classpath()));
        }
    }

    Process start(AppServerConfig config, Path control, int workerId, int generation, boolean tcp, String reusePortBind)
            throws IOException {
        List<String> cmd = base(config);
        int cp = cmd.indexOf("-cp");
        cmd.add(cp, "-Dgatehouse.worker=" + workerId);
        if (archive != null) {
            cmd.add(cp, (AOT_CACHE ? "-XX:AOTCache=" : "-XX:SharedArchiveFile=") + archive);
            // The JDK's base archive was dumped without --enable-native-access, so every start
            // logs a harmless "optimized module handling" mismatch as an error. Silenced; the
            // master checks instead that each worker really mapped the archive.
            cmd.add(cp, "-Xlog:cds=off");
            if (Runtime.version().feature() >= 24) {
                cmd.add(cp, "-Xlog:aot=off");
            }
        }
        cmd.add("--control=" + control);
        cmd.add("--worker-id=" + workerId);
        cmd.add("--generation=" + generation);
        appArgs(config, cmd);
        cmd.add("--dispatch=" + config.dispatch().token());
        cmd.add("--max-concurrency=" + config.maxConcurrency());
        cmd.add("--max-vars-size=" + config.maxVarsSize().bytes());
        cmd.add("--read-timeout-ms=" + config.readTimeout().toMillis());
        cmd.add("--keepalive=" + config.keepalive());
        cmd.add("--graceful-timeout-ms=" + config.gracefulTimeout().toMillis());
        cmd.add("--listen-kind=" + (tcp ? "tcp" : "unix"));
        cmd.add("--backlog=" + config.backlog());
        if (tcp && !config.allow().isEmpty() && !config.allow().contains(dev.gatehouse.conf.AddressRange.ANY)) {
            cmd.add("--allow=" + config.allow().stream().map(Object::toString).reduce((a, b) -> a + "," + b).orElseThrow());
        }
        cmd.add("--log-level=" + config.logLevel().token());
        config.logFile().ifPresent(f -> cmd.add("--log-file=" + f));
        if (reusePortBind != null) {
            cmd.add("--reuse-port-bind=" + reusePortBind);
        }
        cmd.add("--setting=workers=" + config.workers());
        cmd.add("--setting=max_concurrency=" + config.maxConcurrency());
        cmd.add("--setting=dispatch=" + config.dispatch().token());
        ProcessBuilder pb = new ProcessBuilder(cmd);
        // Workers log to the master's standard error (or the shared log file) and read nothing.
        pb.redirectOutput(ProcessBuilder.Redirect.INHERIT);
        pb.redirectError(ProcessBuilder.Redirect.INHERIT);
        pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        return pb.start();
    }
}
