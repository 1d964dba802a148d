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
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.AsciiString;
import io.netty.util.ReferenceCountUtil;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The per-request dispatch of a client connection or an HTTP/2 stream, the same for both: takes
 * the decoded request, checks the body limit and {@code Expect}, picks the location and hands
 * the request to static files or the upstream seam; passes the body on with backpressure;
 * answers broken and timed-out requests; batches flushes; logs each exchange. It sees one
 * request at a time: the front end before it in the pipeline ({@code Http1Connection}, or the
 * HTTP/2 stream itself) holds pipelined requests back and owns keep-alive and closing, which
 * this class never decides. An exchange cut off before its end is reported to the front end
 * with {@link CutResponse}.
 */
public final class RequestDispatcher extends ChannelInboundHandlerAdapter implements ExchangeHost {

    private static final Logger log = LoggerFactory.getLogger(RequestDispatcher.class);

    private final ProxyContext context;
    private final ClientTimeouts timeouts;
    private final Transport transport;
    private final AsciiString serverHeader;
    private final ReadPauses reads;
    /** Turns the connection into a tunnel after a 101; null where there is no upgrade (an HTTP/2 stream). */
    private final ProtocolSwitch protocolSwitch;
    private ChannelHandlerContext ctx;

    private Exchange current;
    private RequestBodySink body;
    private long bodyLimit;
    private long bodyReceived;
    private boolean inboundDone;
    /** The connection left HTTP or its last exchange was cut: what still comes in is dropped. */
    private boolean ended;
    private boolean inRead;
    private boolean flushNeeded;
    /** A handler reading its source in a batch (an upstream read) holds flushes until the batch ends. */
    private boolean flushesHeld;

    /**
     * A dispatcher for one connection (or one HTTP/2 stream) that came in by {@code transport}.
     *
     * @param reads the channel's read pauses, shared with the front end
     * @param protocolSwitch how the connection becomes a tunnel after a 101; null where the
     *     protocol has no upgrade (an HTTP/2 stream)
     */
    public RequestDispatcher(ProxyContext context, ClientTimeouts timeouts, Transport transport, ReadPauses reads,
            ProtocolSwitch protocolSwitch) {
        this.context = context;
        this.timeouts = timeouts;
        this.transport = transport;
        this.reads = reads;
        this.protocolSwitch = protocolSwitch;
        String server = context.generation().config().serverHeader();
        this.serverHeader = server.isEmpty() ? null : AsciiString.cached(server);
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
        if (ended) {
            ReferenceCountUtil.release(msg);
        } else if (msg instanceof ParsedRequest r) {
            startExchange(r);
        } else if (msg instanceof HttpContent c) {
            onContent(c);
        } else if (msg instanceof BadRequest b) {
            onBadRequest(b);
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        inRead = false;
        if (flushNeeded && !flushesHeld) {
            flushNeeded = false;
            ctx.flush();
        }
    }

    private void startExchange(ParsedRequest r) {
        Generation g = context.generation();
        String path = null;
        if (!r.rawPath().isEmpty()) {
            try {
                path = RequestPath.normalize(r.rawPath());
            } catch (RequestPath.BadPathException e) {
                log.debug("{}: 400 for {}: {}", ctx.channel().remoteAddress(), r.uri(), e.getMessage());
            }
        }
        Exchange ex = new Exchange(this, ctx, r, path, g.config());
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
            ex.sendError(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE);
            return;
        }
        String expect = r.headers().get(HttpHeaderNames.EXPECT);
        if (expect != null) {
            if (!HttpHeaderValues.CONTINUE.contentEqualsIgnoreCase(expect)) {
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
        if (current == null || inboundDone) {
            c.release();
            return;
        }
        bodyReceived += c.content().readableBytes();
        if (bodyLimit > 0 && bodyReceived > bodyLimit) {
            c.release();
            abortBody("request body larger than " + bodyLimit + " bytes");
            inboundDone = true;
            current.sendError(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE);
            return;
        }
        boolean last = c instanceof LastHttpContent;
        RequestBodySink sink = body;
        if (last) {
            inboundDone = true;
            body = null;
            timeouts.responding();
        }
        if (last && current.upgradeRequested()) {
            // Nothing more is read until the answer: after a 101 the client's next bytes belong
            // to the new protocol, not to the HTTP decoder (nginx leaves them in its buffer too).
            reads.pause(ReadPauses.Reason.UPGRADE);
        }
        if (sink != null) {
            sink.content(c);
        } else {
            c.release();
        }
        if (last) {
            maybeComplete();
        }
    }

    private void onBadRequest(BadRequest b) {
        log.debug("{}: {} {}", ctx.channel().remoteAddress(), b.status().code(), b.reason());
        if (current != null && !inboundDone) {
            abortBody(b.reason());
            inboundDone = true;
            current.sendError(b.status());
        } else {
            current = new Exchange(this, ctx, null, null, context.generation().config());
            inboundDone = true;
            current.sendError(b.status());
        }
    }

    @Override
    public void requestBodyReads(boolean read) {
        if (read) {
            reads.resume(ReadPauses.Reason.REQUEST_BODY);
        } else {
            reads.pause(ReadPauses.Reason.REQUEST_BODY);
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

    @Override
    public void write(Object msg) {
        ctx.write(msg);
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

    @Override
    public boolean mayUpgrade() {
        return protocolSwitch != null && inboundDone && !ended && protocolSwitch.mayUpgrade();
    }

    /** The exchange answered 101: logged, and this dispatcher's work on the connection is over. */
    @Override
    public void upgraded(Exchange ex, ChannelHandler tunnel) {
        log(ex);
        ended = true;
        current = null;
        body = null;
        flushNeeded = false;
        flushesHeld = false;
        protocolSwitch.replaceWithTunnel(tunnel);
    }

    @Override
    public void exchangeFinished(Exchange ex) {
        log(ex);
        maybeComplete();
    }

    @Override
    public void exchangeCut(Exchange ex) {
        log(ex);
        abortBody("the response was cut off");
        ended = true;
        current = null;
        flushNeeded = false;
        ctx.write(CutResponse.INSTANCE);
        ctx.flush();
    }

    private void log(Exchange ex) {
        if (context.accessLog().enabled()) {
            context.accessLog().log(ex.logEntry());
        }
    }

    /** The exchange is over from this side once its response is finished and its request read. */
    private void maybeComplete() {
        if (current == null || !current.finished() || !inboundDone) {
            return;
        }
        current = null;
        body = null;
        reads.resume(ReadPauses.Reason.REQUEST_BODY);
        reads.resume(ReadPauses.Reason.UPGRADE);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ClientTimeouts.Expired e) {
            onTimeout(e);
        } else {
            ctx.fireUserEventTriggered(evt);
        }
    }

    /** A request head or body that did not arrive in time: 408 (the front end closes on idle). */
    private void onTimeout(ClientTimeouts.Expired e) {
        if (ended) {
            ctx.close();
            return;
        }
        log.debug("{}: {} timed out", ctx.channel().remoteAddress(), e);
        if (current == null) {
            current = new Exchange(this, ctx, null, null, context.generation().config());
        }
        abortBody("client timed out");
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
            reads.pause(ReadPauses.Reason.CLIENT_NOT_READING);
        } else {
            reads.resume(ReadPauses.Reason.CLIENT_NOT_READING);
            if (current != null) {
                current.writabilityChanged();
            }
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        abortBody("client closed the connection");
        if (current != null && !current.finished()) {
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
        ended = true;
        ctx.close();
    }
}
