package dev.gatehouse.systemd;

import io.netty.channel.epoll.Epoll;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.channel.unix.Socket;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The listening sockets systemd passed at start ({@code sd_listen_fds(3)}): descriptors 3 to
 * 3 + {@code LISTEN_FDS} - 1, meant for this process when {@code LISTEN_PID} is its pid, named by
 * {@code LISTEN_FDNAMES} (a unit's {@code FileDescriptorName=}, else "unknown").
 *
 * <p>A server matches each configured address to a passed socket, by name or by the address the
 * socket is bound to, and adopts that descriptor instead of binding; what it does not claim is
 * reported by {@link #unclaimed()}. Child processes never see the descriptors (the JDK closes them
 * in every process it starts) and ignore the variables ({@code LISTEN_PID} is not theirs).
 */
public final class PassedSockets {

    /** The first passed descriptor ({@code SD_LISTEN_FDS_START}). */
    static final int FIRST_FD = 3;

    /** No socket passed. */
    public static final PassedSockets NONE = new PassedSockets(List.of(), "nobody");

    /**
     * One passed listening socket.
     *
     * @param fd the descriptor
     * @param name its {@code FileDescriptorName=}, "unknown" when the unit sets none
     * @param address what it is bound to: an {@link InetSocketAddress} or a {@link
     *     DomainSocketAddress}; null when it is neither (a datagram or netlink socket, say)
     */
    public record Passed(int fd, String name, SocketAddress address) {
    }

    private final List<Passed> sockets;
    private final String origin;
    private final List<Passed> claimed = new ArrayList<>();

    private PassedSockets(List<Passed> sockets, String origin) {
        this.sockets = List.copyOf(sockets);
        this.origin = origin;
    }

    /** Who passed them, for log lines: "systemd", or "proxy 1234" for an upgrade. */
    public String origin() {
        return origin;
    }

    /**
     * The sockets this process was passed, looked up once at start.
     *
     * @throws IllegalStateException when the variables are malformed (a unit or wrapper bug)
     */
    public static PassedSockets fromEnvironment() {
        Map<String, String> env = System.getenv();
        int count = count(env, ProcessHandle.current().pid());
        if (count == 0) {
            return NONE;
        }
        Epoll.ensureAvailability();
        List<String> names = names(env, count);
        List<Passed> passed = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            int fd = FIRST_FD + i;
            passed.add(new Passed(fd, names.get(i), boundAddress(fd)));
        }
        return new PassedSockets(passed, "systemd");
    }

    /**
     * Listening sockets received another way (from the proxy being upgraded), all under one name.
     *
     * @param fds the descriptors, owned by this process
     * @param origin who passed them, for log lines, e.g. "proxy 1234"
     */
    public static PassedSockets of(List<Integer> fds, String origin) {
        Epoll.ensureAvailability();
        List<Passed> passed = new ArrayList<>();
        for (int fd : fds) {
            passed.add(new Passed(fd, "listener", boundAddress(fd)));
        }
        return new PassedSockets(passed, origin);
    }

    /**
     * How many descriptors these variables pass to process {@code pid}: 0 without
     * {@code LISTEN_FDS}, or when {@code LISTEN_PID} names another process (a parent's variables
     * inherited by a child).
     */
    static int count(Map<String, String> env, long pid) {
        String fds = env.get("LISTEN_FDS");
        if (fds == null || fds.isEmpty()) {
            return 0;
        }
        String listenPid = env.get("LISTEN_PID");
        if (listenPid != null && !listenPid.isEmpty() && !listenPid.equals(Long.toString(pid))) {
            return 0;
        }
        try {
            int n = Integer.parseInt(fds.trim());
            if (n < 0) {
                throw new IllegalStateException("LISTEN_FDS=" + fds + " is negative");
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalStateException("LISTEN_FDS=" + fds + " is not a number of descriptors", e);
        }
    }

    /** The names of {@code count} descriptors: {@code LISTEN_FDNAMES}, "unknown" where it has none. */
    static List<String> names(Map<String, String> env, int count) {
        String value = env.get("LISTEN_FDNAMES");
        List<String> given = value == null || value.isEmpty() ? List.of() : List.of(value.split(":", -1));
        List<String> names = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            names.add(i < given.size() && !given.get(i).isEmpty() ? given.get(i) : "unknown");
        }
        return names;
    }

    /**
     * Whether descriptor {@code fd} of this process has {@code O_NONBLOCK} set, read from
     * {@code /proc/self/fdinfo}: an event loop must never accept on a blocking socket (the accept
     * after the last pending connection would wait for the next one), and the JDK has no public
     * way to set the flag on a descriptor it did not open, so the service unit must
     * ({@code NonBlocking=yes}, a {@code [Service]} setting).
     *
     * @throws IOException when the fdinfo file cannot be read
     */
    public static boolean isNonBlocking(int fd) throws IOException {
        return isNonBlocking(java.nio.file.Files.readString(java.nio.file.Path.of("/proc/self/fdinfo/" + fd)));
    }

    /** Reads the {@code flags:} line (octal) of an fdinfo text. */
    static boolean isNonBlocking(String fdinfo) {
        for (String line : fdinfo.split("\n")) {
            if (line.startsWith("flags:")) {
                return (Long.parseLong(line.substring("flags:".length()).trim(), 8) & O_NONBLOCK) != 0;
            }
        }
        return false;
    }

    /** {@code O_NONBLOCK} on Linux (x86, arm and most others; not alpha, sparc or parisc). */
    private static final long O_NONBLOCK = 04000;

    /**
     * Checks that a claimed socket can go on an event loop.
     *
     * @throws IOException naming the descriptor and the unit setting to fix it
     */
    public static void requireNonBlocking(Passed p) throws IOException {
        if (!isNonBlocking(p.fd())) {
            throw new IOException("the socket systemd passed for " + p.address() + " (fd " + p.fd() + ", name "
                    + p.name() + ") is blocking: set NonBlocking=yes in the service unit");
        }
    }

    // <sys/socket.h> on Linux: getsockopt(SOL_SOCKET, SO_DOMAIN) names the family, which the
    // address lookups cannot tell (getsockname of a unix socket read as inet is garbage).
    private static final int SOL_SOCKET = 1;
    private static final int SO_DOMAIN = 39;
    private static final int AF_UNIX = 1;
    private static final int AF_INET = 2;
    private static final int AF_INET6 = 10;

    private static SocketAddress boundAddress(int fd) {
        // Not closed: wrapping a descriptor only reads it.
        Socket s = new Socket(fd);
        try {
            int family = s.getIntOpt(SOL_SOCKET, SO_DOMAIN);
            return switch (family) {
                case AF_UNIX -> s.localDomainSocketAddress();
                case AF_INET, AF_INET6 -> s.localAddress();
                default -> null;
            };
        } catch (IOException | RuntimeException e) {
            return null; // not a socket
        }
    }

    /** Every socket passed, in descriptor order. */
    public List<Passed> all() {
        return sockets;
    }

    /** Whether systemd passed any socket. */
    public boolean isEmpty() {
        return sockets.isEmpty();
    }

    /**
     * Claims the passed socket for a configured address: the one named {@code name}, else the
     * one bound to {@code address} (an unspecified host, {@code *:8080}, matches a socket bound
     * to the wildcard address on that port).
     *
     * @param name the name the configuration gives this address (e.g. "http"), or null
     * @param address the configured address
     * @return the socket, once: a second claim of the same socket finds nothing
     */
    public synchronized Optional<Passed> claim(String name, SocketAddress address) {
        for (Passed p : sockets) {
            if (!claimed.contains(p) && (name != null && name.equals(p.name()) || matches(p.address(), address))) {
                claimed.add(p);
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    /** The passed sockets no configured address claimed, for a warning. */
    public synchronized List<Passed> unclaimed() {
        List<Passed> left = new ArrayList<>(sockets);
        left.removeAll(claimed);
        return Collections.unmodifiableList(left);
    }

    static boolean matches(SocketAddress passed, SocketAddress configured) {
        if (passed == null || configured == null) {
            return false;
        }
        if (passed instanceof DomainSocketAddress p && configured instanceof DomainSocketAddress c) {
            return p.path().equals(c.path());
        }
        if (passed instanceof InetSocketAddress p && configured instanceof InetSocketAddress c) {
            if (p.getPort() != c.getPort()) {
                return false;
            }
            if (c.getAddress() == null || c.getAddress().isAnyLocalAddress()) {
                return p.getAddress() != null && p.getAddress().isAnyLocalAddress();
            }
            return c.getAddress().equals(p.getAddress());
        }
        return false;
    }
}
