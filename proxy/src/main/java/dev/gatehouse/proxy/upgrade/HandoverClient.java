package dev.gatehouse.proxy.upgrade;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.channel.unix.DomainSocketReadMode;
import io.netty.channel.unix.FileDescriptor;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** The new proxy's side of an upgrade: takes the running proxy's listening sockets, then lets it drain. */
public final class HandoverClient {

    private static final Duration WAIT = Duration.ofSeconds(30);

    private final long oldPid;
    private final Path socket;

    private HandoverClient(long oldPid, Path socket) {
        this.oldPid = oldPid;
        this.socket = socket;
    }

    /**
     * The running proxy named by a pidfile.
     *
     * @throws IOException naming the pidfile or socket when there is no proxy to take over from
     */
    public static HandoverClient of(Path pidfile) throws IOException {
        long pid;
        try {
            pid = Long.parseLong(Files.readString(pidfile).trim());
        } catch (IOException | NumberFormatException e) {
            throw new IOException("--upgrade-from " + pidfile + ": cannot read a pid from it (" + e.getMessage() + ")");
        }
        Path socket = HandoverServer.path(pidfile, pid);
        if (!Files.exists(socket)) {
            throw new IOException("--upgrade-from " + pidfile + ": no handover socket " + socket + " (is proxy " + pid
                    + " running, with this pidfile in its configuration?)");
        }
        return new HandoverClient(pid, socket);
    }

    /** The pid of the proxy being replaced. */
    public long oldPid() {
        return oldPid;
    }

    /**
     * Receives the running proxy's listening descriptors; the caller owns them from then on.
     *
     * @throws IOException when the old proxy does not answer within 30 s
     */
    public List<Integer> takeListeners() throws IOException, InterruptedException {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        try {
            List<Integer> fds = new ArrayList<>();
            CompletableFuture<List<Integer>> done = new CompletableFuture<>();
            Channel ch = new Bootstrap().group(group).channel(EpollDomainSocketChannel.class)
                    .option(EpollChannelOption.DOMAIN_SOCKET_READ_MODE, DomainSocketReadMode.FILE_DESCRIPTORS)
                    .handler(new ChannelInboundHandlerAdapter() {
                        @Override
                        public void channelRead(ChannelHandlerContext ctx, Object msg) {
                            if (msg instanceof FileDescriptor fd) {
                                fds.add(fd.intValue());
                            } else {
                                ReferenceCountUtil.release(msg);
                            }
                        }

                        @Override
                        public void channelInactive(ChannelHandlerContext ctx) {
                            done.complete(List.copyOf(fds)); // the old proxy closes after the last one
                        }

                        @Override
                        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                            done.completeExceptionally(cause);
                            ctx.close();
                        }
                    })
                    .connect(new DomainSocketAddress(socket.toString())).sync().channel();
            ch.writeAndFlush(Unpooled.copiedBuffer("listeners\n", StandardCharsets.US_ASCII));
            try {
                return done.get(WAIT.toSeconds(), TimeUnit.SECONDS);
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                throw new IOException("proxy " + oldPid + " did not hand over its listening sockets at " + socket
                        + " within " + WAIT.toSeconds() + " s: " + e, e);
            }
        } catch (RuntimeException e) {
            throw new IOException("cannot reach proxy " + oldPid + " at " + socket + ": " + e.getMessage(), e);
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
    }

    /**
     * Tells the old proxy to stop accepting and drain, now that this one serves.
     *
     * @throws IOException when the old proxy cannot be reached (it may have gone already)
     */
    public void letTheOldOneDrain() throws IOException {
        try (var ch = java.nio.channels.SocketChannel.open(java.net.UnixDomainSocketAddress.of(socket))) {
            ch.write(java.nio.ByteBuffer.wrap(("drain " + ProcessHandle.current().pid() + "\n")
                    .getBytes(StandardCharsets.US_ASCII)));
        }
    }
}
