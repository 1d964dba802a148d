package dev.gatehouse.appserver.servlet;

import dev.gatehouse.appserver.api.Request;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A request as the worker would hand it over, from a list of vars (as nginx sends them) and a body. */
final class VarsTestRequest implements Request {

    private final List<Map.Entry<String, String>> vars = new ArrayList<>();
    private final byte[] body;

    VarsTestRequest(String method, String uri, byte[] body, String... headerVars) {
        this.body = body;
        int q = uri.indexOf('?');
        add("QUERY_STRING", q < 0 ? "" : uri.substring(q + 1));
        add("REQUEST_METHOD", method);
        add("CONTENT_TYPE", "");
        add("CONTENT_LENGTH", body.length > 0 ? Integer.toString(body.length) : "");
        add("REQUEST_URI", uri);
        add("PATH_INFO", q < 0 ? uri : uri.substring(0, q));
        add("SERVER_PROTOCOL", "HTTP/1.1");
        add("REQUEST_SCHEME", "http");
        add("REMOTE_ADDR", "192.0.2.7");
        add("REMOTE_PORT", "40000");
        add("SERVER_ADDR", "127.0.0.1");
        add("SERVER_PORT", "8080");
        add("SERVER_NAME", "localhost");
        add("HTTP_HOST", "app.example:8080");
        for (int i = 0; i < headerVars.length; i += 2) {
            set(headerVars[i], headerVars[i + 1]);
        }
    }

    private void add(String k, String v) {
        vars.add(Map.entry(k, v));
    }

    private void set(String k, String v) {
        for (int i = 0; i < vars.size(); i++) {
            if (vars.get(i).getKey().equals(k)) {
                vars.set(i, Map.entry(k, v));
                return;
            }
        }
        add(k, v);
    }

    @Override
    public String method() {
        return var("REQUEST_METHOD");
    }

    @Override
    public String path() {
        return var("PATH_INFO");
    }

    @Override
    public String rawUri() {
        return var("REQUEST_URI");
    }

    @Override
    public String queryString() {
        return var("QUERY_STRING");
    }

    @Override
    public String queryParameter(String name) {
        return null;
    }

    @Override
    public String protocol() {
        return var("SERVER_PROTOCOL");
    }

    @Override
    public String scheme() {
        return var("REQUEST_SCHEME");
    }

    @Override
    public String header(String name) {
        return var("HTTP_" + name.toUpperCase().replace('-', '_'));
    }

    @Override
    public List<String> headers(String name) {
        String v = header(name);
        return v == null ? List.of() : List.of(v);
    }

    @Override
    public List<String> headerNames() {
        return List.of();
    }

    @Override
    public String remoteAddress() {
        return var("REMOTE_ADDR");
    }

    @Override
    public int remotePort() {
        return Integer.parseInt(var("REMOTE_PORT"));
    }

    @Override
    public String serverName() {
        return var("SERVER_NAME");
    }

    @Override
    public int serverPort() {
        return Integer.parseInt(var("SERVER_PORT"));
    }

    @Override
    public long contentLength() {
        return body.length;
    }

    @Override
    public String contentType() {
        String v = var("CONTENT_TYPE");
        return v == null || v.isEmpty() ? null : v;
    }

    @Override
    public String var(String key) {
        for (Map.Entry<String, String> e : vars) {
            if (e.getKey().equals(key)) {
                return e.getValue();
            }
        }
        return null;
    }

    @Override
    public List<Map.Entry<String, String>> environ() {
        return List.copyOf(vars);
    }

    @Override
    public Map<String, String> environMap() {
        Map<String, String> m = new LinkedHashMap<>();
        vars.forEach(e -> m.putIfAbsent(e.getKey(), e.getValue()));
        return m;
    }

    @Override
    public InputStream body() {
        return new ByteArrayInputStream(body);
    }
}
