package dev.gatehouse.cli;

import io.netty.channel.epoll.Epoll;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code gatehouse version}: the version, and the two facts a bug report needs next to it: which
 * Java runs it, and whether Netty's native epoll transport loaded (unix sockets need it).
 */
@Command(name = "version", mixinStandardHelpOptions = true,
        description = "Prints the Gatehouse version, the Java runtime and whether native epoll is available.")
final class VersionCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        out.println("gatehouse " + GatehouseVersion.version());
        out.println("java " + Runtime.version() + " (" + System.getProperty("java.vendor") + ") at "
                + System.getProperty("java.home"));
        out.println("native epoll: " + (Epoll.isAvailable() ? "available" : "unavailable (" + Epoll.unavailabilityCause() + ")"));
        out.flush();
        return 0;
    }
}
