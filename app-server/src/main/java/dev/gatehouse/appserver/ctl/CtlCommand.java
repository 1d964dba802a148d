package dev.gatehouse.appserver.ctl;

import dev.gatehouse.appserver.control.AdminCommands;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code gatehouse ctl}: talks to a running app-server master over its admin socket, found from
 * the pidfile. Text for people, {@code --json} for scripts; {@code top} refreshes the worker
 * table every second, as uwsgitop does for uWSGI.
 */
@Command(name = "ctl", mixinStandardHelpOptions = true,
        description = "Talks to a running app-server master: workers, add, remove, reload, stop-worker ID, config, top,"
                + " advise.",
        footer = {"", "The master must run with a pidfile (pidfile = \"/run/gatehouse/app.pid\"); its admin socket,"
                + " app-PID.ctl beside it, is readable by its own user only."})
public final class CtlCommand implements Callable<Integer> {

    /** Exit code when the master cannot be reached or refused the command. */
    public static final int EXIT_FAILED = 1;

    @Option(names = "--pidfile", paramLabel = "FILE", description = "The master's pidfile (default: ${DEFAULT-VALUE}).",
            defaultValue = "/run/gatehouse/app.pid")
    Path pidfile;

    @Option(names = "--json", description = "JSON instead of text, for workers (the stats endpoint's shape) and advise.")
    boolean json;

    @Option(names = "--target-rps", paramLabel = "RATE", description = "advise: also size the pool for this many requests a second.")
    Double targetRps;

    @Option(names = "--minutes", paramLabel = "M", defaultValue = "5",
            description = "advise: how many of the last minutes to size from, up to 15 (default: ${DEFAULT-VALUE}).")
    double minutes;

    @Option(names = "--interval-ms", paramLabel = "MS", defaultValue = "1000", description = "top: refresh period.")
    long intervalMs;

    @Parameters(arity = "1..2", paramLabel = "COMMAND", description = "workers | add | remove | reload | stop-worker ID |"
            + " config | top | advise")
    List<String> command = new ArrayList<>();

    private final PrintStream out;

    CtlCommand(PrintStream out) {
        this.out = out;
    }

    /** Runs {@code ctl} and exits with its exit code. */
    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The picocli command, for the {@code gatehouse} launcher. */
    public static CommandLine commandLine() {
        return new CommandLine(new CtlCommand(System.out));
    }

    @Override
    public Integer call() throws Exception {
        Path socket;
        try {
            long pid = Long.parseLong(Files.readString(pidfile).trim());
            socket = AdminCommands.socketPath(pidfile, pid);
        } catch (IOException | NumberFormatException e) {
            System.err.println("gatehouse ctl: cannot read the master's pid from " + pidfile + " (" + e.getMessage()
                    + "); pass --pidfile, the pidfile of gatehouse-app.toml");
            return EXIT_FAILED;
        }
        String verb = command.get(0);
        if (verb.equals("top")) {
            return top(socket);
        }
        String line = verb.equals("workers") && json ? "workers-json" : String.join(" ", command);
        if (verb.equals("advise")) {
            line = "advise minutes=" + minutes + (targetRps == null ? "" : " target-rps=" + targetRps) + (json ? " json" : "");
        }
        try {
            String answer = AdminCommands.ask(socket, line);
            out.print(answer);
            return answer.startsWith("error:") ? EXIT_FAILED : 0;
        } catch (IOException e) {
            System.err.println("gatehouse ctl: cannot reach the master at " + socket + ": " + e.getMessage());
            return EXIT_FAILED;
        }
    }

    /** Redraws the worker table until interrupted (Ctrl-C) or the master goes away. */
    private int top(Path socket) throws InterruptedException {
        while (true) {
            String table;
            try {
                table = AdminCommands.ask(socket, "workers");
            } catch (IOException e) {
                System.err.println("gatehouse ctl top: the master at " + socket + " went away: " + e.getMessage());
                return EXIT_FAILED;
            }
            // Home and clear, then the table: a full redraw each period, as top does.
            out.print("\u001b[H\u001b[2J" + "gatehouse ctl top, every " + intervalMs + " ms (Ctrl-C to quit)\n\n"
                    + table);
            out.flush();
            Thread.sleep(intervalMs);
        }
    }
}
