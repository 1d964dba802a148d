package dev.gatehouse.cli;

import dev.gatehouse.appserver.AppServerMain;
import dev.gatehouse.proxy.ProxyMain;
import dev.gatehouse.proxy.upstream.UwsgiForwarder;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code gatehouse}: the one command of the distribution, which {@code bin/gatehouse} runs. Its
 * subcommands are the two servers ({@code app-server}, {@code proxy}, each exactly its own main
 * command), {@code run} (both together on defaults, for a first look), {@code check-config} and
 * {@code version}.
 */
@Command(name = "gatehouse", mixinStandardHelpOptions = true, versionProvider = GatehouseVersion.class,
        description = "Gatehouse: an HTTP edge proxy and a prefork application server for Java web apps,"
                + " joined by the uwsgi protocol.",
        footer = {"", "Run 'gatehouse COMMAND --help' for a command's options. Operator's guide: docs/operations.md"})
public final class Gatehouse implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    /** Runs the command line and exits with the subcommand's exit code. */
    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The command with every subcommand, in the order the help lists them. */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Gatehouse());
        cl.addSubcommand("run", new RunCommand());
        cl.addSubcommand("app-server", AppServerMain.commandLine());
        cl.addSubcommand("proxy", ProxyMain.commandLine(UwsgiForwarder.FACTORY));
        cl.addSubcommand("ctl", dev.gatehouse.appserver.ctl.CtlCommand.commandLine());
        cl.addSubcommand("check-config", new CheckConfigCommand());
        cl.addSubcommand("version", new VersionCommand());
        // After the subcommands, so that it reaches them: --kind app as well as --kind APP.
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        return cl;
    }

    /** {@code gatehouse} alone: the usage, as for a usage error. */
    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return CommandLine.ExitCode.USAGE;
    }
}
