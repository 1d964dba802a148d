package dev.gatehouse.appserver.api;

/**
 * What an application does with the events of one WebSocket. Each method has an empty default.
 *
 * <p>Threading: the callbacks of one socket run one at a time, in the order the events came,
 * on virtual threads of the worker (never on its I/O thread, unless the accept declared the
 * handler non-blocking with {@link WebSocketAccept#withNonBlockingHandler}), so blocking in them
 * is fine, and
 * a handler instance used by one socket needs no locking of its own. Callbacks of different
 * sockets run concurrently. While a callback runs, later messages of its socket wait (reading
 * from the socket pauses once about 1 MiB is waiting), and {@code harakiri} watches the
 * callback as it watches a request; an open socket with no callback running is never subject to
 * it.
 *
 * <p>Messages arrive whole: fragments are joined first, control frames between fragments are
 * delivered as they come. Pings are answered with a pong by the worker before
 * {@link #onPing} runs. An exception from a callback is logged, closes the socket with 1011 and
 * is passed to {@link #onError}.
 */
public interface WebSocketHandler {

    /** The 101 went out: the socket is open. Runs before any other callback of the socket. */
    default void onOpen(WebSocket socket) throws Exception {
    }

    /** A whole text message arrived (valid UTF-8, checked by the worker). */
    default void onText(WebSocket socket, String text) throws Exception {
    }

    /** A whole binary message arrived. */
    default void onBinary(WebSocket socket, byte[] data) throws Exception {
    }

    /** A ping arrived; the pong has already been sent. */
    default void onPing(WebSocket socket, byte[] data) throws Exception {
    }

    /** A pong arrived (the answer to {@link WebSocket#sendPing}, or an unsolicited one). */
    default void onPong(WebSocket socket, byte[] data) throws Exception {
    }

    /**
     * The socket closed; the last callback of the socket, called exactly once.
     *
     * @param code the status code of the close: the peer's (1005 when its close frame had none),
     *     the one this side sent, {@code 1009} for a message past the limits, {@code 1001} when the
     *     worker stopped, or {@code 1006} when the connection dropped without a close frame
     * @param reason the reason that came with the code; may be empty
     */
    default void onClose(WebSocket socket, int code, String reason) throws Exception {
    }

    /** A callback of this handler threw; the socket is being closed with 1011. */
    default void onError(WebSocket socket, Throwable error) {
    }
}
