package dev.gatehouse.cli;

import dev.gatehouse.conf.ConfigException;
import dev.gatehouse.conf.app.AppServerConfig;
import dev.gatehouse.conf.proxy.ProxyConfig;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code gatehouse check-config FILE}: loads a config the way the server would and prints the
 * effective configuration as TOML (every key, defaults filled in) on standard output, or every
 * problem found on standard error with exit code 1. Whether the file is an app-server or a proxy
 * config comes from its name ({@code gatehouse-app.toml}, {@code shop-proxy.toml}) or {@code --kind}.
 */
@Command(name = "check-config", mixinStandardHelpOptions = true,
        description = {"Validates a configuration file and prints the effective configuration as TOML.",
            "Exit code 0: valid; 1: invalid (each problem on standard error); 2: bad usage."})
final class CheckConfigCommand implements Callable<Integer> {

    /** Which of the two config files; given in lower case on the command line. */
    enum Kind {
        APP, PROXY
    }

    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "FILE", description = "A gatehouse-app.toml or gatehouse-proxy.toml.")
    Path file;

    @Option(names = "--kind", paramLabel = "KIND",
            description = "app or proxy; by default taken from the file name (*proxy*.toml or *app*.toml).")
    Kind kind;

    @Option(names = "--set", paramLabel = "KEY=VALUE",
            description = "Override a key as the server's --set would, to check the effective result.")
    Map<String, String> set = new LinkedHashMap<>();

    @Override
    public Integer call() {
        Kind k = kind != null ? kind : kindFromName(file);
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        try {
            String toml = switch (k) {
                case APP -> AppServerConfig.load(file, set).toShownToml();
                case PROXY -> ProxyConfig.load(file, set).toToml();
            };
            out.print(toml);
            out.flush();
            err.println(file + ": OK (" + (k == Kind.APP ? "app-server" : "proxy") + " configuration)");
            err.flush();
            return 0;
        } catch (ConfigException e) {
            err.println(e.getMessage());
            err.flush();
            return 1;
        }
    }

    private Kind kindFromName(Path path) {
        String name = path.getFileName() == null ? "" : path.getFileName().toString().toLowerCase(Locale.ROOT);
        boolean proxy = name.contains("proxy");
        boolean app = name.contains("app");
        if (proxy == app) {
            throw new ParameterException(spec.commandLine(), "cannot tell from the name " + path
                    + " whether it configures the app-server or the proxy: add --kind app or --kind proxy");
        }
        return proxy ? Kind.PROXY : Kind.APP;
    }
}
