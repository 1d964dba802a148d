package dev.gatehouse.appserver.master;

import dev.gatehouse.appserver.control.ControlProtocol;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.handler.codec.LineBasedFrameDecoder;
import io.netty.handler.codec.string.StringDecoder;
import io.netty.handler.codec.string.StringEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * The master's end of the control sockets: a unix socket in the master's private {@code 0700}
 * run directory (anyone who can connect to it could ask for the listening descriptor). Every
 * line a worker sends becomes a {@link MasterEvent.ControlLine} for the master's loop.
 */
final class ControlServer implements AutoCloseable {

    private final Channel server;

    private ControlServer(Channel server) {
        this.server = server;
    }

    static ControlServer bind(EventLoopGroup group, Path socket, Consumer<MasterEvent> events) throws InterruptedException {
        return bind(group, socket, events, MasterEvent.ControlLine::new);
    }

    /**
     * A line socket whose every line becomes the event {@code asEvent} makes of it: the workers'
     * control socket, or the admin socket {@code gatehouse ctl} talks to.
     */
    static ControlServer bind(EventLoopGroup group, Path socket, Consumer<MasterEvent> events,
            java.util.function.BiFunction<Channel, String, MasterEvent> asEvent) throws InterruptedException {
        Channel ch = new ServerBootstrap().group(group).channel(EpollServerDomainSocketChannel.class)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel c) {
                        c.pipeline().addLast(new LineBasedFrameDecoder(ControlProtocol.MAX_LINE));
                        c.pipeline().addLast(new StringDecoder(StandardCharsets.UTF_8));
                        c.pipeline().addLast(new StringEncoder(StandardCharsets.UTF_8));
                        c.pipeline().addLast(new SimpleChannelInboundHandler<String>() {
                            @Override
                            protected void channelRead0(ChannelHandlerContext ctx, String line) {
                                events.accept(asEvent.apply(ctx.channel(), line));
                            }

                            @Override
                            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                                ctx.close();
                            }
                        });
                    }
                })
                .bind(new DomainSocketAddress(socket.toString())).sync().channel();
        return new ControlServer(ch);
    }

    @Override
    public void close() {
        server.close().syncUninterruptibly();
    }
}
