package dev.gatehouse.systemd;

import io.netty.channel.epoll.Epoll;
import io.netty.channel.unix.Socket;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The service manager's notify socket ({@code sd_notify(3)}): one datagram per state change,
 * sent to the unix socket named by {@code NOTIFY_SOCKET}. Without that variable (not started by
 * systemd with {@code Type=notify}, or {@code NotifyAccess} not granting it) every method does
 * nothing, so callers never need to ask.
 *
 * <p>A send never blocks: the socket is non-blocking, and a datagram the manager cannot take at
 * once is dropped with one warning, as libsystemd's {@code sd_notify} drops it too.
 */
public final class ServiceNotifier {

    private static final Logger log = LoggerFactory.getLogger(ServiceNotifier.class);

    /** A notifier that sends nothing. */
    public static final ServiceNotifier NONE = new ServiceNotifier(null, null, Duration.ZERO);

    private final byte[] socketPath;
    private final String describedAs;
    private final Duration watchdogInterval;
    private Socket socket;

    private ServiceNotifier(byte[] socketPath, String describedAs, Duration watchdogInterval) {
        this.socketPath = socketPath;
        this.describedAs = describedAs;
        this.watchdogInterval = watchdogInterval;
    }

    /** The notifier this process's environment asks for: {@link #NONE} outside systemd. */
    public static ServiceNotifier fromEnvironment() {
        return from(System.getenv(), ProcessHandle.current().pid());
    }

    /**
     * The notifier these variables ask for.
     *
     * @param env the environment: {@code NOTIFY_SOCKET}, and {@code WATCHDOG_USEC} with an
     *     optional {@code WATCHDOG_PID} that must be {@code pid}
     * @param pid this process's id
     * @return {@link #NONE} when {@code NOTIFY_SOCKET} is unset or empty
     */
    static ServiceNotifier from(Map<String, String> env, long pid) {
        String path = env.get("NOTIFY_SOCKET");
        if (path == null || path.isEmpty()) {
            return NONE;
        }
        if (!path.startsWith("/") && !path.startsWith("@")) {
            // vsock and other families: sd_notify speaks them, we do not.
            log.warn("NOTIFY_SOCKET={} is neither a path nor an abstract socket; not notifying systemd", path);
            return NONE;
        }
        byte[] bytes = path.getBytes(StandardCharsets.UTF_8);
        if (bytes[0] == '@') {
            bytes[0] = 0; // the abstract namespace, as sd_notify reads a leading '@'
        }
        Duration watchdog = Duration.ZERO;
        String usec = env.get("WATCHDOG_USEC");
        String watchdogPid = env.get("WATCHDOG_PID");
        if (usec != null && !usec.isEmpty() && (watchdogPid == null || watchdogPid.equals(Long.toString(pid)))) {
            try {
                watchdog = Duration.ofNanos(Long.parseLong(usec) * 1000);
            } catch (NumberFormatException e) {
                log.warn("WATCHDOG_USEC={} is not a number of microseconds; no watchdog pings", usec);
            }
        }
        return new ServiceNotifier(bytes, path, watchdog);
    }

    /** Whether a service manager listens: false for {@link #NONE}. */
    public boolean enabled() {
        return socketPath != null;
    }

    /**
     * How often to send {@link #watchdog()}: half of {@code WatchdogSec}, as {@code
     * sd_watchdog_enabled(3)} advises; empty when the unit sets no watchdog.
     */
    public Optional<Duration> watchdogPingInterval() {
        return enabled() && !watchdogInterval.isZero() ? Optional.of(watchdogInterval.dividedBy(2)) : Optional.empty();
    }

    /**
     * {@code READY=1}: start-up (or a reload) is done.
     *
     * @param status a line for {@code systemctl status}, e.g. "serving on 127.0.0.1:8080"
     */
    public void ready(String status) {
        send("READY=1\nSTATUS=" + oneLine(status));
    }

    /**
     * {@code RELOADING=1} with the {@code MONOTONIC_USEC} systemd 253 wants with it (older ones
     * ignore it). HotSpot's {@link System#nanoTime()} reads {@code CLOCK_MONOTONIC}, the clock
     * systemd means.
     */
    public void reloading() {
        send("RELOADING=1\nMONOTONIC_USEC=" + System.nanoTime() / 1000 + "\nSTATUS=reloading");
    }

    /** {@code STOPPING=1}: a stop has begun. */
    public void stopping() {
        send("STOPPING=1\nSTATUS=stopping");
    }

    /**
     * {@code MAINPID=}: another process is now the service's main process (after an upgrade).
     *
     * @param pid its process id
     */
    public void mainPid(long pid) {
        send("MAINPID=" + pid);
    }

    /** {@code WATCHDOG=1}: still alive. */
    public void watchdog() {
        send("WATCHDOG=1");
    }

    /**
     * Sends one state message as is (for tests and future states).
     *
     * @param state newline-separated {@code KEY=VALUE} assignments
     */
    public synchronized void send(String state) {
        if (socketPath == null) {
            return;
        }
        try {
            if (socket == null) {
                Epoll.ensureAvailability();
                socket = Socket.newSocketDomainDgram();
            }
            byte[] bytes = state.getBytes(StandardCharsets.UTF_8);
            ByteBuffer buf = ByteBuffer.allocateDirect(bytes.length).put(bytes).flip();
            int sent = socket.sendToDomainSocket(buf, 0, bytes.length, socketPath);
            if (sent != bytes.length) {
                log.warn("systemd notify socket {} took {} of {} bytes of {}", describedAs, sent, bytes.length,
                        firstLine(state));
            }
        } catch (IOException | RuntimeException e) {
            log.warn("cannot notify systemd at {} ({}): {}", describedAs, firstLine(state),
                    e.getMessage() != null ? e.getMessage() : e.toString());
        }
    }

    private static String oneLine(String s) {
        return s.replace('\n', ' ');
    }

    private static String firstLine(String state) {
        int nl = state.indexOf('\n');
        return nl < 0 ? state : state.substring(0, nl);
    }
}
