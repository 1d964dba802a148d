package dev.gatehouse.proxy.upstream;

import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;

/**
 * An upstream response's status and headers, as {@link UwsgiResponseDecoder} read them.
 *
 * @param status the status: from the status line, a {@code Status:} header, or nginx's default
 *     (200, or 302 with a {@code Location})
 * @param headers the headers in the order sent, framing headers included
 * @param framing how the body ends
 * @param contentLength the body length for {@link Framing#LENGTH}, else -1
 */
record ResponseHead(HttpResponseStatus status, HttpHeaders headers, Framing framing, long contentLength) {

    /** How an upstream response body is delimited. */
    enum Framing {
        /** No body: HEAD, 1xx, 204, 304. */
        NONE,
        /** {@code Content-Length} bytes. */
        LENGTH,
        /** {@code Transfer-Encoding: chunked} (the Gatehouse app-server, asked with GATEHOUSE_CHUNKED). */
        CHUNKED,
        /** Until the upstream closes the connection (uWSGI's way). */
        CLOSE
    }
}
