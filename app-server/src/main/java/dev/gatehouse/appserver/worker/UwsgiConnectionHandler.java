package dev.gatehouse.appserver.worker;

import dev.gatehouse.appserver.api.Response;
import dev.gatehouse.appserver.api.WebSocketAccept;
import dev.gatehouse.uwsgi.UwsgiContent;
import dev.gatehouse.uwsgi.UwsgiProtocolException;
import dev.gatehouse.uwsgi.UwsgiRequest;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.util.ArrayDeque;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves the uwsgi requests of one connection, one at a time: hands each to the application
 * (on a virtual thread, or on the event loop), streams its body to it, writes the response,
 * drains what the application did not read, and then either closes (what nginx expects) or
 * keeps the connection for the next request (when the Gatehouse proxy asked for it).
 *
 * <p>What each request gets (inline or not, a 503, the app's answer, its counting) is the
 * {@link RequestPolicy}'s; writing the response is the {@link ChannelResponder}'s. All state here
 * lives on the event loop; the application's thread only sends through the responder.
 */
final class UwsgiConnectionHandler extends ChannelInboundHandlerAdapter implements ChannelResponder.Done {

    private static final Logger log = LoggerFactory.getLogger(UwsgiConnectionHandler.class);

    private final WorkerRuntime rt;
    private final RequestPolicy policy;
    private final ChannelResponder responder;
    private final ArrayDeque<Object> pipelined = new ArrayDeque<>();
    private ChannelHandlerContext ctx;
    private WritabilityGate gate;
    private Exchange current;
    private long served;
    /** Counted in {@link WorkerStats#busyConnections()}: a response is owed on this connection. */
    private boolean busy;
    private boolean pausedForBody;
    private boolean pausedForPipeline;

    UwsgiConnectionHandler(WorkerRuntime rt, RequestPolicy policy, ChannelResponder responder) {
        this.rt = rt;
        this.policy = policy;
        this.responder = responder;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        gate = new WritabilityGate(ctx.channel());
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        rt.stats().connection();
        // A new connection is busy until its first response: its request is on the way.
        setBusy(true);
        super.channelActive(ctx);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (current != null && current.bodyReceived) {
            // The front server sent the next request before this response ended: keep it
            // for later and stop reading until then (requests are answered in order).
            pipelined.add(msg);
            pausedForPipeline = true;
            updateAutoRead(ctx.channel());
            return;
        }
        process(ctx, msg);
    }

    private void process(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof UwsgiRequest packet) {
            begin(ctx, packet);
        } else if (msg instanceof UwsgiContent content) {
            if (current == null) {
                content.release();
                return;
            }
            Exchange ex = current;
            ex.body.offer(content.content());
            if (content.isLast()) {
                ex.bodyReceived = true;
                if (ex.responded) {
                    finish(ctx, ex);
                } else if (!ex.dispatched) {
                    dispatch(ctx, ex);
                }
            }
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    private void setBusy(boolean value) {
        if (busy != value) {
            busy = value;
            if (value) {
                rt.stats().connectionBusy();
            } else {
                rt.stats().connectionIdle();
            }
        }
    }

    private void begin(ChannelHandlerContext ctx, UwsgiRequest packet) {
        setBusy(true);
        boolean inline = policy.runsInline(packet);
        // An inline request waits for its whole body, so its body must not pause reading.
        FlowControl flow = inline ? FlowControl.NONE : bodyFlow(ctx.channel());
        Exchange ex = policy.exchange(packet, flow, policy.keepAliveAsked(packet), inline);
        current = ex;
        if (policy.overloaded(ex)) {
            ex.dispatched = true;
            responder.deliver(ctx.channel(), gate, ex, RequestPolicy.OVERLOADED, this);
            return;
        }
        if (!ex.inline) {
            dispatch(ctx, ex);
        }
        // an inline request waits for the whole body: see process()
    }

    private FlowControl bodyFlow(Channel channel) {
        return new FlowControl() {
            @Override
            public void pause() {
                pausedForBody = true;
                updateAutoRead(channel);
            }

            @Override
            public void resume() {
                channel.eventLoop().execute(() -> {
                    pausedForBody = false;
                    updateAutoRead(channel);
                });
            }
        };
    }

    private void updateAutoRead(Channel channel) {
        boolean autoRead = !pausedForBody && !pausedForPipeline;
        if (channel.config().isAutoRead() != autoRead) {
            channel.config().setAutoRead(autoRead);
        }
    }

    private void dispatch(ChannelHandlerContext ctx, Exchange ex) {
        ex.dispatched = true;
        policy.begin(ex);
        if (ex.inline) {
            run(ctx, ex);
        } else {
            rt.executor().execute(() -> run(ctx, ex));
        }
    }

    /** Runs the application; on its own thread, or on the event loop. */
    private void run(ChannelHandlerContext ctx, Exchange ex) {
        if (WebSocketHandshake.requested(ex.request) && offerWebSocket(ctx, ex)) {
            return;
        }
        Response response = policy.call(ex);
        if (response == null) {
            // The front closed mid-body (logged once by channelInactive): no one to answer.
            responded(ex, false);
            return;
        }
        responder.deliver(ctx.channel(), gate, ex, response, this);
    }

    /**
     * Asks the application whether it takes the WebSocket this request asks for, and if so
     * checks the handshake: true when the request was answered here (101, a refusal, or a 500),
     * false when the application declined and {@code handle} serves it.
     */
    private boolean offerWebSocket(ChannelHandlerContext ctx, Exchange ex) {
        WebSocketAccept accept;
        try {
            accept = rt.app().acceptWebSocket(ex.request);
        } catch (Throwable t) {
            rt.stats().exception();
            log.error("worker {}: {}: acceptWebSocket failed, answered 500: {}{}", rt.options().workerId(),
                    ex.requestLine, t, RequestPolicy.where(t));
            responder.deliver(ctx.channel(), gate, ex, RequestPolicy.SERVER_ERROR, this);
            return true;
        }
        if (accept == null) {
            return false;
        }
        WebSocketHandshake.Result r = WebSocketHandshake.check(ex.request, accept);
        if (!r.accepted()) {
            log.info("worker {}: {}: WebSocket handshake refused with {}: {}", rt.options().workerId(), ex.requestLine,
                    r.refusal().status(), r.reason());
            responder.deliver(ctx.channel(), gate, ex, r.refusal(), this);
            return true;
        }
        String path = ex.request.path();
        ctx.executor().execute(() -> openWebSocket(ctx, ex, accept, r, path));
        return true;
    }

    /**
     * Sends the 101 and puts the WebSocket handlers in the uwsgi decoder's place, in one go on
     * the event loop, so that no frame can reach the uwsgi decoder. The socket counts as one
     * answered request (max_requests) from here; the connection stays busy until it closes.
     */
    private void openWebSocket(ChannelHandlerContext ctx, Exchange ex, WebSocketAccept accept,
            WebSocketHandshake.Result r, String path) {
        if (!ctx.channel().isActive()) {
            responded(ex, false);
            return;
        }
        policy.answered(ex);
        served++;
        ex.responded = true;
        current = null;
        ctx.writeAndFlush(io.netty.buffer.Unpooled.wrappedBuffer(r.head()));
        // The vars stay until the socket closes: the handler may read the handshake request
        // (headers, cookies) in its callbacks.
        WebSocketSession session = new WebSocketSession(rt, accept.handler(), path, r.subprotocol(), gate,
                accept.maxMessageSize(), accept.nonBlocking(), ex::release);
        WebSocketPipeline.install(ctx.pipeline(), accept, r.extension(), session);
    }

    /**
     * Takes over a request that {@link DirectServe} ran without a channel and could not finish
     * answering there: this connection sends the response, or the rest of it.
     */
    private void adopt(Exchange ex) {
        current = ex;
        setBusy(true);
    }

    /** The response is out (or failed): the connection goes on, or closes. */
    @Override
    public void responded(Exchange ex, boolean ok) {
        if (!ctx.executor().inEventLoop()) {
            ctx.executor().execute(() -> responded(ex, ok));
            return;
        }
        policy.end(ex);
        served++;
        ex.responded = true;
        if (!ok) {
            ctx.close();
        } else if (ex.bodyReceived) {
            finish(ctx, ex);
        }
    }

    /** Response sent and body fully received: close, or go on with the next request. */
    private void finish(ChannelHandlerContext ctx, Exchange ex) {
        if (current == ex) {
            current = null;
        }
        if (!ex.keepAlive || ex.untilClose) {
            ctx.close();
            return;
        }
        Object next;
        while ((current == null || !current.bodyReceived) && (next = pipelined.poll()) != null) {
            process(ctx, next);
        }
        if (pipelined.isEmpty() && pausedForPipeline) {
            pausedForPipeline = false;
            updateAutoRead(ctx.channel());
        }
        if (current == null) {
            setBusy(false); // an idle keep-alive connection owes nothing
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
        gate.signal();
        super.channelWritabilityChanged(ctx);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        gate.signal();
        setBusy(false);
        Exchange ex = current;
        if (ex != null) {
            if (!ex.bodyReceived) {
                String why = "front server closed the connection after " + ex.body.received() + " of "
                        + ex.body.length() + " body bytes";
                if (ex.responded || ex.answering) {
                    // nginx closes as soon as it has the whole response, even mid-body: normal.
                    log.debug("worker {}: {}: {} (after the response)", rt.options().workerId(), ex.requestLine, why);
                } else {
                    log.warn("worker {}: {}: {}", rt.options().workerId(), ex.requestLine, why);
                }
                ex.body.abort(why);
            }
            if (!ex.dispatched) {
                ex.release();
            }
            current = null;
        }
        Object msg;
        while ((msg = pipelined.poll()) != null) {
            ReferenceCountUtil.release(msg);
        }
        super.channelInactive(ctx);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof Handover.Unsent u) {
            adopt(u.exchange());
            responder.deliver(ctx.channel(), gate, u.exchange(), u.response(), this);
            return;
        }
        if (evt instanceof Handover.HalfSent h) {
            adopt(h.exchange());
            responder.sendRest(ctx.channel(), h.exchange(), h.rest(), this);
            return;
        }
        if (evt instanceof IdleStateEvent) {
            Exchange ex = current;
            if (ex == null) {
                if (served == 0) {
                    log.warn("worker {}: no request from {} within read_timeout {}; closing the connection",
                            rt.options().workerId(), ctx.channel().remoteAddress(), rt.options().readTimeout());
                }
                ctx.close();
            } else if (!ex.bodyReceived) {
                log.warn("worker {}: {}: body stalled at {} of {} bytes for read_timeout {}; closing the connection",
                        rt.options().workerId(), ex.requestLine, ex.body.received(), ex.body.length(),
                        rt.options().readTimeout());
                ctx.close();
            }
            // Otherwise the application is working on a complete request: not a read timeout.
            return;
        }
        super.userEventTriggered(ctx, evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof UwsgiProtocolException && current != null && !current.bodyReceived) {
            // The stream ended inside a body: channelInactive logs that once, with the request.
            ctx.close();
            return;
        }
        if (cause instanceof UwsgiProtocolException) {
            rt.stats().protocolError();
            log.warn("worker {}: bad uwsgi packet from the front server, closing the connection: {}",
                    rt.options().workerId(), cause.getMessage());
        } else if (cause instanceof IOException) {
            log.info("worker {}: connection error, closing: {}", rt.options().workerId(), cause.getMessage());
        } else {
            log.error("worker {}: unexpected error on a connection, closing it", rt.options().workerId(), cause);
        }
        ctx.close();
    }
}
