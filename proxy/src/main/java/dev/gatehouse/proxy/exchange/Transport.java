package dev.gatehouse.proxy.exchange;

import dev.gatehouse.conf.proxy.ListenConfig;
import java.util.Objects;

/**
 * How a request reached the proxy: over TLS or not, as HTTP/2 or HTTP/1.x, on which listener.
 * It decides what a response may use (a zero-copy file region only on cleartext HTTP/1.x, since
 * TLS must encrypt the bytes and HTTP/2 must frame them) and what the upstream is told
 * ({@code HTTPS=on}, {@code REQUEST_SCHEME=https}).
 *
 * @param secure whether the connection is TLS
 * @param http2 whether the request came as an HTTP/2 stream
 * @param listener the listener the connection was accepted on
 */
public record Transport(boolean secure, boolean http2, ListenConfig listener) {

    /** Checks for nulls. */
    public Transport {
        Objects.requireNonNull(listener, "listener");
    }

    /** Whether response bodies may be file regions sent with sendfile(2). */
    public boolean zeroCopy() {
        return !secure && !http2;
    }
}
