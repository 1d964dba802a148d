package dev.gatehouse.proxy.exchange;

import dev.gatehouse.conf.proxy.ProxyConfig;
import dev.gatehouse.proxy.accesslog.AccessLogEntry;
import dev.gatehouse.proxy.route.Route;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufHolder;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoop;
import io.netty.channel.FileRegion;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpHeadersFactory;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.AsciiString;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.net.SocketAddress;

/**
 * One request and its response on a client connection. Handlers (static files, the upstream
 * seam) answer through it: {@link #sendHead}, then body parts with {@link #sendBody}, then
 * {@link #finish}; or {@link #sendError}. It adds {@code Date} and {@code Server}, marks a
 * response that must close the connection with {@code Connection: close} (keep-alive itself is
 * the front end's), keeps the access log's numbers, and tells its {@link ExchangeHost} when the
 * response is complete or cut off. Methods may be called from any thread; off the event loop
 * they are run on it.
 */
public final class Exchange {

    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(Exchange.class);
    private static final AsciiString STRICT_TRANSPORT_SECURITY = AsciiString.cached("Strict-Transport-Security");

    /** Response headers without validation: handlers only set values they checked or built. */
    public static final HttpHeadersFactory RESPONSE_HEADERS =
            DefaultHttpHeadersFactory.headersFactory().withValidation(false);

    private final ExchangeHost connection;
    private final ChannelHandlerContext ctx;
    private final ParsedRequest request;
    private String path;
    private boolean internalMethodGet;
    private final ProxyConfig config;
    private final long startNanos = System.nanoTime();
    private Route route;
    /** The response must close the connection: the request's state is in doubt, or a handler asked. */
    private boolean closeConnection;
    private int status;
    private long bodyBytes;
    private boolean headSent;
    private boolean finished;
    private Runnable onWritable;
    private Runnable onAbort;

    /**
     * An exchange served by {@code connection} on the channel of {@code ctx}.
     *
     * @param request the request head; null for a request refused before it could be parsed
     * @param path the decoded, normalized path; null when it could not be decoded
     * @param config the configuration the request is served under
     */
    public Exchange(ExchangeHost connection, ChannelHandlerContext ctx, ParsedRequest request, String path,
            ProxyConfig config) {
        this.connection = connection;
        this.ctx = ctx;
        this.request = request;
        this.path = path;
        this.config = config;
    }

    /** The request head; null only for a request refused before it could be parsed. */
    public ParsedRequest request() {
        return request;
    }

    /** The decoded, normalized request path the route was chosen by; null when it could not be decoded. */
    public String path() {
        return path;
    }

    /** The location serving this request; null when none matched. */
    public Route route() {
        return route;
    }

    /** Sets the location the dispatcher chose for this request. */
    public void route(Route r) {
        this.route = r;
    }

    /** The configuration this request is served under. */
    public ProxyConfig config() {
        return config;
    }

    /** Whether this is a HEAD request: the response carries headers only. */
    public boolean isHead() {
        return request != null && request.method().equals(HttpMethod.HEAD);
    }

    /** The client's address. */
    public SocketAddress remoteAddress() {
        return ctx.channel().remoteAddress();
    }

    /** The address the client connected to. */
    public SocketAddress localAddress() {
        return ctx.channel().localAddress();
    }

    /** Whether the request came over TLS. */
    public boolean secure() {
        return connection.transport().secure();
    }

    /** The connection's event loop. */
    public EventLoop eventLoop() {
        return ctx.channel().eventLoop();
    }

    /** Whether the client connection takes more writes without queueing. */
    public boolean isWritable() {
        return ctx.channel().isWritable();
    }

    /**
     * Runs {@code task} once, on the event loop, when the client connection becomes writable
     * again (response backpressure: a handler stops reading its source while the client lags).
     * Runs it at once when the connection is writable now.
     */
    public void whenWritable(Runnable task) {
        if (!eventLoop().inEventLoop()) {
            eventLoop().execute(() -> whenWritable(task));
            return;
        }
        if (isWritable() || !ctx.channel().isActive()) {
            task.run();
        } else {
            onWritable = task;
        }
    }

    /**
     * Runs {@code task} on the event loop if this exchange is cut before it finished: the client
     * went away, timed out, or the connection was closed under it. A handler that works on the
     * request elsewhere (an upstream call) stops there and frees what it holds, instead of
     * finding out at its next write. One task per exchange; a later call replaces it.
     */
    public void onAbort(Runnable task) {
        this.onAbort = task;
    }

    /** The client connection became writable again: runs the task {@link #whenWritable} left. */
    public void writabilityChanged() {
        Runnable t = onWritable;
        if (t != null && isWritable()) {
            onWritable = null;
            t.run();
        }
    }

    /**
     * Holds back (true) or releases (false) the flushing of this response's writes: a handler
     * that turns one read of its source into several writes (head, body part, end) holds them
     * while it reads, so that they leave in one system call, not one each. Releasing flushes what
     * was held. Call on the event loop; every hold must be released.
     */
    public void holdFlushes(boolean hold) {
        connection.holdFlushes(hold);
    }

    /**
     * Pauses or resumes reading the request body from the client (request body backpressure:
     * a handler that cannot pass the body on as fast as it arrives). Call on the event loop.
     */
    public void readRequestBody(boolean read) {
        connection.requestBodyReads(read);
    }

    /**
     * Serves this request again from another path of the same server, as nginx's internal
     * redirect for {@code X-Accel-Redirect}: the location is chosen anew (internal locations
     * included) and must serve static files; the method becomes GET unless it is HEAD. Call on
     * the event loop, before any response head was sent.
     *
     * @param uri the new target: a path, with an optional query
     */
    public void internalRedirect(String uri) {
        connection.internalRedirect(this, uri);
    }

    /** Points this exchange at the target of an internal redirect, served as a GET. */
    public void redirected(String newPath, Route newRoute) {
        this.path = newPath;
        this.route = newRoute;
        this.internalMethodGet = true;
    }

    /** Whether an internal redirect made this a GET for the static file handler. */
    public boolean internallyRedirected() {
        return internalMethodGet;
    }

    /** Whether the response head was sent. */
    public boolean headSent() {
        return headSent;
    }

    /** Whether the response is complete. */
    public boolean finished() {
        return finished;
    }

    /**
     * Closes the connection after this response, whatever the client asked for: the head says
     * {@code Connection: close}, which the connection's front end acts on. Call before
     * {@link #sendHead}.
     */
    public void closeAfterResponse() {
        if (headSent) {
            throw new IllegalStateException("closeAfterResponse after the response head was sent for " + describe());
        }
        closeConnection = true;
    }

    /** A response head for this request's version with an empty header set. */
    public HttpResponse newResponse(HttpResponseStatus status) {
        return new DefaultHttpResponse(HttpVersion.HTTP_1_1, status, RESPONSE_HEADERS);
    }

    /**
     * Sends the response head, adding Date, Server, and {@code Connection: close} when this
     * response ends the connection; the front end completes the {@code Connection} header for
     * keep-alive. The body framing
     * (Content-Length, or Transfer-Encoding: chunked for HTTP/1.1) is the caller's.
     */
    public void sendHead(HttpResponse head) {
        if (!eventLoop().inEventLoop()) {
            eventLoop().execute(() -> sendHead(head));
            return;
        }
        if (headSent) {
            throw new IllegalStateException("response head already sent for " + describe());
        }
        if (finished) {
            // Aborted (client gone) while the handler was producing its answer: nobody takes it.
            ReferenceCountUtil.release(head);
            return;
        }
        headSent = true;
        status = head.status().code();
        HttpHeaders h = head.headers();
        // An upstream's own Date and Server reach the client, as nginx's uwsgi module passes them.
        if (!h.contains(HttpHeaderNames.DATE)) {
            h.set(HttpHeaderNames.DATE, HttpDate.now());
        }
        AsciiString server = connection.serverHeader();
        if (server != null && !h.contains(HttpHeaderNames.SERVER)) {
            h.set(HttpHeaderNames.SERVER, server);
        }
        if (connection.transport().secure()) {
            config.strictTransportSecurity().ifPresent(v -> {
                if (!h.contains(STRICT_TRANSPORT_SECURITY)) {
                    h.set(STRICT_TRANSPORT_SECURITY, v);
                }
            });
        }
        if (closeConnection) {
            h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        connection.write(head);
    }

    /** Sends a body part: a ByteBuf, an HttpContent, or a FileRegion (zero-copy). */
    public void sendBody(Object part) {
        if (!eventLoop().inEventLoop()) {
            eventLoop().execute(() -> sendBody(part));
            return;
        }
        if (finished || !headSent) {
            ReferenceCountUtil.release(part);
            return;
        }
        if (part instanceof ByteBuf b) {
            bodyBytes += b.readableBytes();
        } else if (part instanceof ByteBufHolder h) {
            bodyBytes += h.content().readableBytes();
        } else if (part instanceof FileRegion r) {
            bodyBytes += r.count();
        }
        Object out = connection.transport().zeroCopy() ? part : framed(part);
        if (out != null) {
            connection.write(out);
        }
    }

    /**
     * A body part in a form TLS and HTTP/2 can carry: file regions become buffers (small ones)
     * or a bounded chunked stream (large ones); bare buffers become HttpContent, which HTTP/2's
     * frame codec needs. Null when the part cannot be sent (the connection is then aborted).
     */
    private Object framed(Object part) {
        if (part instanceof FileRegion r) {
            if (r.count() > FileRegionInput.CHUNK) {
                return new FileRegionInput(r);
            }
            try {
                if (r.count() == 0) {
                    return null;
                }
                // A small file the open-file cache holds in memory: no read, no copy.
                ByteBuf held = r instanceof ReadableFileRegion rr ? rr.retainedBytes() : null;
                return new DefaultHttpContent(held != null ? held : FileRegionInput.readAll(r, ctx.alloc()));
            } catch (java.io.IOException e) {
                log.warn("{}: cannot read the file for {}: {}", remoteAddress(), describe(), e.toString());
                abort();
                return null;
            } finally {
                r.release();
            }
        }
        if (part instanceof ByteBuf b) {
            return new DefaultHttpContent(b);
        }
        return part;
    }

    /** Ends the response. */
    public void finish() {
        finish(LastHttpContent.EMPTY_LAST_CONTENT);
    }

    /** Ends the response with this last part (trailers of a chunked response, or a final buffer). */
    public void finish(LastHttpContent last) {
        if (!eventLoop().inEventLoop()) {
            eventLoop().execute(() -> finish(last));
            return;
        }
        if (finished) {
            last.release();
            return;
        }
        bodyBytes += last.content().readableBytes();
        finished = true;
        // Told before the last part goes out: on HTTP/1 the write of the last part may start
        // the next pipelined request at once.
        connection.exchangeFinished(this);
        connection.write(last);
    }

    /** Answers with a status and a short plain-text page (no body for HEAD, 304 and 1xx/204). */
    public void sendError(HttpResponseStatus s) {
        sendErrorPage(newResponse(s));
    }

    /** Like {@link #sendError(HttpResponseStatus)}, with headers of the caller's (416's Content-Range). */
    public void sendErrorPage(HttpResponse r) {
        if (!eventLoop().inEventLoop()) {
            eventLoop().execute(() -> sendErrorPage(r));
            return;
        }
        if (headSent) {
            // Too late for a status: the client sees a cut-off response instead of a wrong one.
            if (!finished) {
                finished = true;
                connection.exchangeCut(this);
            }
            return;
        }
        HttpResponseStatus s = r.status();
        int c = s.code();
        if (c == 400 || c == 408 || c == 413 || c == 414 || c == 417 || c == 431 || c >= 500) {
            // The connection's state is in doubt (unread body, broken framing): nginx closes too.
            closeConnection = true;
        }
        boolean noBody = isHead() || c == 304 || c == 204 || c < 200;
        ByteBuf page = ErrorPages.page(s);
        if (c != 304 && c != 204) {
            r.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.TEXT_PLAIN);
            r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, page.readableBytes());
        }
        if (c == 405) {
            r.headers().set(HttpHeaderNames.ALLOW, "GET, HEAD");
        }
        sendHead(r);
        finish(noBody ? LastHttpContent.EMPTY_LAST_CONTENT : new io.netty.handler.codec.http.DefaultLastHttpContent(page));
    }

    /** Answers 301 with a Location header (directory without its slash). */
    public void sendRedirect(String location) {
        HttpResponse r = newResponse(HttpResponseStatus.MOVED_PERMANENTLY);
        ByteBuf page = ErrorPages.page(HttpResponseStatus.MOVED_PERMANENTLY);
        r.headers().set(HttpHeaderNames.LOCATION, location);
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.TEXT_PLAIN);
        r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, page.readableBytes());
        sendHead(r);
        if (isHead()) {
            finish();
        } else {
            finish(new io.netty.handler.codec.http.DefaultLastHttpContent(page));
        }
    }

    /**
     * Whether the request asks to switch protocols ({@code Upgrade}, WebSocket or another) on
     * an HTTP/1.1 connection, where a 101 answer may turn the connection into a tunnel. HTTP/2
     * forbids {@code Upgrade} (RFC 9113 8.2.2), and HTTP/1.0 has no 101. {@code Upgrade: h2c}
     * alone does not count: RFC 9113 dropped that upgrade, a proxy never tunnels it, and clients
     * such as Java's HttpClient offer it on every cleartext request (the header still reaches
     * the upstream as {@code HTTP_UPGRADE}, as nginx passes it).
     */
    public boolean upgradeRequested() {
        if (request == null || connection.transport().http2()
                || !request.protocolVersion().equals(HttpVersion.HTTP_1_1)) {
            return false;
        }
        String upgrade = request.headers().get(HttpHeaderNames.UPGRADE);
        if (upgrade == null) {
            return false;
        }
        for (String token : upgrade.split(",")) {
            String t = token.strip();
            if (!t.isEmpty() && !t.equalsIgnoreCase("h2c")) {
                return true;
            }
        }
        return false;
    }

    /**
     * Answers {@code 101 Switching Protocols} with {@code head} and hands the client connection
     * to {@code tunnel}, which from then on gets the client's raw bytes: the HTTP handlers leave
     * the pipeline, the exchange is logged and finished, and the connection serves no further
     * request. Adds {@code Date}, {@code Server} and {@code Connection: upgrade}, as nginx's
     * header filter does for a 101. Call on the event loop, before any response head was sent.
     *
     * @return the client channel, or null when the switch cannot happen (the client is gone,
     *     or sent more bytes after its request than a client waiting for 101 may): the
     *     connection is then closed and the tunnel handler was not installed
     */
    public io.netty.channel.Channel switchProtocols(HttpResponse head, io.netty.channel.ChannelHandler tunnel) {
        if (headSent || finished || !ctx.channel().isActive() || !connection.mayUpgrade()) {
            ReferenceCountUtil.release(head);
            abort();
            return null;
        }
        headSent = true;
        finished = true;
        status = head.status().code();
        HttpHeaders h = head.headers();
        if (!h.contains(HttpHeaderNames.DATE)) {
            h.set(HttpHeaderNames.DATE, HttpDate.now());
        }
        AsciiString server = connection.serverHeader();
        if (server != null && !h.contains(HttpHeaderNames.SERVER)) {
            h.set(HttpHeaderNames.SERVER, server);
        }
        h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE);
        // Encoded at once by the response encoder, which can then leave the pipeline.
        ctx.writeAndFlush(new io.netty.handler.codec.http.DefaultFullHttpResponse(HttpVersion.HTTP_1_1, head.status(),
                io.netty.buffer.Unpooled.EMPTY_BUFFER, h, RESPONSE_HEADERS.newHeaders()));
        connection.upgraded(this, tunnel);
        return ctx.channel();
    }

    /** Closes the connection now: for handlers that cannot finish a response they started. */
    public void abort() {
        if (!eventLoop().inEventLoop()) {
            eventLoop().execute(this::abort);
            return;
        }
        if (!finished) {
            finished = true;
            if (status == 0) {
                status = 499;
            }
            connection.exchangeCut(this);
            Runnable task = onAbort;
            onAbort = null;
            if (task != null) {
                task.run();
            }
        }
    }

    /** The access log entry for this exchange. */
    public AccessLogEntry logEntry() {
        SocketAddress remote = ctx.channel().remoteAddress();
        String addr = remote instanceof InetSocketAddress i ? i.getAddress().getHostAddress() : String.valueOf(remote);
        String method = null;
        String uri = null;
        String protocol = null;
        String referer = null;
        String agent = null;
        String host = null;
        if (request != null) {
            method = request.method().name();
            uri = request.uri();
            protocol = request.protocolVersion().text();
            referer = request.headers().get(HttpHeaderNames.REFERER);
            agent = request.headers().get(HttpHeaderNames.USER_AGENT);
            host = request.headers().get(HttpHeaderNames.HOST);
        }
        return new AccessLogEntry(addr, System.currentTimeMillis(), method, uri, protocol, status, bodyBytes,
                referer, agent, host, (System.nanoTime() - startNanos) / 1000);
    }

    private String describe() {
        return request == null ? "(unparsed request)" : request.method() + " " + request.uri();
    }
}
