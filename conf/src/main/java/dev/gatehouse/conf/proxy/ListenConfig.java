package dev.gatehouse.conf.proxy;

import dev.gatehouse.conf.Address;
import java.util.Objects;
import java.util.Optional;

/**
 * One entry of {@code listen}: an address to accept connections on and how to speak on it.
 * Written as a plain address string when every other field keeps its default.
 *
 * @param address the TCP or unix socket address
 * @param tls TLS termination with its certificates; empty for a cleartext listener
 * @param http2 with TLS: offer {@code h2} by ALPN beside {@code http/1.1}; without: accept h2c
 *     with prior knowledge (the client's connection preface) beside HTTP/1.1
 * @param redirectToHttps answer every request with a 301 to the same URL over https (cleartext only)
 * @param httpsPort the port the https redirect names; 443 is left out of the URL
 */
public record ListenConfig(Address address, Optional<ListenTls> tls, boolean http2, boolean redirectToHttps,
        int httpsPort) {

    /** Checks for nulls. */
    public ListenConfig {
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(tls, "tls");
    }

    /** A cleartext HTTP/1.1 listener on {@code address}, every other field at its default. */
    public static ListenConfig plain(Address address) {
        return new ListenConfig(address, Optional.empty(), false, false, 443);
    }

    /** Whether connections on this listener are TLS. */
    public boolean secure() {
        return tls.isPresent();
    }
}
