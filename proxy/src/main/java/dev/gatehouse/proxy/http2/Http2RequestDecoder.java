package dev.gatehouse.proxy.http2;

import dev.gatehouse.proxy.exchange.Authority;
import dev.gatehouse.proxy.exchange.BadRequest;
import dev.gatehouse.proxy.exchange.HeadLimits;
import dev.gatehouse.proxy.exchange.ParsedRequest;
import dev.gatehouse.proxy.exchange.RequestRejected;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpHeadersFactory;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2FrameStreamException;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.util.ReferenceCountUtil;
import java.util.Map;

/**
 * Turns one HTTP/2 stream's frames into what {@code http1.Http1RequestDecoder}
 * produces for a request: a {@link ParsedRequest}, then body parts ending in a
 * {@code LastHttpContent} (carrying the trailers, if any), or one {@link BadRequest} after which
 * nothing more of the stream is passed on; or, for a malformed request, a reset of the stream.
 *
 * <p>Netty's codec already refused, with a stream error PROTOCOL_ERROR, what RFC 9113 8.1 and 8.2
 * call malformed at the frame and field level (upper-case names, connection-specific fields,
 * pseudo-fields out of place, unknown or in trailers, a second HEADERS without END_STREAM,
 * content-length other than the DATA received), and the header list size with 431. The rest of
 * 8.3.1 is checked here, a malformed request being reset with PROTOCOL_ERROR and never answered
 * (RFC 9113 8.1.1):
 * <ul>
 *   <li>{@code :method} present; {@code :scheme} present and {@code :path} non-empty, origin-form
 *       or {@code *}, except for CONNECT, which has only {@code :authority} (8.5);</li>
 *   <li>an authority, from {@code :authority} or {@code host}, present, a valid {@link Authority},
 *       and the same in both when both are sent;</li>
 *   <li>values without control characters; {@code content-length} digits only, once, and equal to
 *       the DATA (a second line of defence behind Netty's).</li>
 * </ul>
 * The rules of the HTTP/1.x decoder then apply, answered with a status as there, so that both
 * protocols agree on what a valid request is: {@code :method} as the HTTP/1.x method rule (400),
 * {@code *} for OPTIONS only (400), CONNECT answered 405, at most {@code max_headers} fields (431).
 * {@code :authority} becomes {@code Host} when there is none; cookie crumbs are joined with "; "
 * (RFC 9113 8.2.3), as nginx passes them; names with '_' are dropped as in HTTP/1.x.
 */
final class Http2RequestDecoder extends ChannelInboundHandlerAdapter {

    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(Http2RequestDecoder.class);

    private static final HttpHeadersFactory HEADERS = DefaultHttpHeadersFactory.headersFactory().withValidation(false);
    private static final HttpHeadersFactory TRAILERS = DefaultHttpHeadersFactory.trailersFactory().withValidation(false);

    private final HeadLimits limits;
    private boolean headRead;
    private boolean done;
    private long declaredLength = -1;
    private long received;

    Http2RequestDecoder(HeadLimits limits) {
        this.limits = limits;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (done) {
            ReferenceCountUtil.release(msg);
            return;
        }
        try {
            if (msg instanceof Http2HeadersFrame h) {
                onHeaders(ctx, h);
            } else if (msg instanceof Http2DataFrame d) {
                onData(ctx, d);
            } else {
                ReferenceCountUtil.release(msg);
            }
        } catch (RequestRejected r) {
            done = true;
            ctx.fireChannelRead(new BadRequest(r.status, r.getMessage(), headRead));
        } catch (Malformed m) {
            done = true;
            log.debug("{}: reset with PROTOCOL_ERROR, malformed request: {}", where(ctx), m.getMessage());
            // RFC 9113 8.1.1: a stream error PROTOCOL_ERROR; closing after the reset sends nothing more.
            ctx.writeAndFlush(new DefaultHttp2ResetFrame(Http2Error.PROTOCOL_ERROR));
            ctx.close();
        }
    }

    /**
     * A request RFC 9113 calls malformed: the stream is reset with PROTOCOL_ERROR and nothing is
     * answered. No stack trace: it is an expected event, logged in one line.
     */
    static final class Malformed extends Exception {
        private static final long serialVersionUID = 1L;

        Malformed(String reason) {
            super(reason, null, false, false);
        }
    }

    private static String where(ChannelHandlerContext ctx) {
        return ctx.channel() instanceof Http2StreamChannel s
                ? s.parent().remoteAddress() + " stream " + s.stream().id() : String.valueOf(ctx.channel());
    }

    private void onHeaders(ChannelHandlerContext ctx, Http2HeadersFrame h) throws RequestRejected, Malformed {
        if (headRead) {
            // Trailers: they end the stream (RFC 9113 8.1), carry no pseudo-fields, no framing.
            if (!h.isEndStream()) {
                throw new Malformed("HEADERS frame in the middle of the request body");
            }
            HttpHeaders trailers = TRAILERS.newHeaders();
            copyFields(h.headers(), trailers, true);
            checkLength();
            done = true;
            ctx.fireChannelRead(new DefaultLastHttpContent(Unpooled.EMPTY_BUFFER, trailers));
            return;
        }
        headRead = true;
        ParsedRequest request = request(h.headers(), h.isEndStream());
        ctx.fireChannelRead(request);
        if (h.isEndStream()) {
            done = true;
            ctx.fireChannelRead(LastHttpContent.EMPTY_LAST_CONTENT);
        }
    }

    private void onData(ChannelHandlerContext ctx, Http2DataFrame d) throws Malformed {
        if (!headRead) {
            d.release();
            throw new Malformed("DATA before HEADERS");
        }
        received += d.content().readableBytes();
        if (declaredLength >= 0 && received > declaredLength) {
            d.release();
            throw new Malformed("more DATA than content-length " + declaredLength);
        }
        if (d.isEndStream()) {
            try {
                checkLength();
            } catch (Malformed m) {
                d.release();
                throw m;
            }
            done = true;
            ctx.fireChannelRead(new DefaultLastHttpContent(d.content(), TRAILERS.newEmptyHeaders()));
        } else {
            ctx.fireChannelRead(new DefaultHttpContent(d.content()));
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof Http2FrameStreamException || cause instanceof Http2Exception) {
            // A stream error the codec found (a malformed field, DATA past content-length, a frame
            // on a half-closed stream): Netty's multiplexer closes this channel right after with
            // RST_STREAM and the error's own code. Closing it here first would send CANCEL instead.
            log.debug("{}: {}", where(ctx), (cause.getCause() != null ? cause.getCause() : cause).getMessage());
            return;
        }
        ctx.fireExceptionCaught(cause);
    }

    private void checkLength() throws Malformed {
        if (declaredLength >= 0 && received != declaredLength) {
            throw new Malformed("DATA of " + received + " bytes for content-length " + declaredLength);
        }
    }

    private ParsedRequest request(Http2Headers in, boolean endStream) throws RequestRejected, Malformed {
        CharSequence m = in.method();
        if (m == null || m.isEmpty()) {
            throw new Malformed("no :method");
        }
        for (int i = 0; i < m.length(); i++) {
            char c = m.charAt(i);
            if (!(c >= 'A' && c <= 'Z' || c == '-' || c == '_')) {
                throw RequestRejected.bad("invalid :method");
            }
        }
        HttpMethod method = HttpMethod.valueOf(m.toString());
        CharSequence authority = in.authority();
        String uri;
        String rawPath;
        String rawQuery = null;
        if (method.equals(HttpMethod.CONNECT)) {
            // RFC 9113 8.5: only :method and :authority; answered 405 like an HTTP/1.x CONNECT.
            if (authority == null || in.path() != null || in.scheme() != null) {
                throw new Malformed("CONNECT with :path or :scheme, or without :authority");
            }
            uri = authority.toString();
            rawPath = "";
        } else {
            if (in.scheme() == null || in.scheme().isEmpty()) {
                throw new Malformed("no :scheme");
            }
            CharSequence p = in.path();
            if (p == null || p.isEmpty()) {
                throw new Malformed("no :path");
            }
            uri = p.toString();
            checkTarget(uri);
            if (uri.equals("*")) {
                if (!method.equals(HttpMethod.OPTIONS)) {
                    throw RequestRejected.bad("asterisk-form :path with a method other than OPTIONS");
                }
                rawPath = "";
            } else {
                if (uri.charAt(0) != '/') {
                    throw new Malformed(":path is neither origin-form nor '*'");
                }
                String path = uri;
                int hash = path.indexOf('#');
                if (hash >= 0) {
                    path = path.substring(0, hash);
                }
                int q = path.indexOf('?');
                if (q >= 0) {
                    rawQuery = path.substring(q + 1);
                    path = path.substring(0, q);
                }
                rawPath = path;
            }
        }
        checkAuthority(in, authority);
        HttpHeaders headers = HEADERS.newHeaders();
        if (authority != null && !in.contains(HttpHeaderNames.HOST)) {
            headers.add(HttpHeaderNames.HOST, authority.toString());
        }
        copyFields(in, headers, false);
        String length = headers.get(HttpHeaderNames.CONTENT_LENGTH);
        if (length != null) {
            if (headers.getAll(HttpHeaderNames.CONTENT_LENGTH).size() > 1) {
                throw new Malformed("repeated content-length");
            }
            if (length.isEmpty() || length.length() > 18 || !length.chars().allMatch(c -> c >= '0' && c <= '9')) {
                throw new Malformed("content-length is not a number");
            }
            declaredLength = Long.parseLong(length);
            if (endStream && declaredLength != 0) {
                throw new Malformed("content-length " + declaredLength + " on a request without DATA");
            }
        }
        long contentLength = endStream ? 0 : declaredLength;
        return new ParsedRequest(ParsedRequest.HTTP_2_0, method, uri, headers, rawPath, rawQuery, contentLength,
                contentLength < 0);
    }

    /**
     * RFC 9113 8.3.1: an http(s) request names its authority in {@code :authority} or {@code host},
     * never empty, the same in both; the value is {@code uri-host [ ":" port ]} as in HTTP/1.x.
     */
    private static void checkAuthority(Http2Headers in, CharSequence authority) throws Malformed {
        CharSequence host = in.get(HttpHeaderNames.HOST);
        if (authority == null && host == null) {
            throw new Malformed("neither :authority nor host");
        }
        if (in.getAll(HttpHeaderNames.HOST).size() > 1) {
            throw new Malformed("repeated host");
        }
        if (authority != null && !Authority.isValid(authority)) {
            throw new Malformed("invalid :authority");
        }
        if (host != null && !Authority.isValid(host)) {
            throw new Malformed("invalid host");
        }
        if (authority != null && host != null && !io.netty.util.AsciiString.contentEqualsIgnoreCase(authority, host)) {
            throw new Malformed(":authority and host differ");
        }
    }

    private static void checkTarget(String uri) throws RequestRejected {
        for (int i = 0; i < uri.length(); i++) {
            char c = uri.charAt(i);
            if (c <= 0x20 || c >= 0x7f) {
                throw RequestRejected.bad("invalid byte in :path");
            }
        }
    }

    /** Regular fields into {@code out}; pseudo-fields are skipped (the HPACK decoder checked their place). */
    private void copyFields(Http2Headers in, HttpHeaders out, boolean trailers) throws RequestRejected, Malformed {
        int count = 0;
        StringBuilder cookie = null;
        for (Map.Entry<CharSequence, CharSequence> e : in) {
            CharSequence name = e.getKey();
            if (name.length() > 0 && name.charAt(0) == ':') {
                if (trailers) {
                    throw new Malformed("pseudo-header field in trailers");
                }
                continue;
            }
            if (++count > limits.maxHeaders()) {
                throw new RequestRejected(HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE,
                        "more than " + limits.maxHeaders() + " header fields");
            }
            CharSequence value = e.getValue();
            checkValue(value);
            if (indexOf(name, '_') >= 0) {
                continue; // underscores_in_headers off, as in HTTP/1.x
            }
            if (!trailers && HttpHeaderNames.COOKIE.contentEqualsIgnoreCase(name)) {
                cookie = cookie == null ? new StringBuilder(value) : cookie.append("; ").append(value);
                continue;
            }
            out.add(name, value.toString());
        }
        if (cookie != null) {
            out.add(HttpHeaderNames.COOKIE, cookie.toString());
        }
    }

    private static void checkValue(CharSequence value) throws Malformed {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < 0x20 && c != '\t' || c == 0x7f) {
                throw new Malformed("control character in a header value"); // RFC 9113 8.2.1, RFC 9110 5.5
            }
        }
    }

    private static int indexOf(CharSequence s, char c) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) == c) {
                return i;
            }
        }
        return -1;
    }
}
