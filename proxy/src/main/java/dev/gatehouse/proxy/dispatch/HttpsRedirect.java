package dev.gatehouse.proxy.dispatch;

import dev.gatehouse.conf.proxy.ListenConfig;
import dev.gatehouse.proxy.exchange.ParsedRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.Locale;

/**
 * The target of {@code redirect_to_https}: what nginx's {@code return 301
 * https://$host$request_uri} gives, with the listener's {@code https_port} when it is not 443.
 */
final class HttpsRedirect {

    private HttpsRedirect() {
    }

    /** {@code https://host[:port]/path?query} for the request. */
    static String location(ParsedRequest r, ListenConfig listener, SocketAddress local) {
        String host = host(r.headers().get(HttpHeaderNames.HOST));
        if (host == null) {
            host = local instanceof InetSocketAddress i ? literal(i.getAddress().getHostAddress()) : "localhost";
        }
        StringBuilder url = new StringBuilder("https://").append(host);
        if (listener.httpsPort() != 443) {
            url.append(':').append(listener.httpsPort());
        }
        String path = r.rawPath().isEmpty() ? "/" : r.rawPath();
        url.append(path);
        if (r.rawQuery() != null) {
            url.append('?').append(r.rawQuery());
        }
        return url.toString();
    }

    /** The host of a Host header without its port, lower-cased; null when there is none. */
    static String host(String header) {
        if (header == null || header.isEmpty()) {
            return null;
        }
        String h = header;
        if (h.startsWith("[")) {
            int close = h.indexOf(']');
            h = close > 0 ? h.substring(0, close + 1) : h;
        } else {
            int colon = h.indexOf(':');
            if (colon >= 0) {
                h = h.substring(0, colon);
            }
        }
        return h.isEmpty() ? null : h.toLowerCase(Locale.ROOT);
    }

    private static String literal(String address) {
        return address.indexOf(':') >= 0 ? "[" + address + "]" : address;
    }
}
