package dev.gatehouse.appserver.control;

/**
 * The master-worker control protocol: newline-terminated text lines over a private unix socket
 * in a {@code 0700} directory, plus one file descriptor.
 *
 * <ol>
 *   <li>worker: {@code hello <worker-id> <pid> <generation>}
 *   <li>master: the listening socket's descriptor (SCM_RIGHTS), unless workers bind their own
 *       ({@code reuse_port}); then nothing is sent
 *   <li>worker, once the app is loaded and accepting: {@code ready}
 *   <li>worker, every second: a {@link Heartbeat}
 *   <li>master, any time after {@code ready}: {@code stop <grace-millis>} or {@code reopen-logs}
 * </ol>
 *
 * The master sends no line before {@code ready}, because until then the worker reads in
 * descriptor mode, in which plain bytes would be lost. A worker exits when the control
 * connection closes: the master is gone.
 */
public final class ControlProtocol {

    private ControlProtocol() {
    }

    /** Longest control line accepted. */
    public static final int MAX_LINE = 1024;

    /** Worker exit code: the application could not be loaded or started; respawning won't help. */
    public static final int EXIT_APP_LOAD_FAILED = 3;

    /** Worker exit code: the worker could not reach the master or get the listening socket. */
    public static final int EXIT_NO_MASTER = 4;

    /** Worker's first line. */
    public static String hello(int workerId, long pid, int generation) {
        return "hello " + workerId + ' ' + pid + ' ' + generation;
    }

    /** Worker: accepting requests. */
    public static final String READY = "ready";

    /** Master: stop gracefully within the grace period. */
    public static String stop(long graceMillis) {
        return "stop " + graceMillis;
    }

    /** Master: reopen log files (after logrotate moved them). */
    public static final String REOPEN_LOGS = "reopen-logs";
}
