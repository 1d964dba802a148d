package dev.gatehouse.proxy.http2;

import dev.gatehouse.proxy.dispatch.ShutdownEvent;
import dev.gatehouse.proxy.tls.ConnectionErrors;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http2.Http2ConnectionAdapter;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.util.concurrent.ScheduledFuture;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The connection-level duties of an HTTP/2 connection: one WARN line when the proxy ends it with
 * an error GOAWAY (a flood cut off, a protocol violation), naming the client and the reason;
 * closing it after {@code keepalive_timeout} without open streams; and a graceful GOAWAY when
 * the proxy drains for a stop.
 */
final class Http2ConnectionGuard extends ChannelInboundHandlerAdapter {

    private static final Logger log = LoggerFactory.getLogger(Http2ConnectionGuard.class);

    private final Http2FrameCodec codec;
    private final long idleNanos;
    private long lastActivity = System.nanoTime();
    private ScheduledFuture<?> idleTimer;

    Http2ConnectionGuard(Http2FrameCodec codec, Duration keepaliveTimeout) {
        this.codec = codec;
        // keepalive_timeout 0 means no keep-alive; an HTTP/2 connection still serves its first streams.
        this.idleNanos = Math.max(keepaliveTimeout.toNanos(), TimeUnit.SECONDS.toNanos(1));
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        codec.connection().addListener(new Http2ConnectionAdapter() {
            @Override
            public void onGoAwaySent(int lastStreamId, long errorCode, ByteBuf debugData) {
                if (errorCode == Http2Error.NO_ERROR.code()) {
                    return;
                }
                Http2Error e = Http2Error.valueOf(errorCode);
                String name = e == null ? Long.toString(errorCode) : e.name();
                String reason = debugData.toString(StandardCharsets.UTF_8);
                if (e == Http2Error.INTERNAL_ERROR) {
                    // Our side, mostly a write racing the client's close ("SSLEngine closed
                    // already"): not something the client did.
                    log.debug("{}: HTTP/2 connection closed with GOAWAY {}: {}", ctx.channel().remoteAddress(), name,
                            reason);
                } else {
                    // The client broke the protocol or a limit (a flood cut off): one line each.
                    log.warn("{}: HTTP/2 connection closed with GOAWAY {}: {}", ctx.channel().remoteAddress(), name,
                            reason);
                }
            }

            @Override
            public void onStreamClosed(io.netty.handler.codec.http2.Http2Stream stream) {
                lastActivity = System.nanoTime();
            }
        });
        scheduleIdleCheck(ctx, idleNanos);
    }

    private void scheduleIdleCheck(ChannelHandlerContext ctx, long delayNanos) {
        idleTimer = ctx.executor().schedule(() -> checkIdle(ctx), delayNanos, TimeUnit.NANOSECONDS);
    }

    private void checkIdle(ChannelHandlerContext ctx) {
        if (!ctx.channel().isActive()) {
            return;
        }
        long idleFor = System.nanoTime() - lastActivity;
        if (codec.connection().numActiveStreams() == 0 && idleFor >= idleNanos) {
            ctx.close(); // the codec sends GOAWAY(NO_ERROR) first
            return;
        }
        scheduleIdleCheck(ctx, Math.max(idleNanos - idleFor, TimeUnit.MILLISECONDS.toNanos(100)));
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        lastActivity = System.nanoTime();
        ctx.fireChannelRead(msg);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt == ShutdownEvent.DRAIN) {
            // GOAWAY(NO_ERROR): no new streams; the codec closes once the open ones finish.
            ctx.close();
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof Http2Exception) {
            // The codec answers with GOAWAY and closes; onGoAwaySent logs it once.
            log.debug("{}: {}", ctx.channel().remoteAddress(), cause.toString());
            return;
        }
        log.debug("{}: closing: {}", ctx.channel().remoteAddress(), ConnectionErrors.reason(cause));
        ctx.close();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (idleTimer != null) {
            idleTimer.cancel(false);
        }
        ctx.fireChannelInactive();
    }
}
