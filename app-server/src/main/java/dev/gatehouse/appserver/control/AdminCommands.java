package dev.gatehouse.appserver.control;

import java.nio.file.Path;
import java.util.List;

/**
 * The admin socket of a running master, which {@code gatehouse ctl} talks to: one command line
 * per connection, answered with text, then closed. It sits beside the pidfile as
 * {@code app-PID.ctl}, mode 0600, so only the master's own user (or root) can use it.
 */
public final class AdminCommands {

    /** The commands, as {@code ctl} and the error for an unknown one list them. */
    public static final List<String> COMMANDS = List.of("workers", "workers-json", "add", "remove", "reload",
            "stop-worker ID", "config", "advise [minutes=M] [target-rps=R] [json]");

    private AdminCommands() {
    }

    /**
     * Where the master with this pid listens for admin commands.
     *
     * @param pidfile the master's configured pidfile
     * @param pid the master's pid (the pidfile's content)
     */
    public static Path socketPath(Path pidfile, long pid) {
        return pidfile.toAbsolutePath().getParent().resolve("app-" + pid + ".ctl");
    }
}
