package dev.gatehouse.proxy.upgrade;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.channel.unix.FileDescriptor;
import io.netty.handler.codec.LineBasedFrameDecoder;
import io.netty.handler.codec.string.StringDecoder;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running proxy's side of an upgrade: a unix socket, mode 0600, at {@link #path} beside the
 * pidfile. A new proxy sends {@code listeners} and receives every listening descriptor (then the
 * connection closes), and once it serves on them sends {@code drain PID}: this proxy then stops
 * accepting and lets its open connections finish.
 */
public final class HandoverServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(HandoverServer.class);

    /** Longest command line accepted; the two commands are short. */
    static final int MAX_LINE = 64;

    private final EventLoopGroup group;
    private final Channel channel;
    private final Path path;

    private HandoverServer(EventLoopGroup group, Channel channel, Path path) {
        this.group = group;
        this.channel = channel;
        this.path = path;
    }

    /**
     * The socket a proxy with this pid offers its listeners on: {@code proxy-PID.handover} in
     * the pidfile's directory, so that the new proxy can bind its own before the old one is gone.
     */
    public static Path path(Path pidfile, long pid) {
        Path dir = pidfile.toAbsolutePath().getParent();
        return dir.resolve("proxy-" + pid + ".handover");
    }

    /**
     * Starts offering the listening sockets.
     *
     * @param pidfile the configured pidfile, beside which the socket goes
     * @param listeners the listening descriptors, asked for at each request (a reload keeps them)
     * @param drain called once, with the new proxy's pid, when it asks this one to drain
     * @throws IOException when the socket cannot be bound
     */
    public static HandoverServer start(Path pidfile, Supplier<List<Integer>> listeners, LongConsumer drain)
            throws IOException, InterruptedException {
        Path path = path(pidfile, ProcessHandle.current().pid());
        Files.deleteIfExists(path);
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("gatehouse-handover"),
                EpollIoHandler.newFactory());
        try {
            Channel ch = new ServerBootstrap().group(group).channel(EpollServerDomainSocketChannel.class)
                    .childHandler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel c) {
                            c.pipeline().addLast(new LineBasedFrameDecoder(MAX_LINE),
                                    new StringDecoder(StandardCharsets.US_ASCII), new Commands(listeners, drain));
                        }
                    })
                    .bind(new DomainSocketAddress(path.toString())).sync().channel();
            // Whoever can connect can take the listening sockets: the proxy's own user only.
            Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-------"));
            log.info("upgrade: offering the listening sockets at {} (gatehouse proxy --upgrade-from {})", path, pidfile);
            return new HandoverServer(group, ch, path);
        } catch (RuntimeException | IOException e) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw e instanceof IOException io ? io : new IOException("cannot bind " + path + ": " + e.getMessage(), e);
        }
    }

    private static final class Commands extends SimpleChannelInboundHandler<String> {
        private final Supplier<List<Integer>> listeners;
        private final LongConsumer drain;

        Commands(Supplier<List<Integer>> listeners, LongConsumer drain) {
            this.listeners = listeners;
            this.drain = drain;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, String line) {
            if (line.equals("listeners")) {
                List<Integer> fds = listeners.get();
                for (int fd : fds) {
                    ctx.write(new FileDescriptor(fd));
                }
                log.info("upgrade: handed {} listening socket(s) to a new proxy", fds.size());
                ctx.writeAndFlush(io.netty.buffer.Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
            } else if (line.startsWith("drain ")) {
                long pid;
                try {
                    pid = Long.parseLong(line.substring("drain ".length()).trim());
                } catch (NumberFormatException e) {
                    log.warn("upgrade: ignoring a malformed handover command \"{}\"", line);
                    ctx.close();
                    return;
                }
                ctx.close();
                drain.accept(pid);
            } else {
                log.warn("upgrade: ignoring an unknown handover command \"{}\"", line);
                ctx.close();
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            log.warn("upgrade: handover connection failed: {}", cause.toString());
            ctx.close();
        }
    }

    /** The socket's path. */
    public Path path() {
        return path;
    }

    /** Stops offering the sockets and removes the socket file. */
    @Override
    public void close() {
        channel.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(3, TimeUnit.SECONDS);
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            log.warn("upgrade: cannot remove {}: {}", path, e.getMessage());
        }
    }
}
