package dev.gatehouse.proxy.server;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code max_connections}: counts accepted client connections over all listening sockets; at the
 * limit the listening sockets stop accepting, so that further clients wait in the kernel's
 * listen queue (as nginx's worker_connections), and accepting resumes when one closes.
 */
@ChannelHandler.Sharable
public final class ConnectionLimiter extends ChannelInboundHandlerAdapter {

    private final int max;
    private final AtomicInteger open = new AtomicInteger();
    private final List<Channel> listeners = new CopyOnWriteArrayList<>();

    /** A limiter for at most {@code max} connections. */
    public ConnectionLimiter(int max) {
        this.max = max;
    }

    /** Client connections open now. */
    public int open() {
        return open.get();
    }

    @Override
    public void channelRegistered(ChannelHandlerContext ctx) {
        listeners.add(ctx.channel());
        ctx.fireChannelRegistered();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        Channel child = (Channel) msg;
        if (open.incrementAndGet() >= max) {
            setAccepting(false);
        }
        child.closeFuture().addListener(f -> {
            if (open.getAndDecrement() >= max) {
                setAccepting(true);
            }
        });
        ctx.fireChannelRead(msg);
    }

    private void setAccepting(boolean on) {
        for (Channel l : listeners) {
            if (l.isOpen()) {
                l.eventLoop().execute(() -> l.config().setAutoRead(on && open.get() < max));
            }
        }
    }
}
