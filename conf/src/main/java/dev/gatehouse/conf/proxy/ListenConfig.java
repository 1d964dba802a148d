package dev.gatehouse.conf.proxy;

import static dev.gatehouse.conf.proxy.ProxyKeys.*;

import dev.gatehouse.conf.Address;
import dev.gatehouse.conf.schema.ConfigValues;
import dev.gatehouse.conf.schema.ConfigView;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * One entry of {@code listen}: an address to accept connections on and how to speak on it.
 * Written as a plain address string when every other field keeps its default.
 */
public final class ListenConfig extends ConfigView {

    // Read on every request (or connection): kept in fields, since a read through the values
    // is a map lookup, about 3% of the proxy's CPU per request when they all went that way.
    private final boolean redirectToHttps = get(LISTEN_REDIRECT_TO_HTTPS);

    private final Optional<ListenTls> tls;

    /**
     * @param values the entry's keys, {@code http2} resolved (its default follows {@code tls})
     * @param sniCertificates the {@code certificates} entries, in file order
     */
    ListenConfig(ConfigValues values, List<TlsCertificate> sniCertificates) {
        super(values, List.of(List.copyOf(sniCertificates)));
        Optional<Path> certificate = values.optional(LISTEN_CERTIFICATE);
        Optional<Path> privateKey = values.optional(LISTEN_PRIVATE_KEY);
        this.tls = values.get(LISTEN_TLS) && certificate.isPresent() && privateKey.isPresent()
                ? Optional.of(new ListenTls(new TlsCertificate(List.of(), certificate.get(), privateKey.get()),
                        sniCertificates))
                : Optional.empty();
    }

    /** A cleartext HTTP/1.1 listener on {@code address}, every other field at its default. */
    public static ListenConfig plain(Address address) {
        return new ListenConfig(ConfigValues.defaults(LISTEN_KEYS).with(LISTEN_ADDRESS, address).with(LISTEN_HTTP2, false),
                List.of());
    }

    /** The TCP or unix socket address. */
    public Address address() {
        return get(LISTEN_ADDRESS);
    }

    /** TLS termination with its certificates; empty for a cleartext listener. */
    public Optional<ListenTls> tls() {
        return tls;
    }

    /**
     * With TLS: offer {@code h2} by ALPN beside {@code http/1.1}; without: accept h2c with prior
     * knowledge (the client's connection preface) beside HTTP/1.1.
     */
    public boolean http2() {
        return get(LISTEN_HTTP2);
    }

    /** Answer every request with a 301 to the same URL over https (cleartext only). */
    public boolean redirectToHttps() {
        return redirectToHttps;
    }

    /** The port the https redirect names; 443 is left out of the URL. */
    public int httpsPort() {
        return get(LISTEN_HTTPS_PORT);
    }

    /** Whether connections on this listener are TLS. */
    public boolean secure() {
        return tls.isPresent();
    }
}
