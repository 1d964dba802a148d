package dev.gatehouse.appserver.worker;

import dev.gatehouse.conf.app.Dispatch;

import dev.gatehouse.appserver.api.Body;
import dev.gatehouse.appserver.api.Response;
import dev.gatehouse.appserver.api.WebSocketAccept;
import dev.gatehouse.uwsgi.UwsgiContent;
import dev.gatehouse.uwsgi.UwsgiProtocolException;
import dev.gatehouse.uwsgi.UwsgiRequest;
import dev.gatehouse.uwsgi.GatehouseVars;
import dev.gatehouse.uwsgi.UwsgiVars;
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
 * <p>All state lives on the event loop; the application's thread only calls {@link #send}.
 */
final class UwsgiConnectionHandler extends ChannelInboundHandlerAdapter {

    private static final Logger log = LoggerFactory.getLogger(UwsgiConnectionHandler.class);

    private static final RequestBody EMPTY_BODY = new RequestBody(0, FlowControl.NONE);
    static final Response SERVER_ERROR = Response.text(500, "Internal Server Error\n");
    static final Response OVERLOADED = Response.status(503)
            .header("Content-Type", "text/plain; charset=utf-8")
            .header("Retry-After", "1")
            .body("Service Unavailable\n")
            .build();

    /** Bodies up to this size may be held whole in memory to run a non-blocking request inline. */
    static final int INLINE_BODY_LIMIT = 64 * 1024;

    private final WorkerRuntime rt;
    private final ArrayDeque<Object> pipelined = new ArrayDeque<>();
    private WritabilityGate gate;
    private Exchange current;
    private long served;
    /** Counted in {@link WorkerStats#busyConnections()}: a response is owed on this connection. */
    private boolean busy;
    private boolean pausedForBody;
    private boolean pausedForPipeline;

    UwsgiConnectionHandler(WorkerRuntime rt) {
        this.rt = rt;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
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
        long length = packet.contentLength();
        boolean keepAlive = keepAliveAsked(rt, packet);
        boolean inline = runsInline(rt, packet);
        // An inline request waits for its whole body, so its body must not pause reading.
        FlowControl flow = inline ? FlowControl.NONE : bodyFlow(ctx.channel());
        Exchange ex = new Exchange(packet, new RequestBody(length, flow), keepAlive,
                isOne(packet.vars(), GatehouseVars.CHUNKED));
        ex.inline = inline;
        current = ex;
        if (overloaded(rt, ex)) {
            ex.dispatched = true;
            send(ctx, ex, OVERLOADED, false);
            return;
        }
        if (!ex.inline) {
            dispatch(ctx, ex);
        }
        // an inline request waits for the whole body: see process()
    }

    /** The front asked to keep the connection after this request, and keep-alive is on. */
    static boolean keepAliveAsked(WorkerRuntime rt, UwsgiRequest packet) {
        return rt.options().keepAlive() && isOne(packet.vars(), GatehouseVars.KEEPALIVE);
    }

    /** The request runs on the event loop (once its whole body is in) rather than on a virtual thread. */
    static boolean runsInline(WorkerRuntime rt, UwsgiRequest packet) {
        return rt.options().dispatch() == Dispatch.EVENT_LOOP
                || rt.askNonBlocking() && packet.contentLength() <= INLINE_BODY_LIMIT && nonBlocking(rt, packet);
    }

    /** {@code max_concurrency} is reached: the request is counted and logged, and gets {@link #OVERLOADED}. */
    static boolean overloaded(WorkerRuntime rt, Exchange ex) {
        int max = rt.options().maxConcurrency();
        if (max > 0 && rt.stats().inFlight() >= max) {
            rt.stats().rejected503();
            log.warn("worker {}: max_concurrency {} reached, 503 for {}", rt.options().workerId(), max, ex.requestLine);
            return true;
        }
        return false;
    }

    private static boolean nonBlocking(WorkerRuntime rt, UwsgiRequest packet) {
        try {
            return rt.app().isNonBlocking(new VarsRequest(packet.vars(), EMPTY_BODY));
        } catch (RuntimeException e) {
            log.warn("worker {}: the application's isNonBlocking failed ({}); running the request on a virtual thread",
                    rt.options().workerId(), e.toString());
            return false;
        }
    }

    /** Whether the var is present with the value {@code 1} (the proxy's extension flags). */
    static boolean isOne(UwsgiVars vars, dev.gatehouse.uwsgi.VarKey key) {
        int i = vars.indexOf(key);
        return i >= 0 && vars.valueEquals(i, "1");
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
        ex.statsId = rt.stats().enter(ex.requestLine);
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
        Response response = call(rt, ex);
        if (response == null) {
            // The front closed mid-body (logged once by channelInactive): no one to answer.
            responded(ctx, ex, true, false);
            return;
        }
        deliver(ctx, ex, response, true);
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
                    ex.requestLine, t, where(t));
            deliver(ctx, ex, SERVER_ERROR, true);
            return true;
        }
        if (accept == null) {
            return false;
        }
        WebSocketHandshake.Result r = WebSocketHandshake.check(ex.request, accept);
        if (!r.accepted()) {
            log.info("worker {}: {}: WebSocket handshake refused with {}: {}", rt.options().workerId(), ex.requestLine,
                    r.refusal().status(), r.reason());
            deliver(ctx, ex, r.refusal(), true);
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
            responded(ctx, ex, true, false);
            return;
        }
        rt.stats().exit(ex.statsId, System.nanoTime() - ex.startNanos);
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
     * The application's response to the exchange's request: a 500 when it throws (logged), null
     * when it failed because the front closed mid-body.
     */
    static Response call(WorkerRuntime rt, Exchange ex) {
        try {
            Response response = rt.app().handle(ex.request);
            if (response == null) {
                throw new IllegalStateException("the application returned no response (null)");
            }
            return response;
        } catch (Throwable t) {
            if (ex.body.isAborted()) {
                return null;
            }
            rt.stats().exception();
            log.error("worker {}: {} failed, answered 500: {}{}",
                    rt.options().workerId(), ex.requestLine, t, where(t));
            return SERVER_ERROR;
        }
    }

    private void deliver(ChannelHandlerContext ctx, Exchange ex, Response response, boolean counted) {
        boolean onLoop = ctx.channel().eventLoop().inEventLoop();
        Body body = response.body();
        if (onLoop && (body instanceof Body.Stream || body instanceof Body.Streaming)) {
            // Streamed bodies wait for the client: never on the event loop.
            rt.executor().execute(() -> send(ctx, ex, response, counted));
        } else {
            send(ctx, ex, response, counted);
        }
    }

    /**
     * A request the acceptor read and answered without a channel, whose response could not go
     * out there (a streamed or file body, or a socket that took only part of it): this
     * connection finishes it. See {@link DirectServe}.
     *
     * @param unsent the rest of an encoded response, or null to send {@code response}
     * @param counted the request is in flight ({@link WorkerStats#enter})
     */
    record Adopted(Exchange exchange, Response response, io.netty.buffer.ByteBuf unsent, boolean counted) {
    }

    private void adopt(ChannelHandlerContext ctx, Adopted a) {
        Exchange ex = a.exchange();
        current = ex;
        setBusy(true);
        if (a.unsent() != null) {
            ex.answering = true;
            ctx.channel().writeAndFlush(a.unsent()).addListener(f -> responded(ctx, ex, a.counted(), f.isSuccess()));
        } else {
            deliver(ctx, ex, a.response(), a.counted());
        }
    }

    static String where(Throwable t) {
        StackTraceElement[] trace = t.getStackTrace();
        return trace.length == 0 ? "" : " (at " + trace[0] + ")";
    }

    /** Writes the response; may block on a slow client. {@code counted}: the request is in flight. */
    private void send(ChannelHandlerContext ctx, Exchange ex, Response response, boolean counted) {
        ex.answering = true;
        Channel ch = ctx.channel();
        boolean head = "HEAD".equals(ex.request.method());
        ResponseWriter.Sent sent;
        try {
            sent = rt.writer().write(ch, gate, response, head, ex.chunkedOk);
        } catch (ResponseWriter.BrokenResponseException e) {
            logBroken(ex, e);
            ch.close();
            ch.eventLoop().execute(() -> responded(ctx, ex, counted, false));
            return;
        } catch (IOException e) {
            // Nothing was written yet: the client can still get a proper 500.
            if (!(e instanceof WritabilityGate.ClientGoneException)) {
                rt.stats().exception();
                log.error("worker {}: {}: cannot send the response, answered 500: {}",
                        rt.options().workerId(), ex.requestLine, e.toString());
                try {
                    sent = rt.writer().write(ch, gate, SERVER_ERROR, head, ex.chunkedOk);
                } catch (IOException again) {
                    ch.close();
                    ch.eventLoop().execute(() -> responded(ctx, ex, counted, false));
                    return;
                }
            } else {
                ch.close();
                ch.eventLoop().execute(() -> responded(ctx, ex, counted, false));
                return;
            }
        }
        ex.untilClose = sent.untilClose();
        sent.done().addListener(f -> responded(ctx, ex, counted, f.isSuccess()));
    }

    private void logBroken(Exchange ex, IOException e) {
        Throwable cause = e.getCause() != null ? e.getCause() : e;
        if (cause instanceof WritabilityGate.ClientGoneException) {
            log.info("worker {}: {}: front server went away mid-response ({})",
                    rt.options().workerId(), ex.requestLine, e.getMessage());
        } else {
            rt.stats().exception();
            log.error("worker {}: {}: response broken off, connection closed: {}: {}{}",
                    rt.options().workerId(), ex.requestLine, e.getMessage(), cause, where(cause));
        }
    }

    /** The response is out (or failed); on the event loop. */
    private void responded(ChannelHandlerContext ctx, Exchange ex, boolean counted, boolean ok) {
        if (!ctx.executor().inEventLoop()) {
            ctx.executor().execute(() -> responded(ctx, ex, counted, ok));
            return;
        }
        if (counted) {
            rt.stats().exit(ex.statsId, System.nanoTime() - ex.startNanos);
        }
        served++;
        ex.responded = true;
        ex.release();
        // Unread body bytes are drained, not left in the socket: closing with unread input
        // makes the kernel reset the connection, and nginx would report a 502.
        ex.body.discard();
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
        if (evt instanceof Adopted a) {
            adopt(ctx, a);
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
