package dev.gatehouse.conf.app;

/** Where a Servlet web app's sessions are kept ({@code session_store} key). */
public enum SessionStore {
    /**
     * Files in one directory on local disk, shared by every worker of the app-server: the kernel,
     * not a cookie, picks the worker of each request, so no worker may keep sessions to itself.
     */
    FILE("file"),
    /** A database table over JDBC, for sessions shared by several app-server hosts. */
    JDBC("jdbc");

    private final String token;

    SessionStore(String token) {
        this.token = token;
    }

    /** The spelling in config files: {@code file} or {@code jdbc}. */
    public String token() {
        return token;
    }

    @Override
    public String toString() {
        return token;
    }
}
