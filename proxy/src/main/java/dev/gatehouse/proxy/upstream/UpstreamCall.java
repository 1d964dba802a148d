package dev.gatehouse.proxy.upstream;

import dev.gatehouse.conf.proxy.LocationConfig;
import dev.gatehouse.conf.proxy.UpstreamConfig;
import dev.gatehouse.proxy.exchange.Exchange;
import dev.gatehouse.proxy.exchange.ParsedRequest;
import dev.gatehouse.proxy.upstream.NextUpstream.Failure;
import dev.gatehouse.proxy.upstream.UpstreamDeadline.Wait;
import dev.gatehouse.proxy.upstream.UpstreamHandler.RequestBodySink;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ConnectTimeoutException;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.util.ReferenceCountUtil;
import java.io.UncheckedIOException;
import java.util.HashSet;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One request forwarded to an upstream pool, start to end, on the client connection's event loop
 * (the upstream connection lives on the same loop, so nothing here is shared between threads).
 *
 * <p>This is the generic part, as nginx's {@code ngx_http_upstream.c}: picking a server,
 * connecting, moving through the {@link CallPhase phases}, and ending in one place, {@link #end}.
 * The pieces it drives: {@link RequestBodyRelay} builds the packet and writes it with the body,
 * buffered or streamed; {@link ResponseRelay} relays an ordinary response, body streamed with
 * backpressure; {@link ResponseHeadAction} and {@link AppNamedFile} handle a 101,
 * {@code X-Accel-Redirect} and {@code X-Sendfile}; {@link UpstreamDeadline} keeps the send and
 * read timeouts; {@link NextUpstream} decides what follows a failure: the next server, a fresh
 * connection, 502 or 504, or, after the response head went out, cutting the client connection.
 */
final class UpstreamCall implements RequestBodySink, UpstreamConnection.Listener, UpstreamDeadline.Watched,
        RequestBodyRelay.Listener {

    private static final Logger log = LoggerFactory.getLogger(UpstreamCall.class);

    /** The one retry on a fresh connection after a pooled one turned out closed by the server. */
    private enum StaleRetry {
        UNUSED,
        /** The next attempt opens a fresh connection. */
        DUE,
        USED
    }

    private final Exchange ex;
    private final UpstreamPool pool;
    private final UpstreamConfig cfg;
    private final LocationConfig location;
    private final ParsedRequest request;
    private final EventLoop loop;
    private final boolean resendableMethod;
    private final long startNanos = System.nanoTime();
    private final UpstreamDeadline deadline;
    private final RequestBodyRelay body;
    private final ResponseRelay response;

    private CallPhase phase = CallPhase.READING_REQUEST;
    private final Set<UpstreamPeer> tried = new HashSet<>();
    private int tries;
    private StaleRetry staleRetry = StaleRetry.UNUSED;
    private Failure lastFailure;
    private UpstreamPeer peer;
    private UpstreamConnection conn;

    /** For an upgrade request: the slots its tunnel counts against, one of them held by this call. */
    private TunnelSlots tunnels;

    /**
     * @param tunnels for a request that asks to upgrade: the set it took a slot of, which the
     *     call gives back, or hands to the tunnel after a 101; null for any other request
     */
    UpstreamCall(Exchange ex, UpstreamPool pool, TunnelSlots tunnels) {
        this.ex = ex;
        this.tunnels = tunnels;
        this.pool = pool;
        this.cfg = pool.config;
        this.location = ex.route().location();
        this.request = ex.request();
        this.loop = ex.eventLoop();
        this.resendableMethod = NextUpstream.resendableMethod(request.method(), tunnels != null);
        this.deadline = new UpstreamDeadline(loop, cfg.sendTimeout(), cfg.readTimeout(), this);
        this.body = new RequestBodyRelay(ex, location, cfg, deadline, this);
        this.response = new ResponseRelay(ex, deadline);
    }

    void begin() {
        ex.onAbort(() -> clientGone("the client connection ended"));
        if (body.streaming()) {
            firstAttempt();
        }
    }

    // ---- request body from the client --------------------------------------------------

    @Override
    public void content(HttpContent part) {
        if (phase == CallPhase.ENDED) {
            part.release();
            return;
        }
        boolean buffered;
        try {
            buffered = body.content(part);
        } catch (UncheckedIOException e) {
            log.error("{} {}: {}", request.method(), request.uri(), e.getMessage());
            finishWithError(HttpResponseStatus.INTERNAL_SERVER_ERROR, null);
            return;
        }
        if (buffered) {
            firstAttempt();
        }
    }

    @Override
    public void abort(String reason) {
        clientGone("client body aborted: " + reason);
    }

    @Override
    public void requestSent() {
        if (phase == CallPhase.SENDING) {
            phase = CallPhase.AWAITING_HEAD;
        }
    }

    // ---- attempts ------------------------------------------------------------------------

    private void firstAttempt() {
        if (body.preparePacket()) {
            attempt();
        } else {
            finishWithError(HttpResponseStatus.INTERNAL_SERVER_ERROR, null);
        }
    }

    private void attempt() {
        if (phase == CallPhase.ENDED) {
            return;
        }
        peer = pool.select(tried);
        if (peer == null) {
            finishWithError(NextUpstream.noServerLeft(lastFailure), tries == 0 ? "no live upstreams" : null);
            return;
        }
        tried.add(peer);
        tries++;
        phase = CallPhase.CONNECTING;
        // An upgrade request takes a fresh connection: a pooled one the server closed meanwhile
        // would be retried after sending, which an upgrade never is.
        boolean fresh = staleRetry == StaleRetry.DUE || body.streaming() || tunnels != null;
        if (staleRetry == StaleRetry.DUE) {
            staleRetry = StaleRetry.USED;
        }
        UpstreamConnection idle = fresh ? null : pool.idleConnection(loop, peer);
        if (idle != null) {
            connected(idle);
            return;
        }
        UpstreamPeer target = peer;
        // Opened from a task, never inline: this may run while the event loop works through one
        // batch of epoll events, after a connection of that batch was closed. The new socket can
        // get that connection's fd number, and Netty routes events by fd number, so an event of
        // the closed connection still further down the batch would reach the new channel and
        // close it before it connects. That failed about one request in 100,000 with a 502
        // while workers stopped (bench/upgrade). The task runs after the batch.
        loop.execute(() -> {
            if (phase == CallPhase.ENDED || peer != target) {
                return;
            }
            pool.connect(loop, target).addListener((ChannelFutureListener) cf -> {
                if (phase == CallPhase.ENDED || peer != target) {
                    cf.channel().close();
                    return;
                }
                if (!cf.isSuccess()) {
                    log.warn("upstream {}: connect to {} failed: {}", cfg.name(), target, cf.cause().toString());
                    failed(cf.cause() instanceof ConnectTimeoutException ? Failure.TIMEOUT : Failure.ERROR);
                    return;
                }
                connected(cf.channel().pipeline().get(UpstreamConnection.class));
            });
        });
    }

    private void connected(UpstreamConnection c) {
        conn = c;
        c.attach(this);
        c.decoder.expect(ex.isHead());
        c.channel.config().setAutoRead(true);
        deadline.read();
        phase = CallPhase.SENDING;
        body.sendTo(c);
        deadline.start();
    }

    /** Lets the current connection go, detached from this call; null when there is none. */
    private UpstreamConnection takeConnection() {
        deadline.stop();
        body.stopSending();
        UpstreamConnection c = conn;
        conn = null;
        if (c != null) {
            c.detach();
        }
        return c;
    }

    @Override
    public void upstreamWritable() {
        if (phase != CallPhase.ENDED) {
            body.upstreamWritable();
        }
    }

    /** The attempt failed: the connection is closed, and {@link NextUpstream} says what follows. */
    private void failed(Failure failure) {
        UpstreamConnection c = takeConnection();
        if (c != null) {
            c.close();
        }
        boolean responseStarted = c != null && c.bytesRead > 0 || phase == CallPhase.RELAYING_BODY;
        NextUpstream.Decision decision = NextUpstream.decide(new NextUpstream.Attempt(failure, phase, responseStarted,
                        c != null && c.reused(), staleRetry == StaleRetry.UNUSED, resendableMethod && body.replayable(),
                        tries, System.nanoTime() - startNanos), NextUpstream.Limits.of(cfg, pool.peerCount()));
        boolean stale = decision == NextUpstream.Decision.RETRY_FRESH;
        if (stale) {
            // The server closed the pooled connection while it sat idle: it never saw the request.
            staleRetry = StaleRetry.DUE;
            tried.remove(peer);
            tries--;
            log.debug("upstream {}: pooled connection was closed by the server, retrying on a fresh one", cfg.name());
        } else {
            lastFailure = failure;
        }
        pool.release(peer, !stale);
        peer = null;
        switch (decision) {
            case RETRY_FRESH, RETRY_NEXT -> attempt();
            case CUT_CLIENT -> {
                end(CallOutcome.FAILED);
                ex.abort();
            }
            default -> finishWithError(decision.status(), null);
        }
    }

    // ---- timeouts ------------------------------------------------------------------------

    @Override
    public Wait waitingFor() {
        if (conn == null) {
            return Wait.NOTHING;
        }
        if (phase == CallPhase.SENDING) {
            return body.waitingForClient() ? Wait.CLIENT_SENDS_BODY : Wait.UPSTREAM_TAKES_REQUEST;
        }
        return response.readsPaused() ? Wait.CLIENT_TAKES_RESPONSE : Wait.UPSTREAM_RESPONDS;
    }

    @Override
    public void timedOut(Wait what) {
        if (what == Wait.UPSTREAM_TAKES_REQUEST) {
            log.error("upstream {}: timed out ({}) sending the request to {}", cfg.name(), cfg.sendTimeout(), peer);
        } else {
            log.error("upstream {}: timed out ({}) reading the response from {}", cfg.name(), cfg.readTimeout(), peer);
        }
        failed(Failure.TIMEOUT);
    }

    // ---- the response --------------------------------------------------------------------

    @Override
    public void upstreamBytes() {
        deadline.read();
    }

    @Override
    public void upstreamMessage(Object msg) {
        if (phase == CallPhase.ENDED) {
            ReferenceCountUtil.release(msg);
            return;
        }
        // Head, body and end often come in one read: one write to the client, not three.
        response.holdFlushes();
        if (msg instanceof ResponseHead h) {
            onHead(h);
        } else if (msg instanceof ByteBuf b) {
            if (!response.sendBody(b, conn)) {
                // The client went away: stop reading a response nobody takes.
                clientGone("the client connection ended");
            }
        } else if (msg instanceof ResponseEnd e) {
            responseComplete(!e.trailing());
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void upstreamReadComplete() {
        response.releaseFlushes();
    }

    private void onHead(ResponseHead h) {
        switch (ResponseHeadAction.of(h, !location.sendfileRoots().isEmpty())) {
            case SWITCH_PROTOCOLS -> switchProtocols(h);
            case ACCEL_REDIRECT -> {
                end(CallOutcome.FILE_NAMED);
                AppNamedFile.accelRedirect(ex, cfg.name(), h.headers().get(ResponseHeadAction.ACCEL_REDIRECT_HEADER));
            }
            case SENDFILE -> {
                end(CallOutcome.FILE_NAMED);
                AppNamedFile.sendfile(ex, cfg.name(), h, location.sendfileRoots());
            }
            case RELAY -> {
                phase = CallPhase.RELAYING_BODY;
                response.sendHead(h);
            }
        }
    }

    /**
     * The server switched protocols: both connections become a tunnel ({@link TunnelHandOff}),
     * which keeps the server counted as busy (least_conn) and the location's tunnel slot until it
     * ends.
     */
    private void switchProtocols(ResponseHead h) {
        if (tunnels == null) {
            // nginx switches only when the request asked to (u->upgrade needs headers_in.upgrade).
            log.error("upstream {}: {} answered 101 to {} {}, which did not ask to upgrade", cfg.name(), peer,
                    request.method(), request.uri());
            failed(Failure.INVALID_RESPONSE);
            return;
        }
        UpstreamConnection c = conn;
        UpstreamPeer p = peer;
        peer = null;
        TunnelSlots slots = tunnels;
        tunnels = null;
        end(CallOutcome.TUNNELLED);
        LocationConfig loc = location;
        TunnelHandOff.start(ex, h, c, loc.tunnelIdleTimeout(), () -> {
            pool.release(p, false);
            slots.release(loc);
        });
    }

    private void responseComplete(boolean framedCleanly) {
        boolean reusable = framedCleanly && response.upstreamKeepsConnection() && body.sent() && cfg.keepalive() > 0
                && conn != null && conn.peer.keepsConnections();
        end(reusable ? CallOutcome.COMPLETE_REUSABLE : CallOutcome.COMPLETE);
    }

    @Override
    public void upstreamClosed(Throwable cause) {
        if (phase == CallPhase.ENDED) {
            return;
        }
        if (phase == CallPhase.RELAYING_BODY && response.endsWithClose() && cause == null) {
            // uWSGI's way: the body ends when the server closes.
            responseComplete(false);
            return;
        }
        Throwable root = cause instanceof DecoderException && cause.getCause() != null ? cause.getCause() : cause;
        if (root instanceof BadResponseException) {
            log.error("upstream {}: {} from {} for {} {}", cfg.name(), root.getMessage(), peer, request.method(),
                    request.uri());
            failed(Failure.INVALID_RESPONSE);
            return;
        }
        if (phase == CallPhase.RELAYING_BODY) {
            log.error("upstream {}: upstream prematurely closed connection while reading upstream {} for {} {}",
                    cfg.name(), peer, request.method(), request.uri());
        } else if (conn == null || !conn.reused() || conn.bytesRead > 0) {
            // A pooled connection closed before any byte is retried quietly (see NextUpstream).
            log.error("upstream {}: upstream prematurely closed connection while reading response header from {}"
                    + " for {} {}{}", cfg.name(), peer, request.method(), request.uri(),
                    cause == null ? "" : ": " + cause);
        }
        failed(Failure.ERROR);
    }

    /**
     * The client side ended first (gone, timed out, broken body): the upstream connection is
     * closed mid-exchange, as nginx does without {@code uwsgi_ignore_client_abort}, and the server
     * is not blamed for it.
     */
    private void clientGone(String why) {
        if (phase == CallPhase.ENDED) {
            return;
        }
        log.debug("{} {}: {}; closing the upstream connection", request.method(), request.uri(), why);
        end(CallOutcome.CLIENT_GONE);
    }

    // ---- the end -------------------------------------------------------------------------

    /** Ends the call and answers the client with {@code status}, or cuts it if a response head went out. */
    private void finishWithError(HttpResponseStatus status, String why) {
        if (why != null) {
            log.error("upstream {}: {} while forwarding {} {}", cfg.name(), why, request.method(), request.uri());
        }
        if (end(CallOutcome.FAILED) == CallPhase.RELAYING_BODY) {
            ex.abort();
        } else {
            ex.sendError(status);
        }
    }

    /**
     * The one way a call ends, in one order: the timer stops; the server is released (a failed
     * attempt released it already, counting the failure; a tunnel keeps it busy); the connection
     * is pooled, handed to a tunnel or closed, as {@code outcome} says; a complete response is
     * finished while the flushes are still held, so that its end leaves with its body (after the
     * tunnel slot, if any, is given back); then what the call holds is given back. The caller answers the client, if the outcome needs it, after.
     *
     * @return the phase the call was in, which says whether the client has a response head
     */
    private CallPhase end(CallOutcome outcome) {
        CallPhase was = phase;
        phase = CallPhase.ENDED;
        UpstreamConnection c = takeConnection();
        if (peer != null) {
            pool.release(peer, false);
            peer = null;
        }
        if (c != null && outcome == CallOutcome.COMPLETE_REUSABLE) {
            pool.keep(c);
        } else if (c != null && outcome != CallOutcome.TUNNELLED) { // the caller moves it into the tunnel
            c.close();
        }
        // The tunnel slot goes back before the client can see the end: it may send its next
        // handshake at once, on another event loop, and must find the slot free.
        if (tunnels != null) {
            tunnels.release(location);
            tunnels = null;
        }
        boolean complete = outcome == CallOutcome.COMPLETE_REUSABLE || outcome == CallOutcome.COMPLETE;
        if (complete && was == CallPhase.RELAYING_BODY) {
            ex.finish();
        }
        response.close();
        body.release();
        return was;
    }
}
