package dev.gatehouse.appserver.worker;

import dev.gatehouse.appserver.api.Request;
import dev.gatehouse.uwsgi.UwsgiVars;
import java.io.InputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.AbstractMap.SimpleImmutableEntry;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A {@link Request} read in place from the uwsgi vars: no HTTP parsing, no map unless the
 * application asks for {@link #environMap()}. Valid until the response has been sent.
 */
final class VarsRequest implements Request {

    private final UwsgiVars vars;
    private final RequestBody body;

    VarsRequest(UwsgiVars vars, RequestBody body) {
        this.vars = vars;
        this.body = body;
    }

    UwsgiVars vars() {
        return vars;
    }

    @Override
    public String method() {
        return orEmpty(vars.get("REQUEST_METHOD"));
    }

    @Override
    public String path() {
        // nginx sends PATH_INFO percent-decoded but as raw bytes: the bytes are UTF-8 text.
        return orEmpty(vars.getUtf8("PATH_INFO"));
    }

    @Override
    public String rawUri() {
        return orEmpty(vars.get("REQUEST_URI"));
    }

    @Override
    public String queryString() {
        return orEmpty(vars.get("QUERY_STRING"));
    }

    @Override
    public String queryParameter(String name) {
        String query = queryString();
        int start = 0;
        while (start <= query.length()) {
            int amp = query.indexOf('&', start);
            int end = amp < 0 ? query.length() : amp;
            int eq = query.indexOf('=', start);
            String key;
            String value;
            if (eq < 0 || eq > end) {
                key = query.substring(start, end);
                value = "";
            } else {
                key = query.substring(start, eq);
                value = query.substring(eq + 1, end);
            }
            if (!key.isEmpty() && decode(key).equals(name)) {
                return decode(value);
            }
            if (amp < 0) {
                break;
            }
            start = amp + 1;
        }
        return null;
    }

    private static String decode(String s) {
        try {
            return URLDecoder.decode(s, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return s; // a malformed escape is kept as sent rather than failing the request
        }
    }

    @Override
    public String protocol() {
        String p = vars.get("SERVER_PROTOCOL");
        return p == null || p.isEmpty() ? "HTTP/1.0" : p;
    }

    @Override
    public String scheme() {
        String s = vars.get("REQUEST_SCHEME");
        if (s != null && !s.isEmpty()) {
            return s;
        }
        return "on".equalsIgnoreCase(vars.get("HTTPS")) ? "https" : "http";
    }

    @Override
    public String header(String name) {
        String key = headerKey(name);
        String value = vars.get(key);
        if (value == null || !value.isEmpty() || !isContentKey(key)) {
            return value;
        }
        // nginx sends CONTENT_TYPE/CONTENT_LENGTH empty on bodyless requests: that is "absent".
        return null;
    }

    @Override
    public List<String> headers(String name) {
        String key = headerKey(name);
        List<String> all = vars.getAll(key);
        if (isContentKey(key)) {
            all = all.stream().filter(v -> !v.isEmpty()).toList();
        }
        return all;
    }

    @Override
    public List<String> headerNames() {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < vars.size(); i++) {
            String key = vars.key(i);
            String name = null;
            if (key.startsWith("HTTP_") && key.length() > 5) {
                name = headerName(key.substring(5));
            } else if (isContentKey(key) && !vars.value(i).isEmpty()) {
                name = headerName(key);
            }
            if (name != null && !names.contains(name)) {
                names.add(name);
            }
        }
        return names;
    }

    /** {@code content-type} -> {@code CONTENT_TYPE}; {@code x-forwarded-for} -> {@code HTTP_X_FORWARDED_FOR}. */
    static String headerKey(String name) {
        String upper = name.toUpperCase(Locale.ROOT).replace('-', '_');
        if (upper.equals("CONTENT_TYPE") || upper.equals("CONTENT_LENGTH")) {
            return upper;
        }
        return "HTTP_" + upper;
    }

    private static boolean isContentKey(String key) {
        return key.equals("CONTENT_TYPE") || key.equals("CONTENT_LENGTH");
    }

    /** {@code USER_AGENT} -> {@code User-Agent}. */
    private static String headerName(String cgi) {
        StringBuilder sb = new StringBuilder(cgi.length());
        boolean upper = true;
        for (int i = 0; i < cgi.length(); i++) {
            char c = cgi.charAt(i);
            if (c == '_') {
                sb.append('-');
                upper = true;
            } else {
                sb.append(upper ? c : Character.toLowerCase(c));
                upper = false;
            }
        }
        return sb.toString();
    }

    @Override
    public String remoteAddress() {
        return orEmpty(vars.get("REMOTE_ADDR"));
    }

    @Override
    public int remotePort() {
        return parsePort(vars.get("REMOTE_PORT"));
    }

    @Override
    public String serverName() {
        return orEmpty(vars.get("SERVER_NAME"));
    }

    @Override
    public int serverPort() {
        return parsePort(vars.get("SERVER_PORT"));
    }

    private static int parsePort(String s) {
        if (s == null || s.isEmpty() || s.length() > 5) {
            return -1;
        }
        int port = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            port = port * 10 + (c - '0');
        }
        return port <= 65535 ? port : -1;
    }

    @Override
    public long contentLength() {
        return vars.contentLength();
    }

    @Override
    public String contentType() {
        String ct = vars.get("CONTENT_TYPE");
        return ct == null || ct.isEmpty() ? null : ct;
    }

    @Override
    public String var(String key) {
        return vars.get(key);
    }

    @Override
    public List<Map.Entry<String, String>> environ() {
        List<Map.Entry<String, String>> list = new ArrayList<>(vars.size());
        for (int i = 0; i < vars.size(); i++) {
            list.add(new SimpleImmutableEntry<>(vars.key(i), vars.value(i)));
        }
        return list;
    }

    @Override
    public Map<String, String> environMap() {
        Map<String, String> map = new LinkedHashMap<>();
        for (int i = 0; i < vars.size(); i++) {
            String key = vars.key(i);
            String sep = key.equals("HTTP_COOKIE") ? "; " : ", ";
            map.merge(key, vars.value(i), (a, b) -> a + sep + b);
        }
        return map;
    }

    @Override
    public InputStream body() {
        return body;
    }

    /** The request line for log messages, e.g. {@code GET /x?y=1}. */
    String requestLine() {
        return method() + " " + rawUri();
    }

    private static String orEmpty(String s) {
        return s == null ? "" : s;
    }
}
