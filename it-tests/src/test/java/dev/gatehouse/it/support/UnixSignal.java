package dev.gatehouse.it.support;

import java.io.IOException;
import java.util.concurrent.TimeUnit;

/**
 * Sends a named signal (QUIT, INT, HUP, USR1, ...) to a process.
 *
 * <p>{@link Process#destroy()} only sends TERM and {@link Process#destroyForcibly()} KILL, but
 * the peers stop gracefully on other signals (nginx QUIT, uWSGI INT) and the app-server is
 * driven by HUP/TTIN/TTOU, so this goes through {@code /bin/kill}.
 */
public final class UnixSignal {

    private UnixSignal() {}

    /**
     * Sends {@code signal} to {@code pid}.
     *
     * @param pid the target process
     * @param signal the name without {@code SIG}, e.g. {@code QUIT}
     * @return {@code true} if kill(1) succeeded (false: the process is already gone)
     */
    public static boolean send(long pid, String signal) {
        try {
            Process kill = new ProcessBuilder("/bin/kill", "-s", signal, Long.toString(pid))
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start();
            if (!kill.waitFor(5, TimeUnit.SECONDS)) {
                kill.destroyForcibly();
                throw new IllegalStateException("/bin/kill -s " + signal + " " + pid + " hung");
            }
            return kill.exitValue() == 0;
        } catch (IOException e) {
            throw new IllegalStateException("cannot run /bin/kill -s " + signal + " " + pid, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while signalling " + pid, e);
        }
    }
}
