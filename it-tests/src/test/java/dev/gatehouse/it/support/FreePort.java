package dev.gatehouse.it.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;

/**
 * Picks a loopback TCP port that is free right now.
 *
 * <p>The kernel chooses (bind to port 0) and the socket is closed again, so another process can
 * still take the port before the peer binds it; {@link Nginx} retries on "Address already in use"
 * for that reason.
 */
public final class FreePort {

    private FreePort() {}

    /** @return a port on 127.0.0.1 that was free a moment ago */
    public static int pick() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot bind an ephemeral port on 127.0.0.1", e);
        }
    }
}
