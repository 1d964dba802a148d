package dev.gatehouse.appserver.worker;

import io.netty.channel.IoEvent;
import io.netty.channel.IoEventLoop;
import io.netty.channel.IoRegistration;
import io.netty.channel.epoll.EpollIoHandle;
import io.netty.channel.epoll.EpollIoOps;
import io.netty.channel.unix.FileDescriptor;
import io.netty.channel.unix.Socket;
import io.netty.util.concurrent.Future;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Accepts connections from a listening socket on the worker's event loop and passes each
 * descriptor to {@link DirectServe}, instead of a Netty server channel, whose accept makes a
 * full child channel for every connection (and reads the peer and local addresses with four
 * system calls before the first byte is read).
 *
 * <p>Registered level-triggered for input, like Netty's server channels; at most
 * {@link #MAX_ACCEPTS_PER_WAKEUP} connections per wake-up (Netty's {@code maxMessagesPerRead}
 * default), so one busy socket cannot starve the loop's other work.
 */
final class UwsgiAcceptor implements EpollIoHandle {

    private static final Logger log = LoggerFactory.getLogger(UwsgiAcceptor.class);

    static final int MAX_ACCEPTS_PER_WAKEUP = 16;
    /** After a failed accept (such as EMFILE), how long to leave the socket alone, as Netty does. */
    private static final long ACCEPT_ERROR_PAUSE_MS = 1000;

    private final Socket listener;
    private final DirectServe serve;
    private final int workerId;
    private final Runnable onClose;
    /** Where accept4 writes the peer address (read only with an allow list): sized as Netty's own. */
    private final byte[] peerAddress = new byte[26];
    /** The fronts allowed to connect to a TCP socket; null: anyone who reaches it. */
    private volatile PeerFilter allowed;
    /** Refused connections since the last log line about them (one line a second at most). */
    private long refusedSinceLog;
    private long nextRefusalLogNanos;
    private IoEventLoop loop;
    private IoRegistration registration;

    /**
     * @param listener a listening, non-blocking socket; closed by {@link #close()}
     * @param onClose runs once the socket is closed (to remove a unix socket file), or null
     */
    UwsgiAcceptor(Socket listener, DirectServe serve, int workerId, Runnable onClose) {
        this.listener = listener;
        this.serve = serve;
        this.workerId = workerId;
        this.onClose = onClose;
    }

    /** Registers with {@code loop} and starts accepting. */
    Future<IoRegistration> start(IoEventLoop loop) {
        this.loop = loop;
        return loop.register(this).addListener(f -> {
            if (f.isSuccess()) {
                registration = (IoRegistration) f.getNow();
                registration.submit(EpollIoOps.EPOLLIN);
            }
        });
    }

    @Override
    public FileDescriptor fd() {
        return listener;
    }

    @Override
    public void handle(IoRegistration registration, IoEvent event) {
        for (int i = 0; i < MAX_ACCEPTS_PER_WAKEUP; i++) {
            int fd;
            try {
                fd = listener.accept(peerAddress);
            } catch (IOException e) {
                if (!listener.isOpen()) {
                    return;
                }
                log.warn("worker {}: accept failed ({}); accepting again in {} ms",
                        workerId, e.getMessage(), ACCEPT_ERROR_PAUSE_MS);
                pause();
                return;
            }
            if (fd < 0) {
                return; // nothing queued (another worker took it)
            }
            PeerFilter filter = allowed;
            if (filter != null && !filter.allows(PeerFilter.peer(peerAddress))) {
                refuse(fd, PeerFilter.peer(peerAddress));
                continue;
            }
            serve.serve(fd);
        }
    }

    /** Only the fronts in {@code filter} may connect from now on; null lets anyone in. */
    void allowOnly(PeerFilter filter) {
        allowed = filter;
    }

    private void refuse(int fd, InetSocketAddress peer) {
        try {
            new FileDescriptor(fd).close();
        } catch (IOException e) {
            // closing a socket nobody used: nothing to do about a failure
        }
        // One line per refused front, but a scan or a flood of them is one line a second.
        long now = System.nanoTime();
        refusedSinceLog++;
        if (now - nextRefusalLogNanos >= 0) {
            log.warn("worker {}: refused a connection from {}: not in allow{}", workerId,
                    peer == null ? "an unknown address" : peer.getAddress().getHostAddress() + ":" + peer.getPort(),
                    refusedSinceLog > 1 ? " (" + refusedSinceLog + " refused since the last such line)" : "");
            refusedSinceLog = 0;
            nextRefusalLogNanos = now + TimeUnit.SECONDS.toNanos(1);
        }
    }

    private void pause() {
        registration.submit(EpollIoOps.EPOLLERR);
        loop.schedule(() -> {
            if (registration.isValid()) {
                registration.submit(EpollIoOps.EPOLLIN);
            }
        }, ACCEPT_ERROR_PAUSE_MS, TimeUnit.MILLISECONDS);
    }

    /** Stops accepting and closes this process's descriptor of the socket; on the event loop. */
    void stop() {
        if (registration != null) {
            registration.cancel();
        }
        close();
    }

    @Override
    public void close() {
        if (listener.isOpen()) {
            try {
                listener.close();
            } catch (IOException e) {
                log.debug("worker {}: closing the listening socket: {}", workerId, e.toString());
            }
            if (onClose != null) {
                onClose.run();
            }
        }
    }
}
