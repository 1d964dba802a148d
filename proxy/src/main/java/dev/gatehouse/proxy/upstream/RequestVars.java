package dev.gatehouse.proxy.upstream;

import dev.gatehouse.conf.proxy.LocationConfig;
import dev.gatehouse.conf.proxy.UpstreamConfig;
import dev.gatehouse.conf.proxy.UwsgiParam;
import dev.gatehouse.proxy.exchange.Exchange;
import dev.gatehouse.proxy.exchange.ParsedRequest;
import dev.gatehouse.uwsgi.GatehouseVars;
import dev.gatehouse.uwsgi.UwsgiVarsBuilder;
import io.netty.handler.codec.http.HttpHeaderNames;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The vars of the uwsgi packet for one request, exactly as nginx 1.22 with Debian's stock
 * {@code /etc/nginx/uwsgi_params} writes them ({@code ngx_http_uwsgi_create_request}): the
 * fourteen stock params in file order ({@code HTTPS=on} only over TLS, its value being empty
 * otherwise and the param {@code if_not_empty}), Debian's
 * {@code HTTP_HOST $host}, then the location's {@code uwsgi_params} (replacing a var of the same
 * name in place, or appended), then one {@code HTTP_*} var per request header in arrival order:
 * name upper-cased with '-' to '_', headers whose name holds '_' dropped
 * ({@code underscores_in_headers off}), and a header skipped when a param of its var name exists
 * (so the client's {@code Host} never comes twice). The Gatehouse extensions come last.
 */
final class RequestVars {

    private RequestVars() {
    }

    /** One var before encoding; values are ISO-8859-1 chars (raw bytes) unless {@code utf8}. */
    private record Var(String name, String value, boolean utf8) {
    }

    /**
     * Builds the vars.
     *
     * @param bodyLength the body length the packet announces; -1 to use the request's own
     *     {@code Content-Length} header as nginx's {@code $content_length} does
     * @throws dev.gatehouse.uwsgi.UwsgiVarsTooLargeException past the 64 KiB vars block
     */
    static UwsgiVarsBuilder build(Exchange ex, LocationConfig location, UpstreamConfig upstream, long bodyLength) {
        ParsedRequest r = ex.request();
        Values v = new Values(ex, location, bodyLength);
        List<Var> vars = new ArrayList<>(24);
        vars.add(new Var("QUERY_STRING", v.queryString(), false));
        vars.add(new Var("REQUEST_METHOD", r.method().name(), false));
        vars.add(new Var("CONTENT_TYPE", v.contentType(), false));
        vars.add(new Var("CONTENT_LENGTH", v.contentLength(), false));
        vars.add(new Var("REQUEST_URI", v.requestUri(), false));
        vars.add(new Var("PATH_INFO", ex.path(), true));
        vars.add(new Var("DOCUMENT_ROOT", v.documentRoot(), true));
        vars.add(new Var("SERVER_PROTOCOL", r.protocolVersion().text(), false));
        vars.add(new Var("REQUEST_SCHEME", v.scheme(), false));
        if (ex.secure()) {
            vars.add(new Var("HTTPS", "on", false)); // "HTTPS $https if_not_empty"
        }
        vars.add(new Var("REMOTE_ADDR", v.remoteAddr(), false));
        vars.add(new Var("REMOTE_PORT", v.remotePort(), false));
        vars.add(new Var("SERVER_PORT", v.serverPort(), false));
        vars.add(new Var("SERVER_NAME", v.serverName(), false));
        vars.add(new Var("HTTP_HOST", v.host(), false));
        for (UwsgiParam p : location.uwsgiParams()) {
            String value = v.expand(p.value());
            int at = indexOf(vars, p.name());
            if (p.ifNotEmpty() && value.isEmpty()) {
                if (at >= 0) {
                    vars.remove(at);
                }
                continue;
            }
            Var var = new Var(p.name(), value, needsUtf8(value));
            if (at >= 0) {
                vars.set(at, var);
            } else {
                vars.add(var);
            }
        }
        Set<String> params = new HashSet<>();
        for (Var var : vars) {
            params.add(var.name());
        }
        UwsgiVarsBuilder b = new UwsgiVarsBuilder(1024);
        for (Var var : vars) {
            if (var.utf8()) {
                b.addUtf8(var.name(), var.value());
            } else {
                b.add(var.name(), var.value());
            }
        }
        for (Map.Entry<String, String> h : r.headers()) {
            String key = headerVar(h.getKey());
            if (key != null && !params.contains(key)) {
                b.add(key, h.getValue());
            }
        }
        if (upstream.keepalive() > 0) {
            b.add(GatehouseVars.KEEPALIVE, "1");
        }
        b.add(GatehouseVars.CHUNKED, "1");
        return b;
    }

    /** nginx's name for a request header's var, or null for a header nginx drops. */
    static String headerVar(String name) {
        StringBuilder s = new StringBuilder(5 + name.length()).append("HTTP_");
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c == '_') {
                return null; // underscores_in_headers off
            }
            s.append(c == '-' ? '_' : c >= 'a' && c <= 'z' ? (char) (c - 32) : c);
        }
        return s.toString();
    }

    private static int indexOf(List<Var> vars, String name) {
        for (int i = 0; i < vars.size(); i++) {
            if (vars.get(i).name().equals(name)) {
                return i;
            }
        }
        return -1;
    }

    private static boolean needsUtf8(String value) {
        for (int i = 0; i < value.length(); i++) {
            if (value.charAt(i) > 0xff) {
                return true;
            }
        }
        return false;
    }

    /** nginx's variables for one request, for the stock params and {@code $name} in uwsgi_params. */
    private static final class Values {
        private final Exchange ex;
        private final ParsedRequest r;
        private final LocationConfig location;
        private final long bodyLength;

        Values(Exchange ex, LocationConfig location, long bodyLength) {
            this.ex = ex;
            this.r = ex.request();
            this.location = location;
            this.bodyLength = bodyLength;
        }

        String queryString() {
            return r.rawQuery() == null ? "" : r.rawQuery();
        }

        String contentType() {
            String t = r.headers().get(HttpHeaderNames.CONTENT_TYPE);
            return t == null ? "" : t;
        }

        String contentLength() {
            if (bodyLength >= 0) {
                return Long.toString(bodyLength);
            }
            String l = r.headers().get(HttpHeaderNames.CONTENT_LENGTH);
            return l == null ? "" : l;
        }

        String requestUri() {
            // $request_uri: the target as sent, path and query (an absolute-form target's
            // scheme and authority are not part of it).
            String q = r.rawQuery();
            return q == null ? r.rawPath() : r.rawPath() + "?" + q;
        }

        String scheme() {
            return ex.secure() ? "https" : "http";
        }

        String documentRoot() {
            return location.staticDirectory().map(Object::toString).orElse("");
        }

        String remoteAddr() {
            SocketAddress a = ex.remoteAddress();
            return a instanceof InetSocketAddress i ? i.getAddress().getHostAddress() : "unix:";
        }

        String remotePort() {
            return ex.remoteAddress() instanceof InetSocketAddress i ? Integer.toString(i.getPort()) : "";
        }

        String serverAddr() {
            SocketAddress a = ex.localAddress();
            return a instanceof InetSocketAddress i ? i.getAddress().getHostAddress() : "unix:";
        }

        String serverPort() {
            return ex.localAddress() instanceof InetSocketAddress i ? Integer.toString(i.getPort()) : "";
        }

        /**
         * {@code $server_name}. Gatehouse has no virtual servers (and no {@code server_name}
         * key), so it is the address the client connected to, as nginx's {@code $server_name} is
         * for {@code server_name 127.0.0.1;}.
         */
        String serverName() {
            return serverAddr();
        }

        /**
         * {@code $host}: the host of an absolute-form target, else of the Host header, lower-cased
         * without the port; else the server name.
         */
        String host() {
            String uri = r.uri();
            String authority = null;
            int scheme = uri.indexOf("://");
            if (!uri.startsWith("/") && scheme > 0) {
                int start = scheme + 3;
                int end = start;
                while (end < uri.length() && "/?#".indexOf(uri.charAt(end)) < 0) {
                    end++;
                }
                authority = uri.substring(start, end);
                int at = authority.lastIndexOf('@');
                if (at >= 0) {
                    authority = authority.substring(at + 1);
                }
            }
            if (authority == null || authority.isEmpty()) {
                authority = r.headers().get(HttpHeaderNames.HOST);
            }
            if (authority == null || authority.isEmpty()) {
                return serverName();
            }
            String host = authority;
            if (host.startsWith("[")) {
                int close = host.indexOf(']');
                host = close > 0 ? host.substring(0, close + 1) : host;
            } else {
                int colon = host.indexOf(':');
                if (colon >= 0) {
                    host = host.substring(0, colon);
                }
            }
            if (host.endsWith(".")) {
                host = host.substring(0, host.length() - 1);
            }
            return host.toLowerCase(Locale.ROOT);
        }

        /** Substitutes nginx variables ({@code $name}, {@code ${name}}); unknown ones stay as written. */
        String expand(String template) {
            if (template.indexOf('$') < 0) {
                return template;
            }
            StringBuilder out = new StringBuilder(template.length() + 32);
            int i = 0;
            while (i < template.length()) {
                char c = template.charAt(i);
                if (c != '$' || i + 1 >= template.length()) {
                    out.append(c);
                    i++;
                    continue;
                }
                int start = i + 1;
                boolean braced = template.charAt(start) == '{';
                int nameStart = braced ? start + 1 : start;
                int end = nameStart;
                while (end < template.length() && isNameChar(template.charAt(end))) {
                    end++;
                }
                String name = template.substring(nameStart, end);
                if (braced && (end >= template.length() || template.charAt(end) != '}')) {
                    out.append(c);
                    i++;
                    continue;
                }
                String value = name.isEmpty() ? null : variable(name);
                if (value == null) {
                    out.append(template, i, braced ? end + 1 : end);
                } else {
                    out.append(value);
                }
                i = braced ? end + 1 : end;
            }
            return out.toString();
        }

        private static boolean isNameChar(char c) {
            return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9';
        }

        private String variable(String name) {
            return switch (name) {
                case "query_string", "args" -> queryString();
                case "request_method" -> r.method().name();
                case "content_type" -> contentType();
                case "content_length" -> contentLength();
                case "request_uri" -> requestUri();
                case "document_uri", "uri" -> new String(ex.path().getBytes(StandardCharsets.UTF_8),
                        StandardCharsets.ISO_8859_1);
                case "document_root" -> documentRoot();
                case "server_protocol" -> r.protocolVersion().text();
                case "scheme" -> scheme();
                case "https" -> ex.secure() ? "on" : "";
                case "remote_addr" -> remoteAddr();
                case "remote_port" -> remotePort();
                case "server_addr" -> serverAddr();
                case "server_port" -> serverPort();
                case "server_name" -> serverName();
                case "host" -> host();
                case "http_host" -> nullToEmpty(r.headers().get(HttpHeaderNames.HOST));
                default -> name.startsWith("http_")
                        ? nullToEmpty(r.headers().get(name.substring(5).replace('_', '-')))
                        : null;
            };
        }

        private static String nullToEmpty(String s) {
            return s == null ? "" : s;
        }
    }
}
