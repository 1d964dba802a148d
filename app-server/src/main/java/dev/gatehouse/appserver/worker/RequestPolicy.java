package dev.gatehouse.appserver.worker;

import dev.gatehouse.appserver.api.Application;
import dev.gatehouse.appserver.api.Response;
import dev.gatehouse.conf.app.Dispatch;
import dev.gatehouse.uwsgi.GatehouseVars;
import dev.gatehouse.uwsgi.UwsgiRequest;
import dev.gatehouse.uwsgi.UwsgiVars;
import dev.gatehouse.uwsgi.VarKey;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What happens to a request whichever way its connection is served, with a channel
 * ({@link UwsgiConnectionHandler}) or without ({@link DirectServe}): whether the front asked to
 * keep the connection, whether the request runs inline on the event loop or on a virtual
 * thread, whether {@code max_concurrency} turns it away, calling the application, and the
 * counting from the moment the application gets the request to the end of the exchange (which
 * the master reads for {@code max_requests} and harakiri).
 *
 * <p>One per worker, shared by all its connections; thread-safe. The options it reads are
 * copied into final fields, so that each decision is a field test the JIT inlines.
 */
final class RequestPolicy {

    private static final Logger log = LoggerFactory.getLogger(RequestPolicy.class);

    private static final RequestBody EMPTY_BODY = new RequestBody(0, FlowControl.NONE);
    /** The answer to an application that threw, or to a response that could not be sent. */
    static final Response SERVER_ERROR = Response.text(500, "Internal Server Error\n");
    /** The answer to a request past {@code max_concurrency}. */
    static final Response OVERLOADED = Response.status(503)
            .header("Content-Type", "text/plain; charset=utf-8")
            .header("Retry-After", "1")
            .body("Service Unavailable\n")
            .build();

    /** Bodies up to this size may be held whole in memory to run a non-blocking request inline. */
    static final int INLINE_BODY_LIMIT = 64 * 1024;

    /** {@link Exchange#statsId} of a request not counted in flight. */
    private static final long NOT_COUNTED = 0;

    private final Application app;
    private final WorkerStats stats;
    private final int workerId;
    private final boolean keepAlive;
    private final boolean eventLoopDispatch;
    private final boolean askNonBlocking;
    private final int maxConcurrency;

    RequestPolicy(WorkerRuntime rt) {
        this.app = rt.app();
        this.stats = rt.stats();
        this.workerId = rt.options().workerId();
        this.keepAlive = rt.options().keepAlive();
        this.eventLoopDispatch = rt.options().dispatch() == Dispatch.EVENT_LOOP;
        this.askNonBlocking = rt.askNonBlocking();
        this.maxConcurrency = rt.options().maxConcurrency();
    }

    // ---- decisions

    /** The front asked to keep the connection after this request, and keep-alive is on. */
    boolean keepAliveAsked(UwsgiRequest packet) {
        return keepAlive && isOne(packet.vars(), GatehouseVars.KEEPALIVE);
    }

    /**
     * The request must be served on a channel even when it arrived whole: the connection lives
     * on after it (keep-alive), or may become a WebSocket.
     */
    boolean needsChannel(UwsgiRequest packet) {
        return keepAliveAsked(packet) || packet.vars().indexOf(WebSocketHandshake.HTTP_UPGRADE) >= 0;
    }

    /** The request runs on the event loop (once its whole body is in) rather than on a virtual thread. */
    boolean runsInline(UwsgiRequest packet) {
        return eventLoopDispatch
                || askNonBlocking && packet.contentLength() <= INLINE_BODY_LIMIT && nonBlocking(packet);
    }

    private boolean nonBlocking(UwsgiRequest packet) {
        try {
            return app.isNonBlocking(new VarsRequest(packet.vars(), EMPTY_BODY));
        } catch (RuntimeException e) {
            log.warn("worker {}: the application's isNonBlocking failed ({}); running the request on a virtual thread",
                    workerId, e.toString());
            return false;
        }
    }

    /** {@code max_concurrency} is reached: the request is counted and logged, and gets {@link #OVERLOADED}. */
    boolean overloaded(Exchange ex) {
        if (maxConcurrency > 0 && stats.inFlight() >= maxConcurrency) {
            stats.rejected503();
            log.warn("worker {}: max_concurrency {} reached, 503 for {}", workerId, maxConcurrency, ex.requestLine);
            return true;
        }
        return false;
    }

    /**
     * The exchange for a request just decoded.
     *
     * @param keepAlive the connection stays open after the response
     * @param inline the request runs on the event loop, see {@link #runsInline}
     */
    Exchange exchange(UwsgiRequest packet, FlowControl flow, boolean keepAlive, boolean inline) {
        return new Exchange(packet, new RequestBody(packet.contentLength(), flow), keepAlive,
                isOne(packet.vars(), GatehouseVars.CHUNKED), inline);
    }

    /** Whether the var is present with the value {@code 1} (the proxy's extension flags). */
    static boolean isOne(UwsgiVars vars, VarKey key) {
        int i = vars.indexOf(key);
        return i >= 0 && vars.valueEquals(i, "1");
    }

    // ---- the application

    /**
     * The application's response to the exchange's request: a 500 when it throws (logged), null
     * when it failed because the front closed mid-body.
     */
    Response call(Exchange ex) {
        try {
            Response response = app.handle(ex.request);
            if (response == null) {
                throw new IllegalStateException("the application returned no response (null)");
            }
            return response;
        } catch (Throwable t) {
            if (ex.body.isAborted()) {
                return null;
            }
            stats.exception();
            log.error("worker {}: {} failed, answered 500: {}{}", workerId, ex.requestLine, t, where(t));
            return SERVER_ERROR;
        }
    }

    /** Where a failure happened, for a log line that carries no stack trace: its top frame. */
    static String where(Throwable t) {
        StackTraceElement[] trace = t.getStackTrace();
        return trace.length == 0 ? "" : " (at " + trace[0] + ")";
    }

    // ---- bookkeeping

    /** The request goes to the application: in flight, and watched by harakiri, until {@link #answered}. */
    void begin(Exchange ex) {
        ex.statsId = stats.enter(ex.requestLine);
    }

    /**
     * The request is answered (or will never be): one request more for {@code max_requests}, and
     * no longer in flight. Does nothing for a request that was not {@linkplain #begin begun}
     * (a 503) or was answered already.
     */
    void answered(Exchange ex) {
        if (ex.statsId != NOT_COUNTED) {
            stats.exit(ex.statsId, System.nanoTime() - ex.startNanos);
            ex.statsId = NOT_COUNTED;
        }
    }

    /** The exchange is over, its response sent or given up: counted, its packet and body let go. */
    void end(Exchange ex) {
        answered(ex);
        ex.release();
        // Unread body bytes are drained, not left in the socket: closing with unread input
        // makes the kernel reset the connection, and nginx would report a 502.
        ex.body.discard();
    }
}
