package dev.gatehouse.conf.process;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The running server's side of an upgrade in place, as nginx's and gunicorn's USR2 do it: start a
 * successor with this process's own command line plus {@code --upgrade-from PIDFILE}, which then
 * takes the listening sockets over a unix socket and tells this one to go. Both servers (the
 * app-server's master and the proxy) upgrade this way; how the sockets travel is their own.
 *
 * <p>The successor is this process's child, so under systemd it runs in the service's cgroup,
 * with its user and sandbox, and the service's {@code MAINPID} can move to it: a process started
 * by hand from a shell would have none of that.
 */
public final class SelfUpgrade {

    /** The option that makes a server a successor, followed by the running one's pidfile. */
    public static final String OPTION = "--upgrade-from";

    private SelfUpgrade() {
    }

    /**
     * Whether this JVM leaves USR2 to the application. USR2 is HotSpot's own thread
     * suspend/resume signal unless {@code _JAVA_SR_SIGNUM} moves it ({@code bin/gatehouse} sets
     * 40): taking it over otherwise would break the JVM.
     */
    public static boolean usr2IsFree() {
        String sr = System.getenv("_JAVA_SR_SIGNUM");
        return sr != null && !sr.isBlank() && !sr.trim().equals("12");
    }

    /**
     * Starts the successor: this JVM's own command line, with the same environment less
     * {@code WATCHDOG_PID} (which names this process; the successor pings systemd's watchdog once
     * it is the main one), its output going where this process's goes.
     *
     * @param pidfile the pidfile this process wrote, by which the successor finds it
     */
    public static Process startSuccessor(Path pidfile) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(successorCommand(commandLine(), pidfile)).inheritIO();
        pb.environment().remove("WATCHDOG_PID");
        return pb.start();
    }

    /**
     * This JVM's command line, read whole from /proc: the JDK's own view of it stops at 4 KiB,
     * and a class path is often longer.
     */
    static List<String> commandLine() throws IOException {
        byte[] raw = Files.readAllBytes(Path.of("/proc/self/cmdline"));
        List<String> args = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < raw.length; i++) {
            if (raw[i] == 0) {
                args.add(new String(raw, start, i - start, StandardCharsets.UTF_8));
                start = i + 1;
            }
        }
        return args;
    }

    /** The successor's command line: {@code args} without any earlier upgrade option, plus the new one. */
    static List<String> successorCommand(List<String> args, Path pidfile) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < args.size(); i++) {
            if (args.get(i).equals(OPTION)) {
                i++; // and its value
            } else if (!args.get(i).startsWith(OPTION + "=")) {
                out.add(args.get(i));
            }
        }
        out.add(OPTION);
        out.add(pidfile.toAbsolutePath().toString());
        return out;
    }
}
