package dev.gatehouse.proxy;

import dev.gatehouse.conf.Address;
import dev.gatehouse.conf.proxy.ProxyConfig;
import dev.gatehouse.proxy.accesslog.AccessLog;
import dev.gatehouse.proxy.dispatch.Generation;
import dev.gatehouse.proxy.dispatch.ProxyContext;
import dev.gatehouse.proxy.dispatch.ShutdownEvent;
import dev.gatehouse.proxy.server.ConnectionLimiter;
import dev.gatehouse.proxy.server.HttpChannelInitializer;
import dev.gatehouse.proxy.statics.MimeTypes;
import dev.gatehouse.proxy.statics.OpenFileCache;
import dev.gatehouse.proxy.statics.StaticFiles;
import dev.gatehouse.proxy.upstream.UpstreamHandler;
import dev.gatehouse.systemd.PassedSockets;
import dev.gatehouse.systemd.ServiceNotifier;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running proxy: event loops (native epoll, NIO only where epoll is unavailable), the
 * listening sockets, and the shared {@link ProxyContext}. {@link #reload} swaps the configuration
 * for new requests without touching connections; {@link #stop} drains gracefully.
 */
public final class ProxyServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ProxyServer.class);

    private final EventLoopGroup group;
    private final List<Channel> listeners = new ArrayList<>();
    private final ProxyContext context;
    private final UpstreamHandler.Factory upstreams;
    private final ConnectionLimiter limiter;

    private ProxyServer(ProxyConfig config, UpstreamHandler.Factory upstreams) {
        this.upstreams = upstreams;
        Generation g = Generation.build(config, upstreams);
        StaticFiles statics = new StaticFiles(new OpenFileCache(config.openFileCache()), new MimeTypes(config.mimeTypes()));
        ChannelGroup connections = new DefaultChannelGroup("clients", GlobalEventExecutor.INSTANCE);
        this.context = new ProxyContext(g, statics, AccessLog.open(config.accessLog(), config.accessLogFormat()),
                connections);
        IoHandlerFactory io = Epoll.isAvailable() ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        if (!Epoll.isAvailable()) {
            log.warn("native epoll unavailable ({}); using NIO", Epoll.unavailabilityCause().toString());
        }
        this.group = new MultiThreadIoEventLoopGroup(eventLoops(config), io);
        this.limiter = new ConnectionLimiter(config.maxConnections());
    }

    /**
     * {@code io_threads}, else one event loop per core, as nginx's {@code worker_processes auto};
     * Netty's default is two per core. Every loop is busy under load (TLS, HTTP/2), so twice as
     * many threads as cores only adds context switches: on 2 cores, 2 loops served an h2 static
     * load with 16 CPU µs/request where 4 needed 26, and TLS HTTP/1.1 with 14 where 4 needed 16.
     * Forwarding to an app-server on the same cores was a draw (52k against 53k requests/s, p99
     * 4.6 against 3.4 ms, four interleaved rounds).
     */
    private static int eventLoops(ProxyConfig config) {
        return config.ioThreads() > 0 ? config.ioThreads() : Runtime.getRuntime().availableProcessors();
    }

    /**
     * Starts a proxy: builds the routes, binds every listen address.
     *
     * @param upstreams the forwarding implementation, or null when there is none (then a config
     *     with a location naming an upstream is refused)
     * @throws dev.gatehouse.conf.ConfigException for a config this proxy cannot serve
     * @throws InterruptedException when interrupted while binding
     */
    public static ProxyServer start(ProxyConfig config, UpstreamHandler.Factory upstreams) throws InterruptedException {
        try {
            return start(config, upstreams, PassedSockets.NONE);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e); // only a passed socket is checked this way
        }
    }

    /**
     * Starts a proxy on the listening sockets systemd passed where they match a listen address
     * (by the address they are bound to), binding the others itself.
     *
     * @param passed the sockets of socket activation, {@link PassedSockets#NONE} for none
     * @throws dev.gatehouse.conf.ConfigException for a config this proxy cannot serve
     * @throws InterruptedException when interrupted while binding
     * @throws IOException when a passed socket cannot be used (a blocking one)
     */
    public static ProxyServer start(ProxyConfig config, UpstreamHandler.Factory upstreams, PassedSockets passed)
            throws InterruptedException, IOException {
        ProxyServer s = new ProxyServer(config, upstreams);
        try {
            s.bind(config.listen(), passed);
        } catch (RuntimeException | InterruptedException | IOException e) {
            s.close();
            throw e;
        }
        return s;
    }

    private void bind(List<Address> addresses, PassedSockets passed) throws InterruptedException, IOException {
        for (Address a : addresses) {
            boolean unix = a.path() != null;
            Class<? extends ServerChannel> type = unix ? EpollServerDomainSocketChannel.class
                    : Epoll.isAvailable() ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
            SocketAddress sa = unix ? new DomainSocketAddress(a.path())
                    : a.host().equals("*") ? new InetSocketAddress(a.port()) : new InetSocketAddress(a.host(), a.port());
            Optional<PassedSockets.Passed> inherited = passed.claim(null, sa);
            ServerBootstrap b = new ServerBootstrap().group(group);
            if (inherited.isPresent()) {
                // Already bound and listening: registering the channel starts accepting.
                PassedSockets.requireNonBlocking(inherited.get());
                int fd = inherited.get().fd();
                b.channelFactory(() -> unix ? new EpollServerDomainSocketChannel(fd) : new EpollServerSocketChannel(fd));
            } else {
                b.channel(type);
            }
            b.option(ChannelOption.SO_BACKLOG, 1024)
                    .handler(limiter)
                    .childHandler(new HttpChannelInitializer(context, a));
            if (!unix) {
                b.option(ChannelOption.SO_REUSEADDR, true).childOption(ChannelOption.TCP_NODELAY, true);
            }
            Channel ch;
            if (inherited.isPresent()) {
                ch = b.register().sync().channel();
                log.info("listening on {} (socket passed by {}, fd {}, name {})", ch.localAddress(), passed.origin(),
                        inherited.get().fd(), inherited.get().name());
            } else {
                ch = b.bind(sa).sync().channel();
                log.info("listening on {}", ch.localAddress());
            }
            listeners.add(ch);
        }
        for (PassedSockets.Passed p : passed.unclaimed()) {
            log.warn("{} passed a socket no listen address names: fd {} (name {}, bound to {}); add its address"
                    + " to listen, or remove it from the .socket unit", passed.origin(), p.fd(), p.name(), p.address());
        }
    }

    /**
     * Sends systemd's watchdog ping from an event loop every {@code interval}: a ping proves the
     * loops still run, not just the main thread.
     */
    public void feedWatchdog(ServiceNotifier notifier) {
        notifier.watchdogPingInterval().ifPresent(i -> group.next().scheduleAtFixedRate(notifier::watchdog, 0,
                i.toMillis(), TimeUnit.MILLISECONDS));
    }

    /** The bound addresses, in listen order (with the real port for port 0). */
    public List<SocketAddress> addresses() {
        return listeners.stream().map(Channel::localAddress).toList();
    }

    /** The listening descriptors, for a successor proxy to take over (see {@code proxy.upgrade}). */
    public List<Integer> listenerFds() {
        return listeners.stream().map(c -> ((io.netty.channel.unix.UnixChannel) c).fd().intValue()).toList();
    }

    /** The first bound TCP port. */
    public int port() {
        for (Channel c : listeners) {
            if (c.localAddress() instanceof InetSocketAddress i) {
                return i.getPort();
            }
        }
        throw new IllegalStateException("no TCP listener");
    }

    /** The shared state, for tests and the operations code. */
    public ProxyContext context() {
        return context;
    }

    /**
     * Applies a new configuration to new requests: locations, MIME types, upstreams. Listen
     * addresses, the access log and the open-file cache keep their start-up settings.
     *
     * @throws dev.gatehouse.conf.ConfigException when the config cannot be served; the old one stays
     */
    public void reload(ProxyConfig config) {
        Generation next = Generation.build(config, upstreams);
        ProxyConfig old = context.generation().config();
        if (!old.listen().equals(config.listen()) || !old.accessLog().equals(config.accessLog())
                || !old.accessLogFormat().equals(config.accessLogFormat())
                || !old.openFileCache().equals(config.openFileCache())) {
            log.warn("reload: listen addresses, access_log, access_log_format and open_file_cache take effect only on"
                    + " restart");
        }
        context.statics().mimeTypes(new MimeTypes(config.mimeTypes()));
        Generation previous = context.swap(next);
        if (previous.upstream() != null) {
            // Requests in flight may still use it: close after the drain window.
            group.next().schedule(previous.upstream()::close, config.shutdownTimeout().toMillis() + 1000,
                    TimeUnit.MILLISECONDS);
        }
        long tls = config.listeners().stream().filter(l -> l.secure()).count();
        log.info("reloaded: {} locations{}", config.locations().size(),
                tls == 0 ? "" : ", certificates of " + tls + " TLS listener(s) reread");
    }

    /** Reopens the access log (USR1). */
    public void reopenLogs() {
        context.accessLog().reopen();
    }

    /**
     * Graceful stop: stops accepting, lets in-flight requests finish for up to {@code timeout}
     * (each response says Connection: close; an idle keep-alive connection closes once a
     * second's grace for a last request is over), then closes what is left.
     *
     * @return whether every connection finished in time
     */
    public boolean stop(Duration timeout) throws InterruptedException {
        for (Channel l : listeners) {
            l.close().sync();
        }
        // A connection accepted just before its listener closed may still be on its way to its
        // event loop, which registers it (and adds it to connections()) in a task. One empty task
        // through every loop lets those land first, so that they are drained like the others
        // instead of being cut by the exit when connections() looked empty.
        for (EventExecutor loop : group) {
            loop.submit(() -> { }).sync();
        }
        context.startDraining();
        for (Channel c : context.connections()) {
            c.eventLoop().execute(() -> c.pipeline().fireUserEventTriggered(ShutdownEvent.DRAIN));
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!context.connections().isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        boolean clean = context.connections().isEmpty();
        if (!clean) {
            log.warn("shutdown_timeout: closing {} connections with requests in flight", context.connections().size());
        }
        close();
        return clean;
    }

    /** Closes everything at once. */
    @Override
    public void close() {
        for (Channel l : listeners) {
            l.close();
        }
        context.connections().close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        Generation g = context.generation();
        if (g.upstream() != null) {
            g.upstream().close();
        }
        context.statics().close();
        context.accessLog().close();
    }
}
