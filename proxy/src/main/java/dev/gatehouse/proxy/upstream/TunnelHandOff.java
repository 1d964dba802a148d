package dev.gatehouse.proxy.upstream;

import dev.gatehouse.proxy.exchange.Exchange;
import dev.gatehouse.proxy.exchange.ParsedRequest;
import dev.gatehouse.proxy.tunnel.Tunnel;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponse;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A 101 answer to an upgrade request, as nginx's {@code ngx_http_upstream_upgrade}: the client
 * gets it with the server's headers ({@code Upgrade} included, as nginx's
 * {@code ngx_http_upstream_copy_upgrade}), and both connections become a {@link Tunnel}. The
 * upstream connection is never pooled again.
 */
final class TunnelHandOff {

    /** Logged as the call: operators and tests know these lines by that name. */
    private static final Logger log = LoggerFactory.getLogger(UpstreamCall.class);

    private TunnelHandOff() {
    }

    /**
     * Switches, or closes both sides when the client cannot be switched any more.
     *
     * @param c the upstream connection that answered, already let go by its call
     * @param release gives back what the tunnel holds (the server's busy count, the location's
     *     tunnel slot): run once, when the tunnel ends or when it cannot start
     */
    static void start(Exchange ex, ResponseHead h, UpstreamConnection c, Duration idleTimeout, Runnable release) {
        ParsedRequest request = ex.request();
        HttpResponse out = ex.newResponse(h.status());
        ResponseHeaders.copy(h.headers(), out.headers());
        String upgrade = h.headers().get(HttpHeaderNames.UPGRADE);
        if (upgrade != null) {
            out.headers().set(HttpHeaderNames.UPGRADE, upgrade);
        }
        Tunnel tunnel = Tunnel.create(request.method() + " " + request.uri(), idleTimeout, release);
        if (ex.switchProtocols(out, tunnel.clientHandler()) == null) {
            log.info("{} {}: the client closed or sent bytes before the 101; closing both sides", request.method(),
                    request.uri());
            release.run();
            c.close();
            return;
        }
        c.replaceWithTunnel(tunnel.upstreamHandler());
        tunnel.start();
    }
}
