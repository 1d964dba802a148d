package dev.gatehouse.appserver.master;

import dev.gatehouse.conf.Address;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The stats endpoint. Like uWSGI's stats server, a client that connects and sends nothing gets
 * the JSON and a close; a client that sends an HTTP request gets the JSON, or Prometheus text
 * on {@code /metrics}, as an HTTP response.
 */
final class StatsServer implements AutoCloseable {

    private static final long RAW_WAIT_MILLIS = 150;

    private final Channel server;
    private final Address address;

    private StatsServer(Channel server, Address address) {
        this.server = server;
        this.address = address;
    }

    static StatsServer bind(EventLoopGroup group, Address address, Supplier<StatsSnapshot> snapshot)
            throws IOException, InterruptedException {
        boolean unix = address.isUnix();
        if (unix) {
            dev.gatehouse.appserver.worker.UnixSocketFile.prepare(Path.of(address.path()));
        }
        Channel ch = new ServerBootstrap().group(group)
                .channel(unix ? EpollServerDomainSocketChannel.class : EpollServerSocketChannel.class)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel c) {
                        c.pipeline().addLast(new StatsHandler(snapshot));
                    }
                })
                .bind(unix ? new DomainSocketAddress(address.path()) : address.toSocketAddress()).sync().channel();
        return new StatsServer(ch, address);
    }

    @Override
    public void close() {
        server.close().syncUninterruptibly();
        if (address.isUnix()) {
            try {
                java.nio.file.Files.deleteIfExists(Path.of(address.path()));
            } catch (IOException ignored) {
                // a leftover stats socket is replaced on the next start
            }
        }
    }

    private static final class StatsHandler extends ChannelInboundHandlerAdapter {
        private final Supplier<StatsSnapshot> snapshot;
        private final StringBuilder request = new StringBuilder();
        private ScheduledFuture<?> rawTimer;
        private boolean answered;

        StatsHandler(Supplier<StatsSnapshot> snapshot) {
            this.snapshot = snapshot;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            rawTimer = ctx.executor().schedule(() -> answer(ctx, null), RAW_WAIT_MILLIS, TimeUnit.MILLISECONDS);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf buf = (ByteBuf) msg;
            try {
                if (request.length() < 8192) {
                    request.append(buf.toString(StandardCharsets.ISO_8859_1));
                }
            } finally {
                buf.release();
            }
            int end = request.indexOf("\r\n\r\n");
            if (end < 0) {
                end = request.indexOf("\n\n");
            }
            if (end >= 0 || request.length() >= 8192) {
                String line = request.toString().split("\r?\n", 2)[0];
                String[] parts = line.split(" ");
                answer(ctx, parts.length > 1 ? parts[1] : "/");
            }
        }

        private void answer(ChannelHandlerContext ctx, String httpPath) {
            if (answered) {
                return;
            }
            answered = true;
            rawTimer.cancel(false);
            StatsSnapshot s = snapshot.get();
            String out;
            if (httpPath == null) {
                out = s.toJson();
            } else if (httpPath.startsWith("/metrics")) {
                out = http("200 OK", "text/plain; version=0.0.4; charset=utf-8", s.toPrometheus());
            } else {
                out = http("200 OK", "application/json", s.toJson());
            }
            ctx.writeAndFlush(Unpooled.copiedBuffer(out, StandardCharsets.UTF_8)).addListener(ChannelFutureListener.CLOSE);
        }

        private static String http(String status, String type, String body) {
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            return "HTTP/1.1 " + status + "\r\nContent-Type: " + type + "\r\nContent-Length: " + bytes.length
                    + "\r\nConnection: close\r\n\r\n" + body;
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
