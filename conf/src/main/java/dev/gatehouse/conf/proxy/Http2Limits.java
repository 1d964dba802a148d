package dev.gatehouse.conf.proxy;

import dev.gatehouse.conf.Size;
import java.time.Duration;
import java.util.Objects;

/**
 * The limits every HTTP/2 connection runs with, and with them the protections against the known
 * HTTP/2 floods.
 *
 * @param maxConcurrentStreams streams a client may have open at once (SETTINGS_MAX_CONCURRENT_STREAMS);
 *     a stream past it is refused with RST_STREAM(REFUSED_STREAM)
 * @param maxHeaderListSize largest decoded header list (SETTINGS_MAX_HEADER_LIST_SIZE); past it
 *     the request gets 431, past 1.25 times it (a CONTINUATION flood) the connection gets GOAWAY
 * @param maxResets RST_STREAM frames a client may send per {@code resetWindow} (rapid reset)
 * @param resetWindow the window {@code maxResets} counts in
 * @param maxQueuedControlFrames PING and SETTINGS acknowledgements queued for a client that does
 *     not read them before the connection is closed (ping and settings floods)
 */
public record Http2Limits(int maxConcurrentStreams, Size maxHeaderListSize, int maxResets, Duration resetWindow,
        int maxQueuedControlFrames) {

    /** Checks for nulls. */
    public Http2Limits {
        Objects.requireNonNull(maxHeaderListSize, "maxHeaderListSize");
        Objects.requireNonNull(resetWindow, "resetWindow");
    }
}
