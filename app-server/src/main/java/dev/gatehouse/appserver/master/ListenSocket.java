package dev.gatehouse.appserver.master;

import dev.gatehouse.appserver.worker.UnixSocketFile;
import dev.gatehouse.conf.Address;
import dev.gatehouse.conf.app.AppServerConfig;
import dev.gatehouse.systemd.PassedSockets;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.channel.unix.Socket;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.LoggerFactory;

/**
 * The one listening socket the master binds and every worker accepts from; workers get its
 * descriptor over the control socket (the JDK closes inherited descriptors in child processes).
 */
final class ListenSocket implements AutoCloseable {

    private final Socket socket;
    private final Address address;
    /**
     * Whether closing removes a unix socket's file: not when systemd passed the socket (the file
     * is the .socket unit's), nor once it was handed to a new master that goes on serving on it.
     */
    private boolean ownsFile;

    private ListenSocket(Socket socket, Address address, boolean ownsFile) {
        this.socket = socket;
        this.address = address;
        this.ownsFile = ownsFile;
    }

    /**
     * The socket an old master handed over in an upgrade. Its file stays the old master's until
     * that one retires ({@link #own}): a successor that fails must leave it in place.
     *
     * @param fd the descriptor received over the old master's admin socket
     */
    static ListenSocket handedOver(int fd, Address address) {
        return new ListenSocket(new Socket(fd), address, false);
    }

    /** Whether closing removes the socket file. */
    boolean ownsFile() {
        return ownsFile;
    }

    /** Takes the socket file over from the old master, which retired. */
    void own() {
        ownsFile = true;
    }

    /** Leaves the socket file to the new master this one handed the socket to. */
    void disown() {
        ownsFile = false;
    }

    /**
     * The socket systemd passed for the configured address (socket activation), else a new
     * one bound here.
     *
     * @param passed the sockets systemd passed; {@link PassedSockets#NONE} outside systemd
     * @throws IOException naming the address and the reason
     */
    static ListenSocket bindOrAdopt(AppServerConfig config, PassedSockets passed) throws IOException {
        Address address = config.bind();
        java.net.SocketAddress wanted = address.isUnix() ? new DomainSocketAddress(address.path())
                : address.toSocketAddress();
        var inherited = passed.claim(null, wanted);
        for (PassedSockets.Passed p : passed.unclaimed()) {
            throw new IOException("systemd passed a socket bound to " + p.address() + " (fd " + p.fd() + ", name "
                    + p.name() + "), but bind is " + address + ": make the .socket unit's ListenStream= and bind"
                    + " name the same address");
        }
        if (inherited.isEmpty()) {
            return bind(config);
        }
        PassedSockets.requireNonBlocking(inherited.get());
        Socket socket = new Socket(inherited.get().fd());
        LoggerFactory.getLogger(ListenSocket.class).info("listening on {}: socket passed by systemd (fd {}, name {})",
                address, inherited.get().fd(), inherited.get().name());
        return new ListenSocket(socket, address, false);
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
        return new ListenSocket(socket, address, true);
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
        if (address.isUnix() && ownsFile) {
            Files.deleteIfExists(Path.of(address.path()));
        }
    }
}
