package dev.gatehouse.conf;

/** How much a server logs: the levels SLF4J knows, plus {@code off}. */
public enum LogLevel implements ConfigWord {
    /** Everything, including per-packet detail. */
    TRACE,
    /** Diagnostic detail. */
    DEBUG,
    /** Start, stop, reloads and worker changes: the default. */
    INFO,
    /** Problems the server recovered from. */
    WARN,
    /** Problems that failed a request or a worker. */
    ERROR,
    /** Nothing. */
    OFF;

    @Override
    public String toString() {
        return token();
    }
}
