package dev.gatehouse.appserver.worker;

import dev.gatehouse.appserver.api.Application;
import dev.gatehouse.uwsgi.UwsgiDecoderConfig;
import dev.gatehouse.uwsgi.UwsgiRequestDecoder;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.IoEventLoop;
import io.netty.channel.IoEventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.channel.unix.FileDescriptor;
import io.netty.channel.unix.Socket;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.io.IOException;
import java.net.SocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One worker's uwsgi server: accepts connections from a listening socket (bound here, or
 * handed over by the master), decodes uwsgi packets and runs the application. Native epoll.
 *
 * <p>A connection whose first read is a whole request for the event loop is served without a
 * channel ({@link DirectServe}); any other becomes a Netty channel with the uwsgi decoder and
 * {@link UwsgiConnectionHandler}.
 */
public final class WorkerServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(WorkerServer.class);
    private static final WriteBufferWaterMark WRITE_BUFFER_WATER_MARK = new WriteBufferWaterMark(64 * 1024, 256 * 1024);

    static {
        // The listening socket is made before any channel, which is what loads the natives otherwise.
        Epoll.ensureAvailability();
    }

    private final WorkerOptions options;
    private final Application app;
    private final IoEventLoopGroup group;
    private final IoEventLoop loop;
    private final ExecutorService executor;
    private final WorkerRuntime runtime;
    private final RequestPolicy policy;
    private final ChannelResponder responder;
    private final ChannelGroup connections;
    private final UwsgiDecoderConfig decoderConfig;
    private final boolean tcp;
    private UwsgiAcceptor acceptor;
    private DirectServe direct;
    private SocketAddress localAddress;

    private WorkerServer(WorkerOptions options, Application app, boolean tcp) {
        this.options = options;
        this.app = app;
        this.tcp = tcp;
        // One I/O thread per worker: the prefork model scales by processes, and the
        // application runs on virtual threads, not on the I/O thread.
        this.group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("gatehouse-io"), EpollIoHandler.newFactory());
        this.loop = group.next();
        this.executor = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("gatehouse-req-", 0).factory());
        this.runtime = new WorkerRuntime(options, app, executor, new ResponseWriter(new HttpDateClock()), new WorkerStats());
        this.policy = new RequestPolicy(runtime);
        this.responder = new ChannelResponder(runtime);
        this.connections = new DefaultChannelGroup("uwsgi-connections", GlobalEventExecutor.INSTANCE);
        this.decoderConfig = UwsgiDecoderConfig.defaults().withMaxVarsSize(options.maxVarsSize());
    }

    /**
     * Binds a listening socket and starts serving.
     *
     * @param address a {@link DomainSocketAddress} or an {@link java.net.InetSocketAddress}
     * @param backlog the listen backlog
     */
    public static WorkerServer bind(WorkerOptions options, Application app, SocketAddress address, int backlog)
            throws InterruptedException, IOException {
        boolean unix = address instanceof DomainSocketAddress;
        Socket socket = unix ? Socket.newSocketDomain() : Socket.newSocketStream();
        Runnable onClose = null;
        try {
            if (!unix) {
                socket.setReuseAddress(true);
            }
            socket.bind(address);
            socket.listen(backlog);
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
        if (unix) {
            // As Netty's server channel does: the socket file goes with the socket that bound it.
            Path file = Path.of(((DomainSocketAddress) address).path());
            onClose = () -> file.toFile().delete();
        }
        return start(options, app, socket, !unix, onClose, unix ? address : socket.localAddress());
    }

    /**
     * Binds this worker's own TCP socket with {@code SO_REUSEPORT} ({@code reuse_port = true}):
     * the kernel spreads connections over the workers' sockets, with no shared accept queue.
     */
    public static WorkerServer bindReusePort(WorkerOptions options, Application app, java.net.InetSocketAddress address,
            int backlog) throws InterruptedException, IOException {
        Socket socket = Socket.newSocketStream();
        try {
            socket.setReuseAddress(true);
            socket.setReusePort(true);
            socket.bind(address);
            socket.listen(backlog);
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
        return start(options, app, socket, true, null, socket.localAddress());
    }

    /**
     * Admits only connections from these fronts (the {@code allow} list of a TCP bind); the
     * others are closed before a byte is read, with a log line.
     *
     * @param ranges the allowed ranges, or an empty list for anyone
     */
    public void allowOnly(List<dev.gatehouse.conf.AddressRange> ranges) {
        acceptor.allowOnly(ranges.isEmpty() ? null : new PeerFilter(ranges));
    }

    /**
     * Serves from a listening socket that is already bound and listening (inherited from the
     * master, which keeps its own descriptor of it).
     *
     * @param listenFd the descriptor, non-blocking
     * @param tcp a TCP socket rather than a unix one
     */
    public static WorkerServer adopt(WorkerOptions options, Application app, int listenFd, boolean tcp)
            throws InterruptedException {
        return start(options, app, new Socket(listenFd), tcp, null, null);
    }

    /** Serves from {@code listener}, bound and listening (tests prepare one with their own options). */
    static WorkerServer start(WorkerOptions options, Application app, Socket listener, boolean tcp,
            Runnable onClose, SocketAddress localAddress) throws InterruptedException {
        WorkerServer ws = new WorkerServer(options, app, tcp);
        ws.localAddress = localAddress;
        ws.direct = new DirectServe(ws.runtime, ws.policy, ws.decoderConfig, ByteBufAllocator.DEFAULT, ws.loop, tcp,
                ws::openChannel);
        ws.acceptor = new UwsgiAcceptor(listener, ws.direct, options.workerId(), onClose);
        Future<?> registered = ws.acceptor.start(ws.loop).await();
        if (!registered.isSuccess()) {
            ws.acceptor.close();
            ws.close();
            throw new IllegalStateException("cannot register the listening socket with the event loop", registered.cause());
        }
        return ws;
    }

    /**
     * Makes a channel of an accepted connection that {@link DirectServe} did not finish, and
     * hands it what was read or answered already. On the event loop.
     */
    private void openChannel(int fd, Handover first) {
        Channel ch;
        try {
            ch = tcp ? new EpollSocketChannel(fd) : new EpollDomainSocketChannel(fd);
        } catch (RuntimeException e) {
            log.warn("worker {}: cannot set up an accepted connection, closing it: {}", options.workerId(), e.toString());
            first.abandon(policy);
            closeFd(fd);
            return;
        }
        ch.config().setWriteBufferWaterMark(WRITE_BUFFER_WATER_MARK);
        connections.add(ch);
        ch.pipeline().addLast("read-timeout", new IdleStateHandler(options.readTimeout().toMillis(), 0, 0, TimeUnit.MILLISECONDS));
        ch.pipeline().addLast("uwsgi-decoder", new UwsgiRequestDecoder(decoderConfig));
        ch.pipeline().addLast("app", new UwsgiConnectionHandler(runtime, policy, responder));
        loop.register(ch).addListener(f -> {
            if (!f.isSuccess()) {
                log.warn("worker {}: cannot register an accepted connection, closing it: {}",
                        options.workerId(), f.cause().toString());
                first.abandon(policy);
                ch.unsafe().closeForcibly();
                return;
            }
            if (first instanceof Handover.Unread(ByteBuf bytes)) {
                if (bytes.isReadable()) {
                    // The connection's first read, made by DirectServe.
                    ch.pipeline().fireChannelRead(bytes);
                    ch.pipeline().fireChannelReadComplete();
                } else {
                    bytes.release();
                }
            } else {
                ch.pipeline().fireUserEventTriggered(first);
            }
        });
    }

    private static void closeFd(int fd) {
        try {
            new FileDescriptor(fd).close();
        } catch (IOException ignored) {
            // nothing more to do for a connection that could not be set up
        }
    }

    /** The counters of this worker. */
    public WorkerStats stats() {
        return runtime.stats();
    }

    /** The options this worker runs with. */
    public WorkerOptions options() {
        return options;
    }

    /** The listening channel's local address (null for an inherited unix socket). */
    public SocketAddress localAddress() {
        return localAddress;
    }

    /** Stops accepting new connections; connections already open go on. */
    public void stopAccepting() {
        // Closes this process's descriptor only: the master and the other workers still
        // accept from the same socket.
        if (acceptor != null && !loop.isShutdown()) {
            loop.submit(acceptor::stop).syncUninterruptibly();
        }
    }

    /**
     * Graceful stop: stop accepting, let in-flight requests finish for at most {@code grace},
     * then close every connection and stop the application.
     */
    public void shutdown(Duration grace) {
        stopAccepting();
        awaitConnectionsDone(grace);
        closeWebSockets();
        int left = runtime.stats().inFlight();
        if (left > 0) {
            log.warn("worker {}: {} request(s) still running after graceful timeout {}; closing their connections",
                    options.workerId(), left, grace);
        }
        close();
    }

    /**
     * WebSockets still open after the grace period get a close with 1001 (going away), so that
     * their clients reconnect, to the new generation on a reload; a moment is left for the
     * closing handshakes before the connections are cut.
     */
    private void closeWebSockets() {
        int open = runtime.stats().openWebSockets();
        if (open == 0 || loop.isShutdown()) {
            return;
        }
        log.info("worker {}: closing {} open WebSocket(s) with 1001 (going away)", options.workerId(), open);
        connections.forEach(ch -> ch.pipeline().fireUserEventTriggered(WebSocketSession.GOING_AWAY));
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WEBSOCKET_CLOSE_WAIT_MILLIS);
        while (runtime.stats().openWebSockets() > 0 && System.nanoTime() < deadline) {
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
    }

    /**
     * How long WebSockets closed at the end of a graceful stop have to answer: within the
     * master's slack after graceful_timeout, before it kills the worker.
     */
    private static final long WEBSOCKET_CLOSE_WAIT_MILLIS = 1_000;

    private void awaitInFlight(Duration grace) {
        long deadline = System.nanoTime() + grace.toNanos();
        while (runtime.stats().inFlight() > 0 && System.nanoTime() < deadline) {
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
    }

    /**
     * Waits until no connection owes a response: a connection accepted just before accepting
     * stopped carries a request that has not arrived yet, and closing it would fail that request
     * (nginx answers 502), which a graceful stop or reload must not do.
     */
    private void awaitConnectionsDone(Duration grace) {
        long deadline = System.nanoTime() + grace.toNanos();
        WorkerStats s = runtime.stats();
        while ((s.inFlight() > 0 || s.busyConnections() > 0) && System.nanoTime() < deadline) {
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
    }

    /**
     * Closes everything and stops the application. Requests whose response is being finished
     * get a moment to complete, so their buffers are released on a live event loop.
     */
    @Override
    public void close() {
        awaitInFlight(Duration.ofMillis(500));
        stopAccepting();
        if (direct != null && !loop.isShutdown()) {
            loop.submit(direct::closeWaiting).awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
        if (direct != null) {
            direct.abandonRunning();
        }
        connections.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        executor.shutdownNow();
        try {
            app.stop();
        } catch (Exception e) {
            log.warn("worker {}: application stop() failed: {}", options.workerId(), e.toString());
        }
    }
}
