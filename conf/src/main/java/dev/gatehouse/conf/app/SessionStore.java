package dev.gatehouse.conf.app;

import dev.gatehouse.conf.ConfigWord;

/** Where a Servlet web app's sessions are kept ({@code session_store} key). */
public enum SessionStore implements ConfigWord {
    /**
     * Files in one directory on local disk, shared by every worker of the app-server: the kernel,
     * not a cookie, picks the worker of each request, so no worker may keep sessions to itself.
     */
    FILE,
    /** A database table over JDBC, for sessions shared by several app-server hosts. */
    JDBC;

    @Override
    public String toString() {
        return token();
    }
}
