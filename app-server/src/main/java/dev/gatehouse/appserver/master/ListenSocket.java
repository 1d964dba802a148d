package dev.gatehouse.appserver.master;

import dev.gatehouse.appserver.worker.UnixSocketFile;
import dev.gatehouse.conf.Address;
import dev.gatehouse.conf.app.AppServerConfig;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.channel.unix.Socket;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The one listening socket the master binds and every worker accepts from; workers get its
 * descriptor over the control socket (the JDK closes inherited descriptors in child processes).
 */
final class ListenSocket implements AutoCloseable {

    private final Socket socket;
    private final Address address;

    private ListenSocket(Socket socket, Address address) {
        this.socket = socket;
        this.address = address;
    }

    /**
     * Binds and listens on the configured address.
     *
     * @throws IOException naming the address and the reason
     */
    static ListenSocket bind(AppServerConfig config) throws IOException {
        Epoll.ensureAvailability();
        Address address = config.bind();
        Socket socket;
        if (address.isUnix()) {
            Path path = Path.of(address.path());
            UnixSocketFile.prepare(path);
            socket = Socket.newSocketDomain();
            try {
                socket.bind(new DomainSocketAddress(path.toString()));
                UnixSocketFile.apply(path, config.socketMode().toPosixPermissions(),
                        config.socketOwner().orElse(null), config.socketGroup().orElse(null));
            } catch (IOException e) {
                socket.close();
                throw new IOException("cannot bind " + address + ": " + e.getMessage(), e);
            }
        } else {
            InetSocketAddress inet = (InetSocketAddress) address.toSocketAddress();
            socket = Socket.newSocketStream();
            try {
                socket.setReuseAddress(true);
                socket.bind(inet);
            } catch (IOException e) {
                socket.close();
                throw new IOException("cannot bind " + address + ": " + e.getMessage(), e);
            }
        }
        socket.listen(config.backlog());
        return new ListenSocket(socket, address);
    }

    /** The listening descriptor, passed to every worker. */
    int fd() {
        return socket.intValue();
    }

    /** True for a unix socket. */
    boolean isUnix() {
        return address.isUnix();
    }

    /** The address as configured. */
    Address address() {
        return address;
    }

    /** The TCP port actually bound (for port 0 in tests); -1 for unix sockets. */
    int port() throws IOException {
        return address.isUnix() ? -1 : ((InetSocketAddress) socket.localAddress()).getPort();
    }

    /** Closes the socket and removes a unix socket's file (closing alone leaves the file behind). */
    @Override
    public void close() throws IOException {
        socket.close();
        if (address.isUnix()) {
            Files.deleteIfExists(Path.of(address.path()));
        }
    }
}
