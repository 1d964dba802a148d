package dev.gatehouse.appserver.worker;

/**
 * How a response body is delimited on the wire.
 *
 * <p>nginx's uwsgi module has no chunked decoder (only {@code proxy_pass} has one): a chunked
 * reply would reach the client with the chunk-size lines inside the body. So a body of
 * unknown length goes chunked only to a front that says it decodes chunks (the Gatehouse
 * proxy); to any other front it is buffered up to a limit and sent with a Content-Length,
 * and only a body past the limit (or one the app flushes early) ends at connection close, as
 * uWSGI does for every body.
 */
enum BodyFraming {
    /** {@code Content-Length}: known in advance, or measured while buffering. */
    FIXED,
    /** {@code Transfer-Encoding: chunked}, for a front that decodes it. */
    CHUNKED,
    /** No framing header; the body ends when the worker closes the connection. */
    UNTIL_CLOSE
}
