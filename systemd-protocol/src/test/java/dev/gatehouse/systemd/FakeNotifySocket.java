package dev.gatehouse.systemd;

import io.netty.channel.epoll.Epoll;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.channel.unix.Socket;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * The service manager's end of the notify protocol, for tests: a unix datagram socket whose
 * path goes in a child's {@code NOTIFY_SOCKET}, and the messages it received, in order.
 */
public final class FakeNotifySocket implements AutoCloseable {

    private final Path path;
    private final Socket socket;
    private final Thread reader;
    private final BlockingQueue<String> received = new LinkedBlockingQueue<>();
    private final List<String> all = new ArrayList<>();
    private volatile boolean closed;

    /**
     * Binds {@code notify.sock} in {@code dir}.
     *
     * @throws IOException when it cannot be bound
     */
    public FakeNotifySocket(Path dir) throws IOException {
        Epoll.ensureAvailability();
        path = dir.resolve("notify.sock");
        Files.deleteIfExists(path);
        socket = Socket.newSocketDomainDgram();
        socket.bind(new DomainSocketAddress(path.toString()));
        reader = Thread.ofPlatform().daemon().name("fake-notify-socket").start(this::read);
    }

    private void read() {
        ByteBuffer buf = ByteBuffer.allocateDirect(4096);
        while (!closed) {
            try {
                // Non-blocking socket: poll it; a datagram waits in the kernel meanwhile.
                buf.clear();
                var from = socket.recvFromDomainSocket(buf, 0, buf.capacity());
                if (from == null) {
                    Thread.sleep(5);
                    continue;
                }
                byte[] bytes = new byte[from.receivedAmount()];
                buf.get(0, bytes);
                received.add(new String(bytes, StandardCharsets.UTF_8));
            } catch (IOException | InterruptedException e) {
                return;
            }
        }
    }

    /** The socket's path, for {@code NOTIFY_SOCKET}. */
    public Path path() {
        return path;
    }

    /**
     * Waits for the next message that {@code matches}, skipping others (kept in {@link #seen()}).
     *
     * @return the message
     * @throws AssertionError naming what came instead, when none within {@code timeout}
     */
    public String await(String what, Predicate<String> matches, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            long left = deadline - System.nanoTime();
            String m = left > 0 ? received.poll(left, TimeUnit.NANOSECONDS) : null;
            if (m == null) {
                throw new AssertionError("no notify message " + what + " within " + timeout + "; received: " + seen());
            }
            synchronized (all) {
                all.add(m);
            }
            if (matches.test(m)) {
                return m;
            }
        }
    }

    /** Every message taken by {@link #await} so far. */
    public List<String> seen() {
        synchronized (all) {
            return List.copyOf(all);
        }
    }

    @Override
    public void close() throws IOException {
        closed = true;
        try {
            reader.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        socket.close();
        Files.deleteIfExists(path);
    }
}
