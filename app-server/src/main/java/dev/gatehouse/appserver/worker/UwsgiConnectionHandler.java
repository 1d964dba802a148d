package dev.gatehouse.appserver.worker;

import dev.gatehouse.conf.app.Dispatch;

import dev.gatehouse.appserver.api.Body;
import dev.gatehouse.appserver.api.Response;
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
    private static final Response SERVER_ERROR = Response.text(500, "Internal Server Error\n");
    private static final Response OVERLOADED = Response.status(503)
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

    /** One request on this connection, from its packet to its last response byte. */
    private static final class Exchange {
        final UwsgiRequest packet;
        final RequestBody body;
        final VarsRequest request;
        /** Kept as text: logs may need it after the vars were released. */
        final String requestLine;
        final boolean keepAlive;
        final boolean chunkedOk;
        final long startNanos = System.nanoTime();
        long statsId;
        /** Runs on the event loop once the whole body is in (event-loop dispatch, or the app's hint). */
        boolean inline;
        boolean bodyReceived;
        boolean dispatched;
        boolean responded;
        boolean released;
        volatile boolean untilClose;

        Exchange(UwsgiRequest packet, RequestBody body, boolean keepAlive, boolean chunkedOk) {
            this.packet = packet;
            this.body = body;
            this.request = new VarsRequest(packet.vars(), body);
            this.requestLine = request.requestLine();
            this.keepAlive = keepAlive;
            this.chunkedOk = chunkedOk;
        }

        void release() {
            if (!released) {
                released = true;
                packet.release();
            }
        }
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
        boolean keepAlive = rt.options().keepAlive() && isOne(packet.vars(), GatehouseVars.KEEPALIVE);
        boolean inline = rt.options().dispatch() == Dispatch.EVENT_LOOP || rt.askNonBlocking() && length <= INLINE_BODY_LIMIT && nonBlocking(packet);
        // An inline request waits for its whole body, so its body must not pause reading.
        FlowControl flow = inline ? FlowControl.NONE : bodyFlow(ctx.channel());
        Exchange ex = new Exchange(packet, new RequestBody(length, flow), keepAlive,
                isOne(packet.vars(), GatehouseVars.CHUNKED));
        ex.inline = inline;
        current = ex;
        int max = rt.options().maxConcurrency();
        if (max > 0 && rt.stats().inFlight() >= max) {
            ex.dispatched = true;
            rt.stats().rejected503();
            log.warn("worker {}: max_concurrency {} reached, 503 for {}", rt.options().workerId(), max, ex.requestLine);
            send(ctx, ex, OVERLOADED, false);
            return;
        }
        if (!ex.inline) {
            dispatch(ctx, ex);
        }
        // an inline request waits for the whole body: see process()
    }

    private boolean nonBlocking(UwsgiRequest packet) {
        try {
            return rt.app().isNonBlocking(new VarsRequest(packet.vars(), EMPTY_BODY));
        } catch (RuntimeException e) {
            log.warn("worker {}: the application's isNonBlocking failed ({}); running the request on a virtual thread",
                    rt.options().workerId(), e.toString());
            return false;
        }
    }

    private static boolean isOne(UwsgiVars vars, dev.gatehouse.uwsgi.VarKey key) {
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
        Response response;
        try {
            response = rt.app().handle(ex.request);
            if (response == null) {
                throw new IllegalStateException("the application returned no response (null)");
            }
        } catch (Throwable t) {
            if (ex.body.isAborted()) {
                // The front closed mid-body (logged once by channelInactive): no one to answer.
                responded(ctx, ex, true, false);
                return;
            }
            rt.stats().exception();
            log.error("worker {}: {} failed, answered 500: {}{}",
                    rt.options().workerId(), ex.requestLine, t, where(t));
            response = SERVER_ERROR;
        }
        boolean onLoop = ctx.channel().eventLoop().inEventLoop();
        Body body = response.body();
        if (onLoop && (body instanceof Body.Stream || body instanceof Body.Streaming)) {
            // Streamed bodies wait for the client: never on the event loop.
            Response r = response;
            rt.executor().execute(() -> send(ctx, ex, r, true));
        } else {
            send(ctx, ex, response, true);
        }
    }

    private static String where(Throwable t) {
        StackTraceElement[] trace = t.getStackTrace();
        return trace.length == 0 ? "" : " (at " + trace[0] + ")";
    }

    /** Writes the response; may block on a slow client. {@code counted}: the request is in flight. */
    private void send(ChannelHandlerContext ctx, Exchange ex, Response response, boolean counted) {
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
                if (ex.responded) {
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
