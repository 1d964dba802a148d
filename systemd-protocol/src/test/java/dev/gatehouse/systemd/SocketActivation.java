package dev.gatehouse.systemd;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Socket activation in front of a test's child process, as systemd does it for a .socket unit:
 * the command line that binds the sockets, passes them on descriptors 3, 4, ... with
 * {@code LISTEN_FDS}, {@code LISTEN_PID} and {@code LISTEN_FDNAMES}, and execs the command (so its
 * pid is the server's). Needs python3.
 */
public final class SocketActivation {

    private SocketActivation() {
    }

    /**
     * The command line.
     *
     * @param dir where the helper script is written
     * @param blocking pass blocking sockets, as a unit without {@code NonBlocking=yes} does
     * @param sockets {@code NAME=host:port} or {@code NAME=/path} entries
     * @param command the server's command line
     */
    public static List<String> command(Path dir, boolean blocking, List<String> sockets, List<String> command)
            throws IOException {
        Path script = dir.resolve("pass-sockets.py");
        try (InputStream in = SocketActivation.class.getResourceAsStream("pass-sockets.py")) {
            Files.write(script, in.readAllBytes());
        }
        List<String> cmd = new ArrayList<>(List.of("python3", script.toString()));
        if (blocking) {
            cmd.add("--blocking");
        }
        cmd.addAll(sockets);
        cmd.add("--");
        cmd.addAll(command);
        return cmd;
    }
}
