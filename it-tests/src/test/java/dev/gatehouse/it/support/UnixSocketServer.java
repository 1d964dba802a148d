package dev.gatehouse.it.support;

import java.nio.file.Path;

/** A {@link ManagedServer} that speaks uwsgi on a unix socket in its directory (uWSGI, the app-server). */
public abstract class UnixSocketServer extends ManagedServer {

    private final Path socket;

    /**
     * @param launch the launch the server was started in, its process running and ready
     * @param socket the unix socket it accepts on
     */
    protected UnixSocketServer(Launch launch, Path socket) {
        super(launch);
        this.socket = socket;
    }

    /** @return the unix socket the server listens on */
    public Path socketPath() {
        return socket;
    }

    /** @return {@code unix:<socket>}, as nginx's {@code uwsgi_pass} and the proxy's {@code servers} want it */
    public String uwsgiPass() {
        return "unix:" + socket;
    }
}
