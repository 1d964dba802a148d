package dev.gatehouse.appserver.api;

/**
 * One open WebSocket connection (RFC 6455), as its {@link WebSocketHandler} sees it: what the
 * application sends on it.
 *
 * <p>Every method may be called from any thread, also from another socket's handler (a chat
 * broadcast). Sends are queued in order. On a virtual thread a send waits while the peer is
 * slower than the application (the connection's write buffer is full), which is the
 * backpressure that keeps a slow client from filling the worker's memory; a send never waits on
 * the worker's I/O thread. A send after the socket closed (or began to close) sends nothing and
 * returns {@code false}.
 */
public interface WebSocket {

    /** 1000: the purpose of the connection was fulfilled. */
    int NORMAL_CLOSURE = 1000;
    /** 1001: the server is going away (stopping or reloading), or a browser left the page. */
    int GOING_AWAY = 1001;
    /** 1002: the peer broke the protocol. */
    int PROTOCOL_ERROR = 1002;
    /** 1003: a message of a type the endpoint does not accept (text vs binary). */
    int UNSUPPORTED_DATA = 1003;
    /** 1005: no status code was in the close frame (reported to {@code onClose}, never sent). */
    int NO_STATUS = 1005;
    /** 1006: the connection dropped without a close frame (reported to {@code onClose}, never sent). */
    int ABNORMAL_CLOSURE = 1006;
    /** 1007: a text message that is not valid UTF-8. */
    int INVALID_PAYLOAD = 1007;
    /** 1008: the message violates the endpoint's policy. */
    int POLICY_VIOLATION = 1008;
    /** 1009: a frame or message larger than the endpoint takes. */
    int MESSAGE_TOO_BIG = 1009;
    /** 1011: the server met an unexpected condition. */
    int INTERNAL_ERROR = 1011;

    /**
     * Sends a text message in one frame.
     *
     * @return false when the socket is closing or closed and nothing was sent
     */
    boolean sendText(String text);

    /**
     * Sends one fragment of a text message; the first fragment starts the message, the one
     * with {@code last} ends it. No other data message may be sent in between.
     *
     * @param fragment the fragment's text; a fragment boundary must not split a surrogate pair
     * @return false when the socket is closing or closed and nothing was sent
     * @throws IllegalStateException when a binary message is being sent in fragments
     */
    boolean sendText(String fragment, boolean last);

    /**
     * Sends a binary message in one frame.
     *
     * @param data the message; copied before the method returns
     * @return false when the socket is closing or closed and nothing was sent
     */
    boolean sendBinary(byte[] data);

    /**
     * Sends one fragment of a binary message, as {@link #sendText(String, boolean)} does text.
     *
     * @return false when the socket is closing or closed and nothing was sent
     * @throws IllegalStateException when a text message is being sent in fragments
     */
    boolean sendBinary(byte[] fragment, boolean last);

    /**
     * Sends a ping; the peer answers with a pong carrying the same data ({@link WebSocketHandler#onPong}).
     *
     * @param data at most 125 bytes
     * @return false when the socket is closing or closed and nothing was sent
     * @throws IllegalArgumentException for more than 125 bytes
     */
    boolean sendPing(byte[] data);

    /**
     * Starts the closing handshake with a status code and a reason; the connection ends when the
     * peer answers, or after a few seconds without an answer. Further calls do nothing.
     *
     * @param code a status code a close frame may carry: 1000 to 1003, 1007 to 1014, or 3000 to 4999
     * @param reason at most 123 bytes of UTF-8; may be empty
     * @throws IllegalArgumentException for a code that may not be sent or a reason too long
     */
    void close(int code, String reason);

    /** Closes with {@link #NORMAL_CLOSURE} and no reason. */
    default void close() {
        close(NORMAL_CLOSURE, "");
    }

    /** Whether messages can still be sent: the socket is open and no close was sent. */
    boolean isOpen();

    /** The subprotocol chosen in the handshake ({@code Sec-WebSocket-Protocol}), or {@code null}. */
    String subprotocol();

    /** The request path the socket was opened for ({@code PATH_INFO}). */
    String path();
}
