package dev.gatehouse.proxy.dispatch;

import dev.gatehouse.proxy.exchange.BadRequest;
import dev.gatehouse.proxy.exchange.Exchange;
import dev.gatehouse.proxy.exchange.ExchangeHost;
import dev.gatehouse.proxy.exchange.ParsedRequest;
import dev.gatehouse.proxy.exchange.Transport;
import dev.gatehouse.proxy.route.Route;
import dev.gatehouse.proxy.statics.RequestPath;
import dev.gatehouse.proxy.upstream.UpstreamHandler.RequestBodySink;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.AsciiString;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The connection's request loop: takes decoded requests one at a time, checks the body limit and
 * {@code Expect}, picks the location and hands the request to static files or the upstream seam;
 * answers pipelined requests in order (the next one waits, with reads paused, until the current
 * response is finished); decides keep-alive; logs each exchange; closes with a lingering close
 * so that a client still sending a body reads its error response instead of a reset.
 */
public final class RequestDispatcher extends ChannelInboundHandlerAdapter implements ExchangeHost {

    private static final Logger log = LoggerFactory.getLogger(RequestDispatcher.class);
    /** How long a closing connection keeps reading (and discarding) so the client gets the response: nginx's lingering_time is 30s, its lingering_timeout 5s. */
    private static final long LINGER_MILLIS = 5_000;

    private final ProxyContext context;
    private final ClientTimeouts timeouts;
    private final Transport transport;
    private final AsciiString serverHeader;
    /** Turns the connection into a tunnel after a 101; null where there is no upgrade (an HTTP/2 stream). */
    private final ProtocolSwitch protocolSwitch;
    private ChannelHandlerContext ctx;

    private Exchange current;
    private RequestBodySink body;
    private long bodyLimit;
    private long bodyReceived;
    private boolean inboundDone;
    private final ArrayDeque<Object> queued = new ArrayDeque<>(2);
    private int served;
    private boolean closing;
    private boolean inRead;
    private boolean flushNeeded;
    /** A handler reading its source in a batch (an upstream read) holds flushes until the batch ends. */
    private boolean flushesHeld;
    private boolean drainingQueue;
    /** Input was left unread (a refused body, a broken request): closing needs a lingering close. */
    private boolean abandonedInput;
    /** The upstream handler cannot take more request body now: reads stay paused. */
    private boolean bodyReadsPaused;
    /** The future of the latest write, which completes after every earlier one. */
    private io.netty.channel.ChannelFuture lastWrite;

    /**
     * A dispatcher for one connection (or one HTTP/2 stream) that came in by {@code transport}.
     *
     * @param protocolSwitch how the connection becomes a tunnel after a 101; null where the
     *     protocol has no upgrade (an HTTP/2 stream)
     */
    public RequestDispatcher(ProxyContext context, ClientTimeouts timeouts, Transport transport,
            ProtocolSwitch protocolSwitch) {
        this.context = context;
        this.timeouts = timeouts;
        this.transport = transport;
        this.protocolSwitch = protocolSwitch;
        String server = context.generation().config().serverHeader();
        this.serverHeader = server.isEmpty() ? null : AsciiString.cached(server);
    }

    @Override
    public boolean draining() {
        return context.draining();
    }

    @Override
    public AsciiString serverHeader() {
        return serverHeader;
    }

    @Override
    public Transport transport() {
        return transport;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        inRead = true;
        handle(msg);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        inRead = false;
        if (flushNeeded && !flushesHeld) {
            flushNeeded = false;
            ctx.flush();
        }
    }

    private void handle(Object msg) {
        if (closing) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (current != null && inboundDone) {
            // A pipelined request while the previous response is still being produced.
            queued.add(msg);
            ctx.channel().config().setAutoRead(false);
            return;
        }
        if (msg instanceof ParsedRequest r) {
            startExchange(r);
        } else if (msg instanceof HttpContent c) {
            onContent(c);
        } else if (msg instanceof BadRequest b) {
            onBadRequest(b);
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    private void startExchange(ParsedRequest r) {
        Generation g = context.generation();
        served++;
        String path = null;
        if (!r.rawPath().isEmpty()) {
            try {
                path = RequestPath.normalize(r.rawPath());
            } catch (RequestPath.BadPathException e) {
                log.debug("{}: 400 for {}: {}", ctx.channel().remoteAddress(), r.uri(), e.getMessage());
            }
        }
        Exchange ex = new Exchange(this, ctx, r, path, g.config(), keepAlive(r, g));
        current = ex;
        inboundDone = false;
        bodyReceived = 0;
        body = null;
        if (r.hasBody()) {
            timeouts.bodyExpected();
        } else {
            timeouts.responding();
        }
        if (transport.listener().redirectToHttps()) {
            // nginx's "return 301 https://$host$request_uri": the body, if any, is never read.
            abandonedInput = r.hasBody();
            ex.closeAfterResponse();
            ex.sendRedirect(HttpsRedirect.location(r, transport.listener(), ctx.channel().localAddress()));
            return;
        }
        if (path == null) {
            ex.sendError(r.rawPath().isEmpty() ? HttpResponseStatus.METHOD_NOT_ALLOWED : HttpResponseStatus.BAD_REQUEST);
            return;
        }
        Route route = g.router().select(path);
        ex.route(route);
        bodyLimit = route != null && route.location().clientMaxBodySize().isPresent()
                ? route.location().clientMaxBodySize().get().bytes() : g.config().clientMaxBodySize().bytes();
        if (bodyLimit > 0 && r.contentLength() > bodyLimit) {
            // Refused from the head: the body is never read (nginx checks Content-Length first too).
            abandonedInput = true;
            ex.sendError(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE);
            return;
        }
        String expect = r.headers().get(HttpHeaderNames.EXPECT);
        if (expect != null) {
            if (!HttpHeaderValues.CONTINUE.contentEqualsIgnoreCase(expect)) {
                abandonedInput = r.hasBody();
                ex.sendError(HttpResponseStatus.EXPECTATION_FAILED);
                return;
            }
            if (r.protocolVersion() != HttpVersion.HTTP_1_0 && r.hasBody()) {
                write(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE,
                        Unpooled.EMPTY_BUFFER, Exchange.RESPONSE_HEADERS, Exchange.RESPONSE_HEADERS));
            }
        }
        if (route == null || route.location().internal()) {
            ex.sendError(HttpResponseStatus.NOT_FOUND);
            return;
        }
        switch (route.action()) {
            case STATIC -> context.statics().serve(ex, false);
            case UPSTREAM -> forward(ex, g);
            case STATIC_THEN_UPSTREAM -> {
                boolean readsFiles = r.method().equals(HttpMethod.GET) || r.method().equals(HttpMethod.HEAD);
                if (!readsFiles || !context.statics().serve(ex, true)) {
                    forward(ex, g);
                }
            }
        }
    }

    private void forward(Exchange ex, Generation g) {
        // Generation.build guarantees a handler for every location that names an upstream.
        body = g.upstream().forward(ex, ex.route().location().upstream().orElseThrow());
    }

    private void onContent(HttpContent c) {
        if (current == null) {
            c.release();
            return;
        }
        bodyReceived += c.content().readableBytes();
        if (bodyLimit > 0 && bodyReceived > bodyLimit) {
            c.release();
            abandonedInput = true;
            abortBody("request body larger than " + bodyLimit + " bytes");
            inboundDone = true;
            current.sendError(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE);
            return;
        }
        boolean last = c instanceof LastHttpContent;
        if (last) {
            inboundDone = true;
            timeouts.responding();
        }
        if (last && current.upgradeRequested()) {
            // Nothing more is read until the answer: after a 101 the client's next bytes belong
            // to the new protocol, not to the HTTP decoder (nginx leaves them in its buffer too).
            ctx.channel().config().setAutoRead(false);
        }
        if (body != null) {
            body.content(c);
        } else {
            c.release();
        }
        if (last) {
            body = null;
            maybeComplete();
        }
    }

    private void onBadRequest(BadRequest b) {
        log.debug("{}: {} {}", ctx.channel().remoteAddress(), b.status().code(), b.reason());
        abandonedInput = true;
        if (current != null && !inboundDone) {
            abortBody(b.reason());
            inboundDone = true;
            current.sendError(b.status());
        } else {
            current = new Exchange(this, ctx, null, null, context.generation().config(), false);
            inboundDone = true;
            current.sendError(b.status());
        }
    }

    @Override
    public void requestBodyReads(boolean read) {
        if (read == !bodyReadsPaused) {
            return;
        }
        bodyReadsPaused = !read;
        if (!read) {
            ctx.channel().config().setAutoRead(false);
        } else if (!closing && ctx.channel().isWritable() && queued.isEmpty()) {
            ctx.channel().config().setAutoRead(true);
        }
    }

    @Override
    public void internalRedirect(Exchange ex, String uri) {
        int q = uri.indexOf('?');
        String rawPath = q < 0 ? uri : uri.substring(0, q);
        String path;
        try {
            path = RequestPath.normalize(rawPath);
        } catch (RequestPath.BadPathException e) {
            log.warn("{}: upstream sent a bad X-Accel-Redirect '{}': {}", ctx.channel().remoteAddress(), uri, e.getMessage());
            ex.sendError(HttpResponseStatus.INTERNAL_SERVER_ERROR);
            return;
        }
        Route route = context.generation().router().select(path);
        if (route == null || route.location().staticDirectory().isEmpty()) {
            // nginx answers 404 when the redirect target has nothing to serve.
            ex.sendError(HttpResponseStatus.NOT_FOUND);
            return;
        }
        ex.redirected(path, route);
        context.statics().serve(ex, false);
    }

    private void abortBody(String reason) {
        if (body != null) {
            RequestBodySink b = body;
            body = null;
            b.abort(reason);
        }
    }

    private boolean keepAlive(ParsedRequest r, Generation g) {
        if (g.config().keepaliveTimeout().isZero() || served >= g.config().keepaliveRequests() || context.draining()) {
            return false;
        }
        String connection = r.headers().get(HttpHeaderNames.CONNECTION);
        if (r.protocolVersion() == HttpVersion.HTTP_1_0) {
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
    public void write(Object msg) {
        lastWrite = ctx.write(msg);
        if (inRead || flushesHeld) {
            flushNeeded = true;
        } else {
            ctx.flush();
        }
    }

    @Override
    public void holdFlushes(boolean hold) {
        flushesHeld = hold;
        if (!hold && !inRead && flushNeeded) {
            flushNeeded = false;
            ctx.flush();
        }
    }

    /** Whether the connection may become a tunnel: the client sent nothing after its upgrade request. */
    @Override
    public boolean mayUpgrade() {
        return protocolSwitch != null && queued.isEmpty() && !closing && inboundDone;
    }

    /** The exchange answered 101: logged, and this dispatcher's work on the connection is over. */
    @Override
    public void upgraded(Exchange ex, ChannelHandler tunnel) {
        if (context.accessLog().enabled()) {
            context.accessLog().log(ex.logEntry());
        }
        closing = true;
        current = null;
        body = null;
        flushNeeded = false;
        flushesHeld = false;
        protocolSwitch.replaceWithTunnel(ctx.pipeline(), tunnel);
    }

    @Override
    public void exchangeFinished(Exchange ex) {
        if (context.accessLog().enabled()) {
            context.accessLog().log(ex.logEntry());
        }
        if (!ex.keepAlive()) {
            closeAfterWrites();
            return;
        }
        maybeComplete();
    }

    private void maybeComplete() {
        if (current == null || !current.finished() || !inboundDone) {
            return;
        }
        current = null;
        body = null;
        if (bodyReadsPaused) {
            bodyReadsPaused = false;
            if (!closing && ctx.channel().isWritable()) {
                ctx.channel().config().setAutoRead(true);
            }
        }
        if (closing) {
            return;
        }
        timeouts.idle();
        drainQueue();
    }

    private void drainQueue() {
        if (drainingQueue) {
            return;
        }
        drainingQueue = true;
        try {
            while (!closing && !queued.isEmpty() && !(current != null && inboundDone)) {
                handle(queued.poll());
            }
        } finally {
            drainingQueue = false;
        }
        if (queued.isEmpty() && !closing && ctx.channel().isWritable() && !bodyReadsPaused) {
            ctx.channel().config().setAutoRead(true);
        }
    }

    /**
     * Flushes, then half-closes and discards what the client still sends for a while before the
     * close: closing with unread input makes the kernel send a reset, which can destroy the
     * response before the client reads it (nginx's lingering close).
     */
    private void closeAfterWrites() {
        if (closing) {
            return;
        }
        closing = true;
        boolean linger = abandonedInput || !queued.isEmpty()
                || current != null && current.request() != null && current.request().hasBody() && !inboundDone;
        abortBody("connection closing");
        queued.forEach(ReferenceCountUtil::release);
        queued.clear();
        flushNeeded = false;
        if (transport.http2()) {
            // A stream channel: once the response is out, closing it resets the stream only if
            // the request is still coming (RST_STREAM takes the place of a lingering close).
            io.netty.channel.ChannelFuture last = lastWrite;
            ctx.flush();
            if (last == null || last.isDone()) {
                ctx.close();
            } else {
                last.addListener(ChannelFutureListener.CLOSE);
            }
            return;
        }
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
                f.channel().config().setAutoRead(true);
                f.channel().eventLoop().schedule(() -> f.channel().close(), LINGER_MILLIS, TimeUnit.MILLISECONDS);
                return;
            }
            d.shutdownOutput().addListener((ChannelFutureListener) s -> {
                if (!s.isSuccess()) {
                    s.channel().close();
                }
            });
            f.channel().config().setAutoRead(true);
            f.channel().eventLoop().schedule(() -> f.channel().close(), LINGER_MILLIS, TimeUnit.MILLISECONDS);
        });
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ClientTimeouts.Expired e) {
            onTimeout(e);
        } else if (evt == ShutdownEvent.DRAIN) {
            if (current == null) {
                closing = true;
                ctx.close();
            } else {
                current.closeAfterResponse();
            }
        } else if (evt instanceof io.netty.channel.socket.ChannelInputShutdownEvent) {
            if (closing || current == null) {
                ctx.close();
            }
        } else {
            ctx.fireUserEventTriggered(evt);
        }
    }

    private void onTimeout(ClientTimeouts.Expired e) {
        if (closing) {
            ctx.close();
            return;
        }
        log.debug("{}: {} timed out", ctx.channel().remoteAddress(), e);
        if (e == ClientTimeouts.Expired.IDLE) {
            closing = true;
            ctx.close();
            return;
        }
        if (current == null) {
            current = new Exchange(this, ctx, null, null, context.generation().config(), false);
        }
        abortBody("client timed out");
        abandonedInput = true;
        inboundDone = true;
        if (current.headSent()) {
            current.abort();
        } else {
            current.sendError(HttpResponseStatus.REQUEST_TIMEOUT);
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        // Backpressure: stop reading (and so decoding pipelined requests) while the client does
        // not take the responses.
        if (!ctx.channel().isWritable()) {
            ctx.channel().config().setAutoRead(false);
        } else if ((queued.isEmpty() || closing) && !bodyReadsPaused) {
            ctx.channel().config().setAutoRead(true);
        }
        if (current != null && ctx.channel().isWritable()) {
            current.writabilityChanged();
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        abortBody("client closed the connection");
        queued.forEach(ReferenceCountUtil::release);
        queued.clear();
        if (current != null && !current.finished()) {
            closing = true;
            current.abort();
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof java.io.IOException) {
            log.debug("{}: {}", ctx.channel().remoteAddress(), cause.toString());
        } else if (cause instanceof DecoderException && cause.getCause() instanceof SSLException e) {
            // A TLS record that does not decrypt, an alert from the client: one line, no trace.
            log.info("{}: TLS error: {}", ctx.channel().remoteAddress(), e.getMessage());
        } else {
            log.warn("{}: closing after an unexpected error", ctx.channel().remoteAddress(), cause);
        }
        closing = true;
        ctx.close();
    }
}
