package dev.gatehouse.proxy.exchange;

import io.netty.handler.codec.http.HttpResponseStatus;

/**
 * What the HTTP/1.x decoder passes on instead of a request it refuses: the status to answer
 * with and why. {@code inBody} tells that the head was fine and already passed on, so the error
 * came while the body was read. The decoder reads nothing more from the connection after it.
 *
 * @param status 400, 413, 414, 431 or 501
 * @param reason for the error log, naming the offending part
 * @param inBody whether the head was already passed on
 */
public record BadRequest(HttpResponseStatus status, String reason, boolean inBody) {
}
