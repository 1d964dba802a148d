package dev.gatehouse.conf;

/** How much a server logs: the levels SLF4J knows, plus {@code off}. */
public enum LogLevel {
    /** Everything, including per-packet detail. */
    TRACE("trace"),
    /** Diagnostic detail. */
    DEBUG("debug"),
    /** Start, stop, reloads and worker changes: the default. */
    INFO("info"),
    /** Problems the server recovered from. */
    WARN("warn"),
    /** Problems that failed a request or a worker. */
    ERROR("error"),
    /** Nothing. */
    OFF("off");

    private final String token;

    LogLevel(String token) {
        this.token = token;
    }

    /** The spelling in config files, lower case. */
    public String token() {
        return token;
    }

    @Override
    public String toString() {
        return token;
    }
}
