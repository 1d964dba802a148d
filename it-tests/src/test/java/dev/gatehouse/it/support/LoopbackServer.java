package dev.gatehouse.it.support;

import java.net.InetSocketAddress;
import java.net.URI;

/** A {@link ManagedServer} that clients reach on a TCP port of 127.0.0.1. */
public abstract class LoopbackServer extends ManagedServer {

    private final int port;

    /**
     * @param launch the launch the server was started in, its process running and ready
     * @param port the loopback port it accepts on
     */
    protected LoopbackServer(Launch launch, int port) {
        super(launch);
        this.port = port;
    }

    /**
     * @param port a port on 127.0.0.1
     * @return its address, for {@link ManagedProcess#awaitConnectable}
     */
    protected static InetSocketAddress loopback(int port) {
        return new InetSocketAddress("127.0.0.1", port);
    }

    /** @return the port on 127.0.0.1 */
    public int port() {
        return port;
    }

    /**
     * @param pathAndQuery e.g. {@code /hello?x=1}
     * @return {@code http://127.0.0.1:<port><pathAndQuery>}
     */
    public URI uri(String pathAndQuery) {
        return URI.create("http://127.0.0.1:" + port + pathAndQuery);
    }
}
