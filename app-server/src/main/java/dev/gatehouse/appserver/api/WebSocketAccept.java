package dev.gatehouse.appserver.api;

import java.util.List;
import java.util.Objects;

/**
 * An application's yes to a WebSocket handshake ({@link Application#acceptWebSocket}): the
 * handler for the socket's events, and the socket's settings. Immutable; each {@code with...}
 * method returns a changed copy.
 *
 * <p>Defaults: frames and messages up to 16 MiB (browsers and most clients send a message as
 * one frame, so the frame limit is the message limit unless lowered), permessage-deflate
 * (RFC 7692) on when the client offers it, no subprotocol. Each socket may hold one message
 * of that size while it arrives: an endpoint open to anyone should lower both. A frame or message past its limit closes the socket with
 * {@code 1009} ({@link WebSocket#MESSAGE_TOO_BIG}).
 */
public final class WebSocketAccept {

    /** Default largest frame payload: 16 MiB. */
    public static final int DEFAULT_MAX_FRAME_SIZE = 16 << 20;
    /** Default largest message (all its fragments): 16 MiB. */
    public static final int DEFAULT_MAX_MESSAGE_SIZE = 16 << 20;

    private final WebSocketHandler handler;
    private final List<String> subprotocols;
    private final int maxFrameSize;
    private final int maxMessageSize;
    private final boolean compression;
    private final boolean nonBlocking;

    private WebSocketAccept(WebSocketHandler handler, List<String> subprotocols, int maxFrameSize, int maxMessageSize,
            boolean compression, boolean nonBlocking) {
        this.handler = Objects.requireNonNull(handler, "handler");
        this.subprotocols = List.copyOf(subprotocols);
        this.maxFrameSize = maxFrameSize;
        this.maxMessageSize = maxMessageSize;
        this.compression = compression;
        this.nonBlocking = nonBlocking;
    }

    /** Accepts with this handler and the default settings. */
    public static WebSocketAccept with(WebSocketHandler handler) {
        return new WebSocketAccept(handler, List.of(), DEFAULT_MAX_FRAME_SIZE, DEFAULT_MAX_MESSAGE_SIZE, true, false);
    }

    /**
     * Declares that the handler never blocks (no blocking I/O, no contended locks, no sleeps):
     * its callbacks then run on the worker's I/O thread as the frames arrive, instead of on
     * virtual threads, which saves two thread hand-offs per message. As with
     * {@link Application#isNonBlocking}, a callback that blocks there stalls every connection of
     * the worker; sends from it never wait for a slow client. Default: off.
     */
    public WebSocketAccept withNonBlockingHandler() {
        return new WebSocketAccept(handler, subprotocols, maxFrameSize, maxMessageSize, compression, true);
    }

    /**
     * The subprotocols this endpoint speaks. Of those the client offers
     * ({@code Sec-WebSocket-Protocol}), the first in the client's order that is in this list is
     * chosen. A client offering only others gets no subprotocol, and may then close.
     */
    public WebSocketAccept withSubprotocols(String... names) {
        return new WebSocketAccept(handler, List.of(names), maxFrameSize, maxMessageSize, compression, nonBlocking);
    }

    /**
     * Largest frame payload taken from the client, in bytes; a larger frame closes with 1009.
     *
     * @param bytes 125 or more
     */
    public WebSocketAccept withMaxFrameSize(int bytes) {
        if (bytes < 125) {
            throw new IllegalArgumentException("max frame size must be at least 125 bytes, was " + bytes);
        }
        return new WebSocketAccept(handler, subprotocols, bytes, maxMessageSize, compression, nonBlocking);
    }

    /**
     * Largest message taken from the client (all its fragments, after decompression), in bytes;
     * a larger one closes with 1009.
     *
     * @param bytes 125 or more
     */
    public WebSocketAccept withMaxMessageSize(int bytes) {
        if (bytes < 125) {
            throw new IllegalArgumentException("max message size must be at least 125 bytes, was " + bytes);
        }
        return new WebSocketAccept(handler, subprotocols, maxFrameSize, bytes, compression, nonBlocking);
    }

    /** Whether permessage-deflate is agreed to when the client offers it. */
    public WebSocketAccept withCompression(boolean on) {
        return new WebSocketAccept(handler, subprotocols, maxFrameSize, maxMessageSize, on, nonBlocking);
    }

    /** The handler of the socket's events. */
    public WebSocketHandler handler() {
        return handler;
    }

    /** The subprotocols offered to the client, most preferred first. */
    public List<String> subprotocols() {
        return subprotocols;
    }

    /** Largest frame payload taken, in bytes. */
    public int maxFrameSize() {
        return maxFrameSize;
    }

    /** Largest message taken, in bytes. */
    public int maxMessageSize() {
        return maxMessageSize;
    }

    /** Whether the handler's callbacks run on the worker's I/O thread ({@link #withNonBlockingHandler}). */
    public boolean nonBlocking() {
        return nonBlocking;
    }

    /** Whether permessage-deflate may be agreed. */
    public boolean compression() {
        return compression;
    }
}
