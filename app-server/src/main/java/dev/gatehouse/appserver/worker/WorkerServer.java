package dev.gatehouse.appserver.worker;

import dev.gatehouse.appserver.api.Application;
import dev.gatehouse.uwsgi.UwsgiDecoderConfig;
import dev.gatehouse.uwsgi.UwsgiRequestDecoder;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One worker's uwsgi server: accepts connections from a listening socket (bound here, or
 * handed over by the master), decodes uwsgi packets and runs the application. Native epoll.
 */
public final class WorkerServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(WorkerServer.class);

    private final WorkerOptions options;
    private final Application app;
    private final EventLoopGroup group;
    private final ExecutorService executor;
    private final WorkerRuntime runtime;
    private final ChannelGroup connections;
    private Channel server;

    private WorkerServer(WorkerOptions options, Application app) {
        this.options = options;
        this.app = app;
        // One I/O thread per worker: the prefork model scales by processes, and the
        // application runs on virtual threads, not on the I/O thread.
        this.group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("gatehouse-io"), EpollIoHandler.newFactory());
        this.executor = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("gatehouse-req-", 0).factory());
        this.runtime = new WorkerRuntime(options, app, executor, new ResponseWriter(new HttpDateClock()), new WorkerStats());
        this.connections = new DefaultChannelGroup("uwsgi-connections", GlobalEventExecutor.INSTANCE);
    }

    /**
     * Binds a listening socket and starts serving.
     *
     * @param address a {@link DomainSocketAddress} or an {@link java.net.InetSocketAddress}
     * @param backlog the listen backlog
     */
    public static WorkerServer bind(WorkerOptions options, Application app, SocketAddress address, int backlog)
            throws InterruptedException {
        WorkerServer ws = new WorkerServer(options, app);
        boolean unix = address instanceof DomainSocketAddress;
        ServerBootstrap b = ws.bootstrap().channel(unix ? EpollServerDomainSocketChannel.class : EpollServerSocketChannel.class);
        b.option(ChannelOption.SO_BACKLOG, backlog);
        if (!unix) {
            b.option(ChannelOption.SO_REUSEADDR, true);
        }
        try {
            ws.server = b.bind(address).sync().channel();
        } catch (RuntimeException | InterruptedException e) {
            ws.close();
            throw e;
        }
        return ws;
    }

    /**
     * Binds this worker's own TCP socket with {@code SO_REUSEPORT} ({@code reuse_port = true}):
     * the kernel spreads connections over the workers' sockets, with no shared accept queue.
     */
    public static WorkerServer bindReusePort(WorkerOptions options, Application app, java.net.InetSocketAddress address,
            int backlog) throws InterruptedException {
        WorkerServer ws = new WorkerServer(options, app);
        ServerBootstrap b = ws.bootstrap().channel(EpollServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, backlog)
                .option(ChannelOption.SO_REUSEADDR, true)
                .option(io.netty.channel.epoll.EpollChannelOption.SO_REUSEPORT, true);
        try {
            ws.server = b.bind(address).sync().channel();
        } catch (RuntimeException | InterruptedException e) {
            ws.close();
            throw e;
        }
        return ws;
    }

    /**
     * Serves from a listening socket that is already bound (inherited from the master).
     *
     * @param listener an active server channel wrapping the inherited descriptor
     */
    public static WorkerServer adopt(WorkerOptions options, Application app, ServerChannel listener)
            throws InterruptedException {
        WorkerServer ws = new WorkerServer(options, app);
        ServerBootstrap b = ws.bootstrap().channelFactory(() -> listener);
        ws.server = b.register().sync().channel();
        return ws;
    }

    private ServerBootstrap bootstrap() {
        UwsgiDecoderConfig decoderConfig = UwsgiDecoderConfig.defaults().withMaxVarsSize(options.maxVarsSize());
        long readTimeoutMs = options.readTimeout().toMillis();
        return new ServerBootstrap()
                .group(group)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(64 * 1024, 256 * 1024))
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        connections.add(ch);
                        ch.pipeline().addLast("read-timeout", new IdleStateHandler(readTimeoutMs, 0, 0, TimeUnit.MILLISECONDS));
                        ch.pipeline().addLast("uwsgi-decoder", new UwsgiRequestDecoder(decoderConfig));
                        ch.pipeline().addLast("app", new UwsgiConnectionHandler(runtime));
                    }
                });
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
        return server.localAddress();
    }

    /** Stops accepting new connections; connections already open go on. */
    public void stopAccepting() {
        if (server != null && server.isOpen()) {
            if (server.isRegistered()) {
                // Deregister instead of closing an inherited socket: the master and the
                // other workers still accept from the same descriptor.
                server.close().syncUninterruptibly();
            }
        }
    }

    /**
     * Graceful stop: stop accepting, let in-flight requests finish for at most {@code grace},
     * then close every connection and stop the application.
     */
    public void shutdown(Duration grace) {
        stopAccepting();
        awaitConnectionsDone(grace);
        int left = runtime.stats().inFlight();
        if (left > 0) {
            log.warn("worker {}: {} request(s) still running after graceful timeout {}; closing their connections",
                    options.workerId(), left, grace);
        }
        close();
    }

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
        connections.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        if (server != null) {
            server.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        executor.shutdownNow();
        try {
            app.stop();
        } catch (Exception e) {
            log.warn("worker {}: application stop() failed: {}", options.workerId(), e.toString());
        }
    }
}
