package dev.gatehouse.proxy.dispatch;

import dev.gatehouse.conf.proxy.ListenConfig;
import io.netty.handler.ssl.SslContext;
import io.netty.util.Mapping;
import java.util.Objects;

/**
 * A listener as one generation serves it: its configuration and, for TLS, the contexts chosen by
 * SNI name. A reload builds new contexts (a renewed certificate), which connections accepted
 * from then on use; connections already open keep theirs.
 *
 * @param config the listener's configuration
 * @param sni the TLS contexts by SNI name (the default one for unknown names); null without TLS
 */
public record Listener(ListenConfig config, Mapping<String, SslContext> sni) {

    /** Checks that TLS listeners have contexts. */
    public Listener {
        Objects.requireNonNull(config, "config");
        if (config.secure() != (sni != null)) {
            throw new IllegalArgumentException("TLS contexts for a TLS listener, and only for one");
        }
    }
}
