package dev.gatehouse.proxy.upstream;

/** How an {@link UpstreamCall} ended, which says what becomes of its upstream connection. */
enum CallOutcome {
    /** The response went to the client whole, and its connection may serve another request: pooled. */
    COMPLETE_REUSABLE,
    /** The response went to the client whole; the connection is closed. */
    COMPLETE,
    /** A 101: the connection, and the server's busy count, belong to a tunnel now. */
    TUNNELLED,
    /** The head named a file for the proxy to serve; the connection is closed, its body unread. */
    FILE_NAMED,
    /** The client side ended first; the connection is closed mid-exchange. */
    CLIENT_GONE,
    /** No response can be had: the client gets an error status, or its connection is cut. */
    FAILED
}
