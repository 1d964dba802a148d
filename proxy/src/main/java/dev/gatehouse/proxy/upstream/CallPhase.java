package dev.gatehouse.proxy.upstream;

/**
 * Where an {@link UpstreamCall} is, start to end. A failed attempt goes back to
 * {@link #CONNECTING} on the next server; nothing leaves {@link #ENDED}.
 */
enum CallPhase {
    /** The client body is read before the first attempt: buffered bodies, and requests without one. */
    READING_REQUEST,
    /** A server is picked and its connection opening; nothing of the request is written yet. */
    CONNECTING,
    /** The packet is written, and the body is being written behind it. */
    SENDING,
    /** The request is all written; no response head yet. */
    AWAITING_HEAD,
    /** The response head went to the client and its body follows (the request may still be being written). */
    RELAYING_BODY,
    /** Over: the connection, the server and the client side are let go, whatever the outcome. */
    ENDED
}
