package dev.gatehouse.conf.proxy;

import static dev.gatehouse.conf.proxy.ProxyKeys.*;

import dev.gatehouse.conf.Size;
import dev.gatehouse.conf.schema.ConfigValues;
import dev.gatehouse.conf.schema.ConfigView;
import java.time.Duration;

/**
 * The limits every HTTP/2 connection runs with, and with them the protections against the known
 * HTTP/2 floods: the top-level {@code http2_*} keys.
 */
public final class Http2Limits extends ConfigView {

    Http2Limits(ConfigValues values) {
        super(values);
    }

    /**
     * Streams a client may have open at once (SETTINGS_MAX_CONCURRENT_STREAMS); a stream past it
     * is refused with RST_STREAM(REFUSED_STREAM).
     */
    public int maxConcurrentStreams() {
        return get(HTTP2_MAX_CONCURRENT_STREAMS);
    }

    /**
     * Largest decoded header list (SETTINGS_MAX_HEADER_LIST_SIZE); past it the request gets 431,
     * past 1.25 times it (a CONTINUATION flood) the connection gets GOAWAY.
     */
    public Size maxHeaderListSize() {
        return get(HTTP2_MAX_HEADER_LIST_SIZE);
    }

    /** RST_STREAM frames a client may send per {@link #resetWindow()} (rapid reset). */
    public int maxResets() {
        return get(HTTP2_MAX_RESETS);
    }

    /** The window {@link #maxResets()} counts in. */
    public Duration resetWindow() {
        return get(HTTP2_RESET_WINDOW);
    }

    /**
     * PING and SETTINGS acknowledgements queued for a client that does not read them before the
     * connection is closed (ping and settings floods).
     */
    public int maxQueuedControlFrames() {
        return get(HTTP2_MAX_QUEUED_CONTROL_FRAMES);
    }
}
