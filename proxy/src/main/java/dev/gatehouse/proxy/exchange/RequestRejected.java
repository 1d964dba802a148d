package dev.gatehouse.proxy.exchange;

import io.netty.handler.codec.http.HttpResponseStatus;

/**
 * Thrown inside a request decoder (HTTP/1.1 or an HTTP/2 stream) to refuse the request it is
 * reading with a status and a reason; the decoder turns it into a {@link BadRequest}. No stack
 * trace: a refused request is an expected event, logged in one line.
 */
public final class RequestRejected extends Exception {
    private static final long serialVersionUID = 1L;

    /** The status the client gets. */
    public final HttpResponseStatus status;

    /** A refusal with this status; {@code reason} goes to the log line. */
    public RequestRejected(HttpResponseStatus status, String reason) {
        super(reason, null, false, false);
        this.status = status;
    }

    /** A 400 Bad Request. */
    public static RequestRejected bad(String reason) {
        return new RequestRejected(HttpResponseStatus.BAD_REQUEST, reason);
    }
}
