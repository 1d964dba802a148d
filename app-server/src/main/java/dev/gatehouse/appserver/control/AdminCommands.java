package dev.gatehouse.appserver.control;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
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
            "stop-worker ID", "config", "advise [minutes=M] [target-rps=R] [json]", "upgrade");

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

    /**
     * Sends one command line to a master's admin socket and reads the answer to the end (the
     * master closes the connection after answering).
     *
     * @throws IOException when the master cannot be reached
     */
    public static String ask(Path socket, String line) throws IOException {
        try (SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
            ch.write(ByteBuffer.wrap((line + "\n").getBytes(StandardCharsets.UTF_8)));
            ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
            ByteArrayOutputStream answer = new ByteArrayOutputStream();
            while (ch.read(buf) >= 0) {
                buf.flip();
                answer.write(buf.array(), 0, buf.limit());
                buf.clear();
            }
            return answer.toString(StandardCharsets.UTF_8);
        }
    }
}
