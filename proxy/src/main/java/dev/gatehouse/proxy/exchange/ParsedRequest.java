package dev.gatehouse.proxy.exchange;

import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;

/**
 * A request head as a request decoder (the HTTP/1.x decoder, or the HTTP/2 stream
 * decoder) checked it: Netty's request plus what the decoder already worked out, so no later
 * handler parses the target or the framing headers again.
 */
public final class ParsedRequest extends DefaultHttpRequest {

    /** The version of requests that came as HTTP/2 streams: {@code SERVER_PROTOCOL} and the access log say HTTP/2.0, as nginx's do. */
    public static final HttpVersion HTTP_2_0 = new HttpVersion("HTTP", 2, 0, true);

    private final String rawPath;
    private final String rawQuery;
    private final long contentLength;
    private final boolean chunked;

    /**
     * A checked request head; for request decoders only, which must have validated every part.
     *
     * @param contentLength the body length; 0 without a body; -1 when unknown ({@code chunked})
     * @param chunked whether the body length is unknown until its end
     */
    public ParsedRequest(HttpVersion version, HttpMethod method, String uri, HttpHeaders headers, String rawPath,
            String rawQuery, long contentLength, boolean chunked) {
        super(version, method, uri, headers);
        this.rawPath = rawPath;
        this.rawQuery = rawQuery;
        this.contentLength = contentLength;
        this.chunked = chunked;
    }

    /**
     * The path of the target as sent (percent-escapes not decoded), without query and fragment;
     * for an absolute-form target the part after the authority; empty for {@code *} and
     * authority-form targets.
     */
    public String rawPath() {
        return rawPath;
    }

    /** The query without its '?', or null when the target has none. */
    public String rawQuery() {
        return rawQuery;
    }

    /** The body length from Content-Length; 0 without a body; -1 for a chunked body. */
    public long contentLength() {
        return contentLength;
    }

    /** Whether the body is chunked. */
    public boolean chunked() {
        return chunked;
    }

    /** Whether a body follows the head. */
    public boolean hasBody() {
        return chunked || contentLength > 0;
    }
}
