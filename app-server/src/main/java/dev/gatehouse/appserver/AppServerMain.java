package dev.gatehouse.appserver;

import dev.gatehouse.appserver.master.Master;
import dev.gatehouse.appserver.worker.LogFiles;
import dev.gatehouse.conf.ConfigException;
import dev.gatehouse.conf.app.AppServerConfig;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code gatehouse app-server}: the prefork app-server. Flags override the configuration file;
 * every key of {@code gatehouse-app.toml} can also be set with {@code --set key=value}.
 */
@Command(name = "app-server", mixinStandardHelpOptions = true,
        description = "Runs the Gatehouse app-server: a master and N worker JVMs serving uwsgi.",
        footer = {"", "Signals to the master: HUP reload, TERM graceful stop, INT quick stop,"
                + " TTIN/TTOU one worker more/less, USR1 reopen log files."})
public final class AppServerMain implements Callable<Integer> {

    private static final Logger log = LoggerFactory.getLogger(AppServerMain.class);

    @Option(names = {"-c", "--config"}, paramLabel = "FILE", description = "The configuration file (gatehouse-app.toml).")
    Path config;

    @Option(names = "--bind", paramLabel = "ADDRESS", description = "unix:/path or host:port.")
    String bind;

    @Option(names = {"-w", "--workers"}, paramLabel = "N", description = "Worker processes.")
    Integer workers;

    @Option(names = "--app", paramLabel = "CLASS", description = "Application class (implements dev.gatehouse.appserver.api.Application).")
    String app;

    @Option(names = "--classpath", paramLabel = "PATHS", description = "Jars and class directories, ':'-separated.")
    String classpath;

    @Option(names = "--jwsgi", paramLabel = "CLASS:METHOD", description = "Run an unmodified uWSGI JWSGI application.")
    String jwsgi;

    @Option(names = "--war", paramLabel = "PATH", description = "Run a Servlet web app: a .war file or an exploded directory.")
    String war;

    @Option(names = "--context-path", paramLabel = "PATH", description = "Context path of the web app, e.g. /shop (default /).")
    String contextPath;

    @Option(names = "--dispatch", paramLabel = "MODE", description = "virtual-thread (default) or event-loop.")
    String dispatch;

    @Option(names = "--max-concurrency", paramLabel = "N", description = "Requests per worker before 503; 0 = unlimited.")
    Integer maxConcurrency;

    @Option(names = "--max-vars-size", paramLabel = "SIZE", description = "Largest uwsgi vars block, e.g. 64k.")
    String maxVarsSize;

    @Option(names = "--read-timeout", paramLabel = "DURATION", description = "e.g. 60s.")
    String readTimeout;

    @Option(names = "--socket-mode", paramLabel = "MODE", description = "Unix socket file mode, e.g. 0660.")
    String socketMode;

    @Option(names = "--pidfile", paramLabel = "FILE", description = "Write the master's pid here.")
    String pidfile;

    @Option(names = "--stats", paramLabel = "ADDRESS", description = "Stats endpoint, unix:/path or host:port.")
    String stats;

    @Option(names = "--upgrade-from", paramLabel = "PIDFILE",
            description = "Take over from the master of this pidfile: its socket, then its place (what USR2 and ctl upgrade start).")
    private Path upgradeFrom;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Any configuration key, e.g. --set harakiri=30s.")
    Map<String, String> set = new LinkedHashMap<>();

    /** Runs the app-server and exits with the master's exit code. */
    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The picocli command, for embedding under the {@code gatehouse} launcher. */
    public static CommandLine commandLine() {
        return new CommandLine(new AppServerMain());
    }

    Map<String, String> overrides() {
        Map<String, String> o = new LinkedHashMap<>(set);
        put(o, "bind", bind);
        put(o, "workers", workers);
        put(o, "app", app);
        put(o, "classpath", classpath);
        put(o, "jwsgi", jwsgi);
        put(o, "war", war);
        put(o, "context_path", contextPath);
        put(o, "dispatch", dispatch);
        put(o, "max_concurrency", maxConcurrency);
        put(o, "max_vars_size", maxVarsSize);
        put(o, "read_timeout", readTimeout);
        put(o, "socket_mode", socketMode);
        put(o, "pidfile", pidfile);
        put(o, "stats", stats);
        if (jwsgi != null && app == null && !set.containsKey("app")) {
            // --jwsgi on its own replaces the default app rather than clashing with it.
            o.remove("app");
        }
        return o;
    }

    private static void put(Map<String, String> o, String key, Object value) {
        if (value != null) {
            o.put(key, value.toString());
        }
    }

    @Override
    public Integer call() {
        Map<String, String> overrides = overrides();
        AppServerConfig first;
        try {
            first = AppServerConfig.load(config, overrides);
        } catch (ConfigException e) {
            log.error("{}", e.getMessage());
            return Master.EXIT_CONFIG;
        }
        LogFiles.configure(first.logFile().orElse(null), first.logLevel().token());
        boolean[] firstUsed = {false};
        return new Master(() -> {
            if (!firstUsed[0]) {
                firstUsed[0] = true;
                return first;
            }
            return AppServerConfig.load(config, overrides);
        }, upgradeFrom).run();
    }
}
