package dev.gatehouse.proxy.tls;

import dev.gatehouse.conf.ConfigException;
import dev.gatehouse.conf.proxy.ListenTls;
import dev.gatehouse.conf.proxy.TlsCertificate;
import io.netty.handler.codec.http2.Http2SecurityUtil;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.SupportedCipherSuiteFilter;
import io.netty.util.DomainWildcardMappingBuilder;
import io.netty.util.Mapping;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds the TLS server contexts of one listener: one per certificate, BoringSSL when the native
 * library loads (OpenSSL-class speed), the JDK's TLS otherwise; TLS 1.3 and 1.2 only, AEAD
 * ciphers with forward secrecy only (the HTTP/2 profile of RFC 9113 9.2.2), ALPN, session
 * resumption. Reads the certificate and key files, so it runs at start and on reload, never on
 * an event loop.
 */
public final class TlsContexts {

    private static final Logger log = LoggerFactory.getLogger(TlsContexts.class);
    private static final AtomicBoolean PROVIDER_LOGGED = new AtomicBoolean();
    private static final String[] PROTOCOLS = {"TLSv1.3", "TLSv1.2"};

    private TlsContexts() {
    }

    /**
     * The contexts of a listener, chosen by the client's SNI name; the default certificate for
     * an unknown name or none.
     *
     * @param http2 whether ALPN offers {@code h2} before {@code http/1.1}
     * @param at the listener's key path for messages, e.g. {@code listen[1]}
     * @throws ConfigException when a context cannot be built from the files
     */
    public static Mapping<String, SslContext> sniMapping(ListenTls tls, boolean http2, Duration sessionTimeout,
            String at) {
        SslContext fallback = build(tls.defaultCertificate(), http2, sessionTimeout, at);
        DomainWildcardMappingBuilder<SslContext> b = new DomainWildcardMappingBuilder<>(fallback);
        for (int i = 0; i < tls.sniCertificates().size(); i++) {
            TlsCertificate c = tls.sniCertificates().get(i);
            SslContext ctx = build(c, http2, sessionTimeout, at + ".certificates[" + i + "]");
            for (String name : c.serverNames()) {
                b.add(name, ctx);
            }
        }
        return b.build();
    }

    /** The provider this process uses: BoringSSL when it loads, else the JDK's. */
    public static SslProvider provider() {
        boolean openSsl = OpenSsl.isAvailable();
        if (PROVIDER_LOGGED.compareAndSet(false, true)) {
            if (openSsl) {
                log.info("TLS by {} (netty-tcnative)", OpenSsl.versionString());
            } else {
                log.warn("TLS by the JDK: native BoringSSL did not load ({}); handshakes will be slower",
                        String.valueOf(OpenSsl.unavailabilityCause()));
            }
        }
        return openSsl ? SslProvider.OPENSSL : SslProvider.JDK;
    }

    private static SslContext build(TlsCertificate c, boolean http2, Duration sessionTimeout, String at) {
        List<String> alpn = http2 ? List.of(ApplicationProtocolNames.HTTP_2, ApplicationProtocolNames.HTTP_1_1)
                : List.of(ApplicationProtocolNames.HTTP_1_1);
        try {
            return SslContextBuilder.forServer(c.certificate().toFile(), c.privateKey().toFile())
                    .sslProvider(provider())
                    .protocols(PROTOCOLS)
                    .ciphers(Http2SecurityUtil.CIPHERS, SupportedCipherSuiteFilter.INSTANCE)
                    .applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                            // A client offering neither protocol still gets HTTP/1.1, as nginx does.
                            ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                            ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, alpn))
                    .sessionTimeout(Math.max(1, sessionTimeout.toSeconds()))
                    .build();
        } catch (SSLException | IllegalArgumentException e) {
            throw new ConfigException(List.of(at + ".certificate: " + c.certificate() + " with private key "
                    + c.privateKey() + ": cannot make a TLS context: " + rootMessage(e)));
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null) {
            t = t.getCause();
        }
        return t.getMessage() == null ? t.toString() : t.getMessage();
    }
}
