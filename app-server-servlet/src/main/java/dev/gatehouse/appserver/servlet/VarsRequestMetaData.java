package dev.gatehouse.appserver.servlet;

import dev.gatehouse.appserver.api.Request;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.Map;
import org.eclipse.jetty.http.HostPortHttpField;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpParser;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpScheme;
import org.eclipse.jetty.http.HttpURI;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.http.MetaData;
import org.eclipse.jetty.util.URIUtil;

/**
 * Jetty's view of one uwsgi request, built from the vars the front sent: no HTTP is parsed.
 * The request line is {@code REQUEST_METHOD}, {@code REQUEST_URI} (the raw target, as the client
 * sent it) and {@code SERVER_PROTOCOL}; the headers are the {@code HTTP_*} vars plus
 * {@code CONTENT_TYPE} and {@code CONTENT_LENGTH}; the authority is the {@code Host} header, else
 * {@code SERVER_NAME}:{@code SERVER_PORT}; the scheme is https when {@code HTTPS} is on or
 * {@code REQUEST_SCHEME} says so.
 */
final class VarsRequestMetaData {

    private VarsRequestMetaData() {
    }

    /** Whether the front says the client's connection was TLS. */
    static boolean secure(Request request) {
        String https = request.var("HTTPS");
        if (https != null && (https.equalsIgnoreCase("on") || https.equals("1"))) {
            return true;
        }
        String scheme = request.var("REQUEST_SCHEME");
        return scheme != null && scheme.equalsIgnoreCase("https");
    }

    /** {@code SERVER_PROTOCOL}, HTTP/1.1 when absent or unknown. */
    static HttpVersion version(Request request) {
        String protocol = request.var("SERVER_PROTOCOL");
        HttpVersion v = protocol == null ? null : HttpVersion.fromString(protocol);
        return v == null ? HttpVersion.HTTP_1_1 : v;
    }

    static MetaData.Request build(Request request, boolean secure, HttpVersion version) {
        HttpFields.Mutable fields = HttpFields.build();
        HostPortHttpField host = null;
        for (Map.Entry<String, String> var : request.environ()) {
            String key = var.getKey();
            if (key.startsWith("HTTP_") && key.length() > 5) {
                String name = headerName(key);
                if (name.equalsIgnoreCase("Content-Length") || name.equalsIgnoreCase("Content-Type")) {
                    continue; // CGI carries these as CONTENT_LENGTH and CONTENT_TYPE
                }
                if (name.equals(HttpHeader.HOST.asString())) {
                    if (host == null) {
                        host = new HostPortHttpField(var.getValue());
                        fields.add(host);
                    }
                    continue;
                }
                fields.add(field(name, var.getValue()));
            }
        }
        String contentType = request.var("CONTENT_TYPE");
        if (contentType != null && !contentType.isEmpty()) {
            fields.add(field(HttpHeader.CONTENT_TYPE.asString(), contentType));
        }
        String cl = request.var("CONTENT_LENGTH");
        long contentLength = -1;
        if (cl != null && !cl.isEmpty()) {
            fields.add(HttpHeader.CONTENT_LENGTH, cl);
            contentLength = request.contentLength();
        }

        String scheme = secure ? HttpScheme.HTTPS.asString() : HttpScheme.HTTP.asString();
        HttpURI.Mutable uri = HttpURI.build().scheme(scheme);
        if (host != null) {
            uri.host(host.getHost());
            if (host.getPort() > 0) {
                uri.port(host.getPort());
            } else if (request.serverPort() > 0 && request.serverPort() != (secure ? 443 : 80)) {
                // Debian's uwsgi_params sends HTTP_HOST as $host, which drops the client's port.
                // The port the front listens on is the one the client used (a client that named
                // no port used the scheme's default, which is what no port means here too).
                uri.port(request.serverPort());
                // The Host header must agree with the authority (Jetty answers 400 otherwise), as
                // it would have when the client sent it with the port.
                fields.put(new HostPortHttpField(host.getHost(), request.serverPort()));
            }
        } else {
            uri.host(request.serverName());
            if (request.serverPort() > 0) {
                uri.port(request.serverPort());
                // The Host header must agree with the authority (Jetty answers 400 otherwise), as
                // it would have when the client sent it with the port.
                fields.put(new HostPortHttpField(host.getHost(), request.serverPort()));
            }
        }
        uri.pathQuery(target(request));
        return new MetaData.Request(System.nanoTime(), request.method(), uri, version, fields, contentLength);
    }

    /**
     * The field Jetty's HTTP parser would make: its cached instance for common headers
     * ({@code Content-Type: text/plain} and the like), which carry what Jetty knows about them
     * (a content type's charset, or that it has none), else a plain field. Without this, a request
     * would look different to the app behind uwsgi than over HTTP (Spring then reports
     * {@code text/plain;charset=ISO-8859-1} for a {@code text/plain} body, for one).
     */
    private static HttpField field(String name, String value) {
        HttpField cached = HttpParser.CACHE.get(name + ": " + value);
        return cached != null && cached.getName().equalsIgnoreCase(name) && value.equals(cached.getValue())
                ? cached : new HttpField(name, value);
    }

    /** The raw request target: {@code REQUEST_URI}, else rebuilt from {@code PATH_INFO} and the query. */
    private static String target(Request request) {
        String raw = request.rawUri();
        if (raw != null && raw.startsWith("/")) {
            return raw;
        }
        if (raw != null && !raw.isEmpty() && !raw.equals("*")) {
            // An absolute-form target (GET http://host/x): the path and query only, as Jetty takes them.
            String pq = HttpURI.build(raw).getPathQuery();
            if (pq != null && pq.startsWith("/")) {
                return pq;
            }
        }
        String path = request.var("PATH_INFO");
        String encoded = URIUtil.encodePath(path == null || path.isEmpty() ? "/" : path);
        String query = request.queryString();
        return query.isEmpty() ? encoded : encoded + "?" + query;
    }

    /**
     * {@code HTTP_ACCEPT_ENCODING} to {@code Accept-Encoding}: the spelling Jetty knows for its
     * own headers ({@code TE}, {@code WWW-Authenticate}), else each word capitalised. The
     * client's own spelling is gone (nginx folds it into the var name).
     */
    static String headerName(String key) {
        String dashed = key.substring(5).replace('_', '-');
        HttpHeader known = HttpHeader.CACHE.get(dashed);
        if (known != null) {
            return known.asString();
        }
        StringBuilder b = new StringBuilder(dashed.length());
        boolean upper = true;
        for (int i = 0; i < dashed.length(); i++) {
            char c = dashed.charAt(i);
            b.append(upper ? Character.toUpperCase(c) : Character.toLowerCase(c));
            upper = c == '-';
        }
        return b.toString();
    }

    /** The client's address: {@code REMOTE_ADDR}:{@code REMOTE_PORT}. */
    static SocketAddress remote(Request request) {
        return address(request.remoteAddress(), Math.max(request.remotePort(), 0));
    }

    /** The server's address the client connected to: {@code SERVER_ADDR}:{@code SERVER_PORT}. */
    static SocketAddress local(Request request) {
        String addr = request.var("SERVER_ADDR");
        return address(addr == null || addr.isEmpty() ? request.serverName() : addr, Math.max(request.serverPort(), 0));
    }

    /**
     * An address without a name lookup: literals only (a var that is not one stays unresolved,
     * never a DNS query on the request path).
     */
    private static SocketAddress address(String host, int port) {
        if (host == null || host.isEmpty()) {
            return InetSocketAddress.createUnresolved("0.0.0.0", port);
        }
        if (isIpLiteral(host)) {
            try {
                return new InetSocketAddress(InetAddress.getByName(host), port);
            } catch (UnknownHostException e) {
                // not a literal after all; fall through
            }
        }
        return InetSocketAddress.createUnresolved(host, port);
    }

    private static boolean isIpLiteral(String s) {
        boolean colon = s.indexOf(':') >= 0;
        for (int i = 0; i < s.length(); i++) {
            char c = Character.toLowerCase(s.charAt(i));
            boolean ok = c >= '0' && c <= '9' || c == '.' || colon && (c == ':' || c >= 'a' && c <= 'f' || c == '%');
            if (!ok) {
                return false;
            }
        }
        return !s.isEmpty() && (colon || s.chars().filter(ch -> ch == '.').count() == 3);
    }

    static boolean isHead(Request request) {
        return request.method().toUpperCase(Locale.ROOT).equals("HEAD");
    }
}
