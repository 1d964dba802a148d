package dev.gatehouse.proxy.upstream;

import dev.gatehouse.conf.proxy.LocationConfig;
import dev.gatehouse.conf.proxy.UpstreamConfig;
import dev.gatehouse.proxy.exchange.Exchange;
import dev.gatehouse.proxy.exchange.ParsedRequest;
import dev.gatehouse.proxy.tunnel.Tunnel;
import dev.gatehouse.proxy.upstream.UpstreamHandler.RequestBodySink;
import dev.gatehouse.uwsgi.UwsgiVarsBuilder;
import dev.gatehouse.uwsgi.UwsgiVarsTooLargeException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelProgressiveFuture;
import io.netty.channel.ChannelProgressiveFutureListener;
import io.netty.channel.ChannelProgressivePromise;
import io.netty.channel.ConnectTimeoutException;
import io.netty.channel.DefaultFileRegion;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One request forwarded to an upstream pool, start to end, on the client connection's event loop
 * (the upstream connection lives on the same loop, so nothing here is shared between threads).
 *
 * <p>The body is either buffered whole first ({@code request_buffering}, and always for a chunked
 * client body, which then goes with the de-chunked {@code CONTENT_LENGTH}, as nginx does) or
 * streamed behind the packet head with backpressure both ways. The response head is read as
 * nginx does ({@link UwsgiResponseDecoder}), its headers filtered ({@link ResponseHeaders}), and
 * the body streamed to the client: client lagging, upstream reads paused.
 *
 * <p>Failures follow nginx's {@code uwsgi_next_upstream error timeout}: a connect failure moves
 * to the next server; a request already sent moves on only if its method is idempotent, its body
 * can be sent again and no response byte came back; tries and time are bounded by
 * {@code next_upstream_tries} / {@code next_upstream_timeout}. Errors answer 502, timeouts 504;
 * after the response head went out, the client connection is cut instead. A pooled connection
 * that turns out closed before any response byte is retried once on a fresh connection, whatever
 * the method: the server closed it while idle, so it never saw the request.
 */
final class UpstreamCall implements RequestBodySink, UpstreamConnection.Listener {

    private static final Logger log = LoggerFactory.getLogger(UpstreamCall.class);

    /** Body bytes queued for a not yet connected or not writable upstream before client reads pause. */
    private static final int STREAM_QUEUE_LIMIT = 64 * 1024;

    private final Exchange ex;
    private final UpstreamPool pool;
    private final UpstreamConfig cfg;
    private final LocationConfig location;
    private final ParsedRequest request;
    private final EventLoop loop;
    private final boolean streaming;
    private final boolean idempotent;
    private final long startNanos = System.nanoTime();

    // request body
    private RequestBodyBuffer buffer;
    private final ArrayDeque<ByteBuf> queued = new ArrayDeque<>();
    private long queuedBytes;
    private boolean bodyComplete;
    private boolean bodyStarted;
    private ByteBuf packet;

    // attempts
    private final Set<UpstreamPeer> tried = new HashSet<>();
    private int tries;
    private boolean staleRetried;
    private boolean freshOnly;
    private UpstreamPeer peer;
    private UpstreamConnection conn;
    private boolean reusedConnection;
    private boolean requestWritten;
    private boolean allQueued;
    private int writesOutstanding;
    private boolean requestSent;
    private long lastWriteNanos;
    private long lastReadNanos;
    private boolean readsPaused;
    private ScheduledFuture<?> timer;
    private boolean lastFailureTimeout;

    // response
    private ResponseHead head;
    private boolean headSentToClient;
    private boolean closeDelimited;
    private boolean done;
    private boolean flushesHeld;

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
        // nginx buffers a chunked body even with uwsgi_request_buffering off.
        this.streaming = request.hasBody() && !request.chunked() && !location.requestBuffering();
        HttpMethod m = request.method();
        // nginx: POST, LOCK and PATCH are never retried once sent (ngx_http_upstream_next). An
        // upgrade request is not either: a server may have switched protocols and begun work.
        this.idempotent = !m.equals(HttpMethod.POST) && !m.equals(HttpMethod.PATCH) && !m.name().equals("LOCK")
                && tunnels == null;
    }

    void begin() {
        ex.onAbort(() -> clientGone("the client connection ended"));
        if (streaming) {
            if (buildPacket(request.contentLength())) {
                attempt();
            }
        } else if (request.hasBody()) {
            buffer = new RequestBodyBuffer(ByteBufAllocator.DEFAULT);
        }
    }

    // ---- request body from the client --------------------------------------------------

    @Override
    public void content(HttpContent part) {
        boolean last = part instanceof LastHttpContent;
        if (done) {
            part.release();
            return;
        }
        if (streaming) {
            ByteBuf b = part.content();
            if (b.isReadable()) {
                queued.add(b);
                queuedBytes += b.readableBytes();
            } else {
                b.release();
            }
            if (last) {
                bodyComplete = true;
            }
            writeQueuedBody();
            return;
        }
        if (buffer != null) {
            try {
                buffer.add(part.content());
            } catch (UncheckedIOException e) {
                log.error("{} {}: {}", request.method(), request.uri(), e.getMessage());
                finishWithError(HttpResponseStatus.INTERNAL_SERVER_ERROR, null);
                return;
            }
        } else {
            part.release();
        }
        if (last) {
            bodyComplete = true;
            long length = buffer == null ? -1 : buffer.length();
            // A chunked body goes with the length it turned out to have (nginx's $content_length).
            if (buildPacket(request.chunked() ? length : -1)) {
                attempt();
            }
        }
    }

    @Override
    public void abort(String reason) {
        clientGone("client body aborted: " + reason);
    }

    private boolean buildPacket(long bodyLength) {
        UwsgiVarsBuilder vars;
        try {
            vars = RequestVars.build(ex, location, cfg, bodyLength);
        } catch (UwsgiVarsTooLargeException e) {
            // nginx: "[alert] uwsgi request is too big", 500.
            log.error("{} {}: uwsgi request is too big for upstream {}: {}", request.method(), request.uri(),
                    cfg.name(), e.getMessage());
            finishWithError(HttpResponseStatus.INTERNAL_SERVER_ERROR, null);
            return false;
        } catch (IllegalArgumentException e) {
            log.error("{} {}: cannot build uwsgi vars: {}", request.method(), request.uri(), e.getMessage());
            finishWithError(HttpResponseStatus.INTERNAL_SERVER_ERROR, null);
            return false;
        }
        ByteBuf buf = Unpooled.buffer(vars.packetSize());
        vars.encodePacketTo(buf, cfg.modifier1(), cfg.modifier2());
        packet = buf;
        return true;
    }

    // ---- attempts ------------------------------------------------------------------------

    private void attempt() {
        if (done) {
            return;
        }
        peer = pool.select(tried);
        if (peer == null) {
            finishWithError(lastFailureTimeout ? HttpResponseStatus.GATEWAY_TIMEOUT : HttpResponseStatus.BAD_GATEWAY,
                    tries == 0 ? "no live upstreams" : null);
            return;
        }
        tried.add(peer);
        tries++;
        requestWritten = false;
        requestSent = false;
        allQueued = false;
        writesOutstanding = 0;
        // An upgrade request takes a fresh connection: a pooled one the server closed meanwhile
        // would be retried after sending, which an upgrade never is.
        UpstreamConnection idle = freshOnly || streaming || tunnels != null ? null : pool.idleConnection(loop, peer);
        freshOnly = false;
        if (idle != null) {
            reusedConnection = true;
            connected(idle);
            return;
        }
        reusedConnection = false;
        UpstreamPeer target = peer;
        UpstreamConnection[] made = new UpstreamConnection[1];
        ChannelFuture f = pool.connect(loop, target, c -> made[0] = c);
        f.addListener((ChannelFutureListener) cf -> {
            if (done || peer != target) {
                cf.channel().close();
                return;
            }
            if (!cf.isSuccess()) {
                boolean timeout = cf.cause() instanceof ConnectTimeoutException;
                log.warn("upstream {}: connect to {} failed: {}", cfg.name(), target, cf.cause().toString());
                attemptFailed(timeout, false, cf.cause());
                return;
            }
            connected(made[0]);
        });
    }

    private void connected(UpstreamConnection c) {
        conn = c;
        c.attach(this);
        c.decoder.expect(ex.isHead());
        c.channel.config().setAutoRead(true);
        readsPaused = false;
        lastReadNanos = System.nanoTime();
        write(packet.retainedDuplicate());
        requestWritten = true;
        if (streaming) {
            writeQueuedBody();
        } else {
            if (buffer != null && buffer.length() > 0) {
                write(buffer.content());
            }
            allQueued = true;
        }
        c.channel.flush();
        armTimer();
    }

    private void write(Object msg) {
        Channel ch = conn.channel;
        ChannelProgressivePromise p = ch.newProgressivePromise();
        writesOutstanding++;
        UpstreamConnection target = conn;
        p.addListener(new ChannelProgressiveFutureListener() {
            @Override
            public void operationProgressed(ChannelProgressiveFuture future, long progress, long total) {
                lastWriteNanos = System.nanoTime();
            }

            @Override
            public void operationComplete(ChannelProgressiveFuture future) {
                if (conn != target) {
                    return;
                }
                lastWriteNanos = System.nanoTime();
                writesOutstanding--;
                if (!future.isSuccess()) {
                    // The read side reports the close or reset; a write error alone (EPIPE) may
                    // come before a response the server already sent, so it is not final here.
                    if (!target.channel.isActive()) {
                        return;
                    }
                    target.channel.close();
                    return;
                }
                if (writesOutstanding == 0 && allQueued && !requestSent) {
                    requestSent = true;
                    lastReadNanos = System.nanoTime();
                }
            }
        });
        lastWriteNanos = System.nanoTime();
        ch.write(msg, p);
    }

    /** Streaming: passes queued body parts to the upstream while it takes them. */
    private void writeQueuedBody() {
        if (conn == null || !requestWritten || done) {
            if (queuedBytes > STREAM_QUEUE_LIMIT) {
                ex.readRequestBody(false);
            }
            return;
        }
        boolean wrote = false;
        while (!queued.isEmpty()) {
            ByteBuf b = queued.poll();
            queuedBytes -= b.readableBytes();
            bodyStarted = true;
            write(b);
            wrote = true;
        }
        if (bodyComplete && !allQueued) {
            allQueued = true;
            if (writesOutstanding == 0) {
                requestSent = true;
            }
        }
        if (wrote) {
            conn.channel.flush();
        }
        // Backpressure: the client's body is read only as fast as the upstream takes it.
        ex.readRequestBody(conn.channel.isWritable());
    }

    @Override
    public void upstreamWritable() {
        if (streaming && !done) {
            ex.readRequestBody(true);
        }
    }

    private void attemptFailed(boolean timeout, boolean invalid, Throwable cause) {
        UpstreamConnection c = conn;
        boolean anyByte = c != null && c.bytesRead > 0 || head != null;
        boolean stale = reusedConnection && !anyByte && !timeout && !invalid;
        closeConnection(false);
        if (stale && !staleRetried) {
            // The server closed the pooled connection while it sat idle: it never saw the request.
            staleRetried = true;
            freshOnly = true;
            tried.remove(peer);
            tries--;
            pool.release(peer, false);
            peer = null;
            log.debug("upstream {}: pooled connection was closed by the server, retrying on a fresh one", cfg.name());
            attempt();
            return;
        }
        pool.release(peer, true);
        peer = null;
        lastFailureTimeout = timeout;
        if (headSentToClient) {
            done = true;
            cleanup();
            ex.abort();
            return;
        }
        if (invalid) {
            finishWithError(HttpResponseStatus.BAD_GATEWAY, null);
            return;
        }
        boolean replayable = !streaming || !bodyStarted;
        boolean sentSomething = requestWritten;
        boolean mayRetry = !anyByte && (!sentSomething || idempotent && replayable)
                && (cfg.nextUpstreamTries() == 0 || tries < cfg.nextUpstreamTries())
                && tries < pool.peerCount()
                && (cfg.nextUpstreamTimeout().isZero()
                        || System.nanoTime() - startNanos < cfg.nextUpstreamTimeout().toNanos());
        if (mayRetry) {
            attempt();
            return;
        }
        finishWithError(timeout ? HttpResponseStatus.GATEWAY_TIMEOUT : HttpResponseStatus.BAD_GATEWAY, null);
    }

    // ---- timeouts ------------------------------------------------------------------------

    private void armTimer() {
        if (timer == null && !done) {
            long delay = Math.min(cfg.sendTimeout().toNanos(), cfg.readTimeout().toNanos());
            timer = loop.schedule(this::checkTimeouts, delay, TimeUnit.NANOSECONDS);
        }
    }

    private void checkTimeouts() {
        timer = null;
        if (done || conn == null) {
            return;
        }
        long now = System.nanoTime();
        long next;
        if (!requestSent && head == null) {
            // Sending: send_timeout between two successful writes, unless the client body is
            // what we are waiting for (client_body_timeout covers that).
            boolean waitingForClient = streaming && writesOutstanding == 0;
            long deadline = lastWriteNanos + cfg.sendTimeout().toNanos();
            if (!waitingForClient && now >= deadline) {
                log.error("upstream {}: timed out ({}) sending the request to {}", cfg.name(), cfg.sendTimeout(), peer);
                attemptFailed(true, false, null);
                return;
            }
            next = waitingForClient ? now + cfg.sendTimeout().toNanos() : deadline;
        } else if (readsPaused) {
            // The client is the slow side: send_timeout on the client connection covers it.
            lastReadNanos = now;
            next = now + cfg.readTimeout().toNanos();
        } else {
            long deadline = lastReadNanos + cfg.readTimeout().toNanos();
            if (now >= deadline) {
                log.error("upstream {}: timed out ({}) reading the response from {}", cfg.name(), cfg.readTimeout(), peer);
                attemptFailed(true, false, null);
                return;
            }
            next = deadline;
        }
        timer = loop.schedule(this::checkTimeouts, Math.max(1, next - now), TimeUnit.NANOSECONDS);
    }

    // ---- the response --------------------------------------------------------------------

    @Override
    public void upstreamBytes() {
        lastReadNanos = System.nanoTime();
    }

    @Override
    public void upstreamMessage(Object msg) {
        if (done) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (!flushesHeld) {
            // Head, body and end often come in one read: one write to the client, not three.
            flushesHeld = true;
            ex.holdFlushes(true);
        }
        if (msg instanceof ResponseHead h) {
            head = h;
            onHead(h);
        } else if (msg instanceof ByteBuf b) {
            if (ex.finished()) {
                // The client went away: stop reading a response nobody takes.
                b.release();
                clientGone("the client connection ended");
                return;
            }
            ex.sendBody(new DefaultHttpContent(b));
            if (!ex.isWritable() && !readsPaused) {
                readsPaused = true;
                conn.channel.config().setAutoRead(false);
                UpstreamConnection c = conn;
                ex.whenWritable(() -> {
                    if (conn == c && !done) {
                        readsPaused = false;
                        lastReadNanos = System.nanoTime();
                        c.channel.config().setAutoRead(true);
                        c.channel.read();
                    }
                });
            }
        } else if (msg instanceof ResponseEnd e) {
            responseComplete(!e.trailing());
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    private void onHead(ResponseHead h) {
        HttpHeaders in = h.headers();
        if (h.status().code() == 101) {
            switchProtocols(h);
            return;
        }
        String accel = in.get("X-Accel-Redirect");
        if (accel != null && !accel.isEmpty()) {
            internalRedirect(accel);
            return;
        }
        String sendfile = location.sendfileRoots().isEmpty() ? null : in.get("X-Sendfile");
        if (sendfile != null && !sendfile.isEmpty()) {
            sendFile(h, sendfile);
            return;
        }
        HttpResponse out = ex.newResponse(h.status());
        boolean upstreamClose = ResponseHeaders.copy(in, out.headers());
        if (upstreamClose) {
            keepConnection = false;
        }
        switch (h.framing()) {
            case NONE -> {
                // HEAD keeps the length a GET would have; 1xx/204/304 carry none.
                String cl = in.get(HttpHeaderNames.CONTENT_LENGTH);
                if (cl != null && ex.isHead()) {
                    out.headers().set(HttpHeaderNames.CONTENT_LENGTH, cl);
                }
            }
            case LENGTH -> out.headers().set(HttpHeaderNames.CONTENT_LENGTH, Long.toString(h.contentLength()));
            case CHUNKED, CLOSE -> {
                closeDelimited = h.framing() == ResponseHead.Framing.CLOSE;
                if (request.protocolVersion() == HttpVersion.HTTP_1_0) {
                    // No chunked encoding for HTTP/1.0: the body ends with the connection.
                    ex.closeAfterResponse();
                } else {
                    out.headers().set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
                }
            }
        }
        headSentToClient = true;
        ex.sendHead(out);
    }

    private boolean keepConnection = true;

    /**
     * The server switched protocols: the 101 goes to the client with the server's headers
     * ({@code Upgrade} included, as nginx's {@code ngx_http_upstream_copy_upgrade}), and both
     * connections become a {@link Tunnel}. The upstream connection is never pooled again; its
     * server stays counted as busy (least_conn) until the tunnel ends.
     */
    private void switchProtocols(ResponseHead h) {
        if (tunnels == null) {
            // nginx switches only when the request asked to (u->upgrade needs headers_in.upgrade).
            log.error("upstream {}: {} answered 101 to {} {}, which did not ask to upgrade", cfg.name(), peer,
                    request.method(), request.uri());
            attemptFailed(false, true, null);
            return;
        }
        done = true;
        cancelTimer();
        releaseFlushes();
        UpstreamConnection c = conn;
        conn = null;
        c.detach();
        UpstreamPeer p = peer;
        peer = null;
        TunnelSlots slots = tunnels;
        tunnels = null;
        LocationConfig loc = location;
        HttpResponse out = ex.newResponse(h.status());
        ResponseHeaders.copy(h.headers(), out.headers());
        String upgrade = h.headers().get(HttpHeaderNames.UPGRADE);
        if (upgrade != null) {
            out.headers().set(HttpHeaderNames.UPGRADE, upgrade);
        }
        Tunnel tunnel = Tunnel.create(request.method() + " " + request.uri(), loc.tunnelIdleTimeout(), () -> {
            pool.release(p, false);
            slots.release(loc);
        });
        headSentToClient = true;
        if (ex.switchProtocols(out, tunnel.clientHandler()) == null) {
            log.info("{} {}: the client closed or sent bytes before the 101; closing both sides", request.method(),
                    request.uri());
            pool.release(p, false);
            slots.release(loc);
            c.close();
            cleanup();
            return;
        }
        Channel ch = c.channel;
        // The tunnel takes the place of the uwsgi handlers; the decoder, removed last, hands it
        // the bytes that came after the 101 head.
        ch.pipeline().addLast("tunnel", tunnel.upstreamHandler());
        ch.pipeline().remove("connection");
        ch.pipeline().remove("bytes");
        ch.pipeline().remove("decoder");
        cleanup();
        tunnel.start();
    }

    private void responseComplete(boolean framedCleanly) {
        if (done) {
            return;
        }
        done = true;
        cancelTimer();
        pool.release(peer, false);
        peer = null;
        boolean reuse = framedCleanly && keepConnection && requestSent && cfg.keepalive() > 0
                && conn != null && conn.peer.keepsConnections();
        UpstreamConnection c = conn;
        conn = null;
        if (c != null) {
            c.detach();
            if (reuse) {
                pool.keep(c);
            } else {
                c.close();
            }
        }
        if (headSentToClient) {
            ex.finish();
        }
        cleanup();
    }

    @Override
    public void upstreamClosed(Throwable cause) {
        if (done) {
            return;
        }
        if (head != null && closeDelimited && cause == null && headSentToClient) {
            // uWSGI's way: the body ends when the server closes.
            keepConnection = false;
            responseComplete(false);
            return;
        }
        Throwable root = cause instanceof DecoderException && cause.getCause() != null ? cause.getCause() : cause;
        if (root instanceof BadResponseException) {
            log.error("upstream {}: {} from {} for {} {}", cfg.name(), root.getMessage(), peer, request.method(),
                    request.uri());
            attemptFailed(false, true, root);
            return;
        }
        if (head != null) {
            log.error("upstream {}: upstream prematurely closed connection while reading upstream {} for {} {}",
                    cfg.name(), peer, request.method(), request.uri());
        } else if (!reusedConnection || conn == null || conn.bytesRead > 0) {
            log.error("upstream {}: upstream prematurely closed connection while reading response header from {}"
                    + " for {} {}{}", cfg.name(), peer, request.method(), request.uri(),
                    cause == null ? "" : ": " + cause);
        }
        attemptFailed(false, false, cause);
    }

    private void internalRedirect(String uri) {
        // nginx acts on X-Accel-Redirect as soon as the head is read; the body is not needed.
        keepConnection = false;
        done = true;
        cancelTimer();
        pool.release(peer, false);
        peer = null;
        closeConnection(false);
        cleanup();
        if (!uri.startsWith("/")) {
            log.error("upstream {}: X-Accel-Redirect '{}' is not a path", cfg.name(), uri);
            ex.sendError(HttpResponseStatus.INTERNAL_SERVER_ERROR);
            return;
        }
        ex.internalRedirect(uri);
    }

    private void sendFile(ResponseHead h, String name) {
        keepConnection = false;
        done = true;
        cancelTimer();
        pool.release(peer, false);
        peer = null;
        closeConnection(false);
        cleanup();
        SendfileTarget.Result target = SendfileTarget.resolve(name, location.sendfileRoots());
        if (target.status() != null) {
            log.warn("upstream {}: X-Sendfile '{}' refused: {}", cfg.name(), name, target.reason());
            ex.sendError(target.status());
            return;
        }
        HttpResponse out = ex.newResponse(h.status());
        ResponseHeaders.copy(h.headers(), out.headers());
        out.headers().remove("X-Sendfile");
        out.headers().set(HttpHeaderNames.CONTENT_LENGTH, Long.toString(target.length()));
        headSentToClient = true;
        ex.sendHead(out);
        if (!ex.isHead() && target.length() > 0) {
            ex.sendBody(new DefaultFileRegion(target.channel(), 0, target.length()));
        } else {
            try {
                target.channel().close();
            } catch (IOException e) {
                // nothing was read from it
            }
        }
        ex.finish();
    }

    /**
     * The client side ended first (gone, timed out, broken body): the upstream connection is
     * closed mid-exchange, as nginx does without {@code uwsgi_ignore_client_abort}, and the server
     * is not blamed for it.
     */
    private void clientGone(String why) {
        if (done) {
            return;
        }
        log.debug("{} {}: {}; closing the upstream connection", request.method(), request.uri(), why);
        done = true;
        cancelTimer();
        if (peer != null) {
            pool.release(peer, false);
            peer = null;
        }
        closeConnection(false);
        cleanup();
    }

    // ---- ends ----------------------------------------------------------------------------

    private void finishWithError(HttpResponseStatus status, String why) {
        if (why != null) {
            log.error("upstream {}: {} while forwarding {} {}", cfg.name(), why, request.method(), request.uri());
        }
        done = true;
        cancelTimer();
        closeConnection(false);
        cleanup();
        if (headSentToClient) {
            ex.abort();
        } else {
            ex.sendError(status);
        }
    }

    private void closeConnection(boolean keep) {
        cancelTimer();
        UpstreamConnection c = conn;
        conn = null;
        if (c != null) {
            c.detach();
            c.close();
        }
    }

    private void cancelTimer() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }

    @Override
    public void upstreamReadComplete() {
        releaseFlushes();
    }

    private void releaseFlushes() {
        if (flushesHeld) {
            flushesHeld = false;
            ex.holdFlushes(false);
        }
    }

    private void cleanup() {
        releaseFlushes();
        if (tunnels != null) {
            tunnels.release(location);
            tunnels = null;
        }
        if (buffer != null) {
            buffer.close();
            buffer = null;
        }
        if (packet != null) {
            packet.release();
            packet = null;
        }
        while (!queued.isEmpty()) {
            queued.poll().release();
        }
        queuedBytes = 0;
        if (streaming) {
            ex.readRequestBody(true);
        }
    }
}
