package dev.gatehouse.appserver.master;

import dev.gatehouse.appserver.control.AdminCommands;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.channel.unix.DomainSocketReadMode;
import io.netty.channel.unix.FileDescriptor;
import io.netty.handler.codec.string.StringEncoder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The two ends of a master upgrade, as nginx's USR2 and gunicorn's re-exec do it, with the
 * descriptor passed over a unix socket as HAProxy does (a JVM cannot let a child inherit one):
 * the running master starts a successor with this same command line plus
 * {@code --upgrade-from PIDFILE}; the successor takes the listening socket over the old master's
 * admin socket ({@code handover}), starts its own workers on it, and once they serve tells the
 * old master to retire ({@code retire PID}), which stops its workers gracefully and exits. Old and
 * new workers accept from the one socket all along, so no connection is refused.
 */
final class MasterHandover {

    private MasterHandover() {
    }

    /**
     * The old master's pid, from the pidfile it wrote.
     *
     * @throws IOException when the pidfile is missing or does not hold a pid
     */
    static long oldPid(Path pidfile) throws IOException {
        String text = Files.readString(pidfile).trim();
        try {
            return Long.parseLong(text);
        } catch (NumberFormatException e) {
            throw new IOException("pidfile " + pidfile + " holds \"" + text + "\", not a pid", e);
        }
    }

    /**
     * Asks the old master for its listening socket.
     *
     * @param admin the old master's admin socket
     * @return the descriptor, now this process's
     * @throws IOException when the old master cannot be reached, refuses, or does not answer in time
     */
    static int takeListenSocket(EventLoopGroup group, Path admin, Duration timeout) throws IOException {
        CompletableFuture<Integer> fd = new CompletableFuture<>();
        Channel ch;
        try {
            ch = new Bootstrap().group(group).channel(EpollDomainSocketChannel.class)
                    .option(EpollChannelOption.DOMAIN_SOCKET_READ_MODE, DomainSocketReadMode.FILE_DESCRIPTORS)
                    .handler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel c) {
                            c.pipeline().addLast(new StringEncoder(StandardCharsets.UTF_8));
                            c.pipeline().addLast(new SimpleChannelInboundHandler<FileDescriptor>() {
                                @Override
                                protected void channelRead0(ChannelHandlerContext ctx, FileDescriptor received) {
                                    fd.complete(received.intValue());
                                }

                                @Override
                                public void channelInactive(ChannelHandlerContext ctx) {
                                    fd.completeExceptionally(new IOException("the old master closed the admin"
                                            + " connection without handing over its socket (see its log)"));
                                }
                            });
                        }
                    })
                    .connect(new DomainSocketAddress(admin.toString())).sync().channel();
        } catch (Exception e) {
            throw new IOException("cannot reach the old master at " + admin + ": " + e.getMessage(), e);
        }
        try {
            ch.writeAndFlush("handover\n");
            return fd.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new IOException("the old master at " + admin + " did not hand over its socket within " + timeout, e);
        } catch (ExecutionException e) {
            throw new IOException(e.getCause().getMessage(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while taking the socket over", e);
        } finally {
            ch.close();
        }
    }

    /**
     * Tells the old master that this one serves, so that it retires.
     *
     * @return the old master's answer, {@code ok: ...} or {@code error: ...}
     * @throws IOException when it cannot be reached (it may be gone already)
     */
    static String retire(Path admin) throws IOException {
        return AdminCommands.ask(admin, "retire " + ProcessHandle.current().pid()).trim();
    }
}
