package dev.gatehouse.proxy.upstream;

import io.netty.handler.codec.http.HttpHeaders;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Which upstream response headers reach the client, as with nginx's uwsgi module: the framing
 * and hop-by-hop headers are the proxy's own (it frames the client response itself), the
 * {@code X-Accel-*} control headers are hidden ({@code ngx_http_uwsgi_hide_headers}), and
 * everything else passes in order, {@code Status}, {@code Date} and {@code Server} included.
 */
final class ResponseHeaders {

    private ResponseHeaders() {
    }

    /** Hop-by-hop (RFC 9110 7.6.1) and framing headers, lower case. */
    private static final Set<String> HOP_BY_HOP = Set.of("connection", "keep-alive", "proxy-connection",
            "transfer-encoding", "te", "trailer", "upgrade", "content-length");

    /** nginx's ngx_http_uwsgi_hide_headers[], lower case. */
    private static final Set<String> HIDDEN = Set.of("x-accel-expires", "x-accel-redirect", "x-accel-limit-rate",
            "x-accel-buffering", "x-accel-charset");

    /**
     * Copies what the client may see.
     *
     * @return whether the upstream said {@code Connection: close}
     */
    static boolean copy(HttpHeaders in, HttpHeaders out) {
        boolean close = false;
        Set<String> listed = Set.of();
        String connection = in.get("Connection");
        if (connection != null) {
            java.util.HashSet<String> tokens = new java.util.HashSet<>();
            for (String t : connection.split(",")) {
                String token = t.strip().toLowerCase(Locale.ROOT);
                tokens.add(token);
                close |= token.equals("close");
            }
            listed = tokens;
        }
        for (Map.Entry<String, String> h : in) {
            String name = h.getKey().toLowerCase(Locale.ROOT);
            if (HOP_BY_HOP.contains(name) || HIDDEN.contains(name) || listed.contains(name)) {
                continue;
            }
            out.add(h.getKey(), h.getValue());
        }
        return close;
    }
}
