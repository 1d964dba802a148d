package dev.gatehouse.proxy.http1;

import dev.gatehouse.conf.proxy.ProxyConfig;
import dev.gatehouse.proxy.dispatch.ClientTimeouts;
import dev.gatehouse.proxy.dispatch.CutResponse;
import dev.gatehouse.proxy.dispatch.ProtocolSwitch;
import dev.gatehouse.proxy.dispatch.ProxyContext;
import dev.gatehouse.proxy.dispatch.ReadPauses;
import dev.gatehouse.proxy.dispatch.ShutdownEvent;
import dev.gatehouse.proxy.exchange.BadRequest;
import dev.gatehouse.proxy.exchange.ParsedRequest;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;

/**
 * The HTTP/1.x connection policy, in one handler between the codec and the dispatcher: decides
 * keep-alive for each request and writes it into the response's {@code Connection} header;
 * holds pipelined requests back until the response before them is complete, learning of a
 * response's end from its outbound last content; closes the connection after a response that
 * does not keep it, or one that was cut ({@link CutResponse}), with a lingering close when the
 * client may still be sending; closes idle connections at {@code keepalive_timeout} and at a
 * graceful stop once a short grace for a last request is over; and hands the connection to a
 * tunnel after a 101.
 */
final class Http1Connection extends ChannelDuplexHandler implements ProtocolSwitch {

    /** How long a closing connection keeps reading (and discarding) so the client gets the response: nginx's lingering_time is 30s, its lingering_timeout 5s. */
    private static final long LINGER_MILLIS = 5_000;
    /** How long an idle connection may still bring a last request once the proxy drains. */
    static final long DRAIN_IDLE_GRACE_NANOS = TimeUnit.SECONDS.toNanos(1);

    /** Where the connection is between its requests and responses. */
    private enum Phase {
        /** Waiting for a request. */
        IDLE,
        /** The request is still coming in and its response is not complete. */
        EXCHANGE,
        /** The request is in, its response is being written; the next request waits. */
        RESPONDING,
        /** The response is complete (keep-alive), the rest of the request body is still coming. */
        READING_REST,
        /** Closing after the writes so far; what comes in is dropped. */
        CLOSING,
        /** Upgraded: the connection is a tunnel and this handler leaves. */
        TUNNEL
    }

    private final ProxyContext context;
    private final ClientTimeouts timeouts;
    private final ReadPauses reads;
    private final ArrayDeque<Object> queued = new ArrayDeque<>(2);
    private ChannelHandlerContext ctx;
    private Phase phase = Phase.IDLE;
    private int served;
    /** Whether the current exchange may leave the connection open for another request. */
    private boolean keepAlive;
    private boolean http10;
    private boolean requestHasBody;
    /** Input was left unread or broken (a refused body, a bad request, a timeout): closing lingers. */
    private boolean inputAbandoned;
    private boolean drainingQueue;

    Http1Connection(ProxyContext context, ClientTimeouts timeouts, ReadPauses reads) {
        this.context = context;
        this.timeouts = timeouts;
        this.reads = reads;
    }

    /**
     * Whether a request may leave its connection open: HTTP/1.1 unless it says
     * {@code Connection: close}, HTTP/1.0 only with {@code Connection: keep-alive}; never past
     * {@code keepalive_requests}, with {@code keepalive_timeout} 0, or while the proxy drains.
     *
     * @param served the requests of this connection so far, this one included
     */
    static boolean keepAlive(HttpVersion version, String connection, int served, ProxyConfig config,
            boolean draining) {
        if (config.keepaliveTimeout().isZero() || served >= config.keepaliveRequests() || draining) {
            return false;
        }
        if (version == HttpVersion.HTTP_1_0) {
            return connection != null && hasToken(connection, "keep-alive");
        }
        return connection == null || !hasToken(connection, "close");
    }

    private static boolean hasToken(String header, String token) {
        for (String part : header.split(",")) {
            if (part.strip().equalsIgnoreCase(token)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (phase == Phase.CLOSING) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (phase == Phase.RESPONDING || !queued.isEmpty()) {
            // A pipelined request while the previous response is still being produced.
            queued.add(msg);
            reads.pause(ReadPauses.Reason.PIPELINED);
            return;
        }
        pass(msg);
    }

    /** Passes one message on to the dispatcher, moving the phase first: the response may end within. */
    private void pass(Object msg) {
        if (msg instanceof ParsedRequest r) {
            served++;
            keepAlive = keepAlive(r.protocolVersion(), r.headers().get(HttpHeaderNames.CONNECTION), served,
                    context.generation().config(), context.draining());
            http10 = r.protocolVersion() == HttpVersion.HTTP_1_0;
            requestHasBody = r.hasBody();
            phase = Phase.EXCHANGE;
            ctx.fireChannelRead(msg);
        } else if (msg instanceof LastHttpContent) {
            boolean responseDone = phase == Phase.READING_REST;
            if (phase == Phase.EXCHANGE) {
                phase = Phase.RESPONDING;
            }
            ctx.fireChannelRead(msg);
            if (responseDone && phase == Phase.READING_REST) {
                exchangeOver();
            }
        } else if (msg instanceof BadRequest) {
            // The decoder reads nothing more: whatever follows on the connection is unread.
            inputAbandoned = true;
            keepAlive = false;
            http10 = phase != Phase.IDLE && http10;
            if (phase == Phase.READING_REST) {
                // The response went out already; nothing is left to answer.
                ReferenceCountUtil.release(msg);
                closeAfterWrites();
                return;
            }
            phase = Phase.RESPONDING;
            ctx.fireChannelRead(msg);
        } else {
            ctx.fireChannelRead(msg);
        }
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg == CutResponse.INSTANCE) {
            promise.trySuccess();
            closeAfterWrites();
            return;
        }
        boolean last = msg instanceof LastHttpContent;
        if (msg instanceof HttpResponse head) {
            if (head.status().codeClass() == HttpStatusClass.INFORMATIONAL) {
                // 100 Continue, or the 101 before a tunnel: not the response, which follows (or not).
                ctx.write(msg, promise);
                return;
            }
            responseHead(head);
        }
        ctx.write(msg, promise);
        if (last) {
            responseEnded();
        }
    }

    /** Writes the keep-alive decision into the head, and speaks HTTP/1.0 to an HTTP/1.0 client. */
    private void responseHead(HttpResponse head) {
        HttpHeaders h = head.headers();
        boolean closeAsked = h.containsValue(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE, true);
        if (!keepAlive || context.draining() || closeAsked) {
            keepAlive = false;
            h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        } else if (http10) {
            h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
        }
        if (http10) {
            head.setProtocolVersion(HttpVersion.HTTP_1_0);
        }
    }

    private void responseEnded() {
        switch (phase) {
            case EXCHANGE -> {
                if (keepAlive) {
                    phase = Phase.READING_REST;
                } else {
                    closeAfterWrites();
                }
            }
            case RESPONDING -> exchangeOver();
            default -> {
                // CLOSING or TUNNEL: nothing more to decide; IDLE and READING_REST have no response open.
            }
        }
    }

    /** Request and response are both complete: the connection waits for the next request, or closes. */
    private void exchangeOver() {
        phase = Phase.IDLE;
        if (!keepAlive) {
            closeAfterWrites();
            return;
        }
        timeouts.idle();
        drainQueue();
    }

    private void drainQueue() {
        if (drainingQueue || queued.isEmpty()) {
            return;
        }
        drainingQueue = true;
        try {
            // Up to the next request whose response is then produced: its successors wait again.
            while (!queued.isEmpty() && phase != Phase.RESPONDING && phase != Phase.CLOSING && phase != Phase.TUNNEL) {
                pass(queued.poll());
            }
        } finally {
            drainingQueue = false;
        }
        // The dispatcher flushes at the end of a read batch; these reads came from the queue.
        ctx.fireChannelReadComplete();
        if (queued.isEmpty()) {
            reads.resume(ReadPauses.Reason.PIPELINED);
        }
    }

    /**
     * Flushes, then half-closes and discards what the client still sends for a while before the
     * close: closing with unread input makes the kernel send a reset, which can destroy the
     * response before the client reads it (nginx's lingering close).
     */
    private void closeAfterWrites() {
        if (phase == Phase.CLOSING || phase == Phase.TUNNEL) {
            return;
        }
        boolean linger = inputAbandoned || !queued.isEmpty()
                || requestHasBody && (phase == Phase.EXCHANGE || phase == Phase.READING_REST);
        phase = Phase.CLOSING;
        queued.forEach(ReferenceCountUtil::release);
        queued.clear();
        ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener((ChannelFutureListener) f -> {
            if (!linger || !f.isSuccess() || !(f.channel() instanceof DuplexChannel d) || d.isInputShutdown()) {
                f.channel().close();
                return;
            }
            SslHandler tls = f.channel().pipeline().get(SslHandler.class);
            if (tls != null) {
                // Half-closing TCP under TLS would cut the stream without close_notify: TLS's
                // own half-close instead, then the same lingering read.
                tls.closeOutbound();
            } else {
                d.shutdownOutput().addListener((ChannelFutureListener) s -> {
                    if (!s.isSuccess()) {
                        s.channel().close();
                    }
                });
            }
            reads.clear();
            f.channel().eventLoop().schedule(() -> f.channel().close(), LINGER_MILLIS, TimeUnit.MILLISECONDS);
        });
    }

    @Override
    public boolean mayUpgrade() {
        return phase == Phase.RESPONDING && queued.isEmpty();
    }

    @Override
    public void replaceWithTunnel(ChannelHandler tunnel) {
        phase = Phase.TUNNEL;
        Http1Pipeline.replaceWithTunnel(ctx.pipeline(), tunnel);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ClientTimeouts.Expired e) {
            onTimeout(ctx, e);
        } else if (evt == ShutdownEvent.DRAIN) {
            // Not closed at once even when idle: the client may have sent its next request
            // already (wrk always has), and a close now would lose it, with a reset if it sits
            // unread in the socket. It gets a moment to arrive and is answered with
            // Connection: close; a connection that stays silent closes after the grace
            // (HAProxy's idle-close-on-response, bounded).
            keepAlive = false;
            if (phase == Phase.IDLE) {
                timeouts.drainGrace(DRAIN_IDLE_GRACE_NANOS);
            }
        } else if (evt instanceof ChannelInputShutdownEvent) {
            if (phase == Phase.CLOSING || phase == Phase.IDLE) {
                ctx.close();
            }
        } else {
            ctx.fireUserEventTriggered(evt);
        }
    }

    private void onTimeout(ChannelHandlerContext ctx, ClientTimeouts.Expired e) {
        if (phase == Phase.CLOSING) {
            ctx.close();
            return;
        }
        if (e == ClientTimeouts.Expired.IDLE) {
            phase = Phase.CLOSING;
            ctx.close();
            return;
        }
        // A head or body that did not come in time: the dispatcher answers 408, then this closes.
        inputAbandoned = true;
        keepAlive = false;
        boolean answered = phase == Phase.READING_REST;
        if (phase == Phase.IDLE) {
            http10 = false;
        }
        if (!answered) {
            phase = Phase.RESPONDING;
        }
        ctx.fireUserEventTriggered(e);
        if (answered) {
            closeAfterWrites();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        queued.forEach(ReferenceCountUtil::release);
        queued.clear();
        ctx.fireChannelInactive();
    }
}
