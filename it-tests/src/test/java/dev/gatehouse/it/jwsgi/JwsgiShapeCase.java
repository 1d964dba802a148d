package dev.gatehouse.it.jwsgi;

import dev.gatehouse.it.support.NormalizedResponse;
import dev.gatehouse.it.support.RawHttpClient;
import dev.gatehouse.it.support.RawHttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One request to {@code dev.gatehouse.demo.jwsgi.JwsgiShapes} and the response real uWSGI
 * 2.0.21 (Debian 12, JWSGI on OpenJDK 17) gives for it behind nginx 1.22 with
 * {@code uwsgi_modifier1 8}, normalized (no Date/Server/framing headers).
 *
 * <p>The expected responses were first observed by hand with curl against uWSGI and are
 * asserted by {@link UwsgiJwsgiShapesTest}; {@link JwsgiCompatTest} then requires the Gatehouse
 * app-server to give the same for every case in {@link #portable()}.
 *
 * @param name the case name (the shape, or what the request adds)
 * @param method the request method
 * @param target the request target
 * @param headers extra request header lines
 * @param body the request body, or null
 * @param uwsgi what uWSGI answered, through nginx
 */
record JwsgiShapeCase(String name, String method, String target, List<String> headers, byte[] body,
        NormalizedResponse uwsgi) {

    /** {@code JwsgiShapes.LARGE_BODY_SIZE}. */
    static final int LARGE_BODY_SIZE = 1 << 20;

    /** Size of the {@code /input} request body: several nginx and socket buffers. */
    static final int INPUT_SIZE = 100_000;

    /** Sends this case's request through nginx on {@code port}. */
    RawHttpResponse send(int port) {
        return RawHttpClient.request(port, method, target, headers, body);
    }

    @Override
    public String toString() {
        return name;
    }

    /** @return every case whose response uWSGI and Gatehouse must agree on */
    static List<JwsgiShapeCase> portable() {
        List<JwsgiShapeCase> cases = new ArrayList<>();
        // status
        cases.add(get("status-integer", "/status-integer", ok(text(), "status Integer 200\n")));
        cases.add(get("status-long", "/status-long", response(201, "Created", text(), "status Long 201\n")));
        // uWSGI fills the reason phrase in from its own table, and nginx passes it through.
        cases.add(get("status-teapot", "/status-teapot", response(418, "I'm a teapot", text(), "short and stout\n")));
        cases.add(get("not-found", "/not-found", response(404, "Not Found", text(), "no such thing\n")));
        cases.add(get("server-error", "/server-error",
                response(500, "Internal Server Error", text(), "the app says it failed\n")));
        cases.add(get("no-content", "/no-content", response(204, "No Content", headerMap(), "")));
        cases.add(get("redirect", "/redirect",
                response(302, "Found", headerMap("Location", "/status-integer"), "")));
        // headers
        cases.add(get("headers-string-array", "/headers-string-array", ok(
                headerMap("Content-Type", "text/plain", "Set-Cookie", "a=1; Path=/", "Set-Cookie", "b=2; HttpOnly"),
                "two cookies\n")));
        cases.add(get("headers-list", "/headers-list", ok(
                headerMap("Content-Type", "text/plain", "X-List", "one", "X-List", "two", "X-List", "three"),
                "list-valued headers\n")));
        cases.add(get("headers-linked", "/headers-linked", ok(
                headerMap("Content-Type", "text/plain; charset=us-ascii", "Cache-Control", "no-store",
                        "X-Frame-Options", "DENY", "X-Empty", ""),
                "several headers\n")));
        // bodies
        byte[] all = new byte[256];
        for (int i = 0; i < all.length; i++) {
            all[i] = (byte) i;
        }
        cases.add(get("body-bytes", "/body-bytes", ok(binary(), all)));
        cases.add(get("body-string-array", "/body-string-array", ok(text(), "alpha,beta,gamma\n")));
        cases.add(get("body-iterable-strings", "/body-iterable-strings", ok(text(), "one,two,three\n")));
        cases.add(get("body-iterable-bytes", "/body-iterable-bytes", ok(text(), "bytes-1,bytes-2\n")));
        // Neither String nor byte[]: uWSGI writes each item's toString().
        cases.add(get("body-iterable-mixed", "/body-iterable-mixed",
                ok(text(), "str-chunk,bytes-chunk,42,-7,builder,true\n")));
        cases.add(get("body-iterable-custom", "/body-iterable-custom", ok(text(), "5,4,3,2,1,liftoff\n")));
        cases.add(get("body-file", "/body-file", ok(text(), "file body, sent by path\nline two\n")));
        cases.add(get("body-inputstream", "/body-inputstream", ok(text(), "from an InputStream\n")));
        cases.add(get("body-null", "/body-null", ok(headerMap("Content-Type", "text/plain", "X-Body", "null"), "")));
        cases.add(get("body-empty", "/body-empty", ok(text(), "")));
        cases.add(get("body-utf8", "/body-utf8", ok(headerMap("Content-Type", "text/plain; charset=utf-8"),
                "Gr\u00fc\u00dfe aus K\u00f6ln \u2013 \u6771\u4eac \u20ac5 \u2713\n")));
        cases.add(get("body-large", "/body-large", ok(binary(), largeBody())));
        cases.add(get("content-length", "/content-length", ok(text(), "framed by the app\n")));
        // the request side
        cases.add(new JwsgiShapeCase("echo-header", "GET", "/echo-header", List.of("X-Echo: hi there"), null,
                ok(headerMap("Content-Type", "text/plain", "X-Echo-Back", "hi there"), "X-Echo: hi there\n")));
        cases.add(get("echo-query", "/echo-query?a=1&b=%20x&c", ok(text(), "query: a=1&b=%20x&c\n")));
        byte[] input = inputBody();
        cases.add(new JwsgiShapeCase("input", "POST", "/input", List.of("Content-Type: application/octet-stream"),
                input, ok(text(), "length=" + input.length + " sha256=" + NormalizedResponse.sha256Hex(input) + "\n")));
        cases.add(new JwsgiShapeCase("head", "HEAD", "/status-integer", List.of(), null, ok(text(), "")));
        cases.add(get("unknown-path", "/no/such/shape",
                response(404, "Not Found", text(), "unknown shape: /no/such/shape\n")));
        return cases;
    }

    /** {@code JwsgiShapes}' deterministic 1 MiB body. */
    static byte[] largeBody() {
        byte[] body = new byte[LARGE_BODY_SIZE];
        for (int i = 0; i < body.length; i++) {
            body[i] = (byte) ((i * 31 + (i >>> 8)) & 0xff);
        }
        return body;
    }

    private static byte[] inputBody() {
        byte[] body = new byte[INPUT_SIZE];
        for (int i = 0; i < body.length; i++) {
            body[i] = (byte) (i * 7 + 3);
        }
        return body;
    }

    private static JwsgiShapeCase get(String name, String target, NormalizedResponse uwsgi) {
        return new JwsgiShapeCase(name, "GET", target, List.of(), null, uwsgi);
    }

    private static Map<String, List<String>> text() {
        return headerMap("Content-Type", "text/plain");
    }

    private static Map<String, List<String>> binary() {
        return headerMap("Content-Type", "application/octet-stream");
    }

    /** name, value, name, value, ...; a repeated name collects its values in order. */
    private static Map<String, List<String>> headerMap(String... nameValues) {
        Map<String, List<String>> headers = new LinkedHashMap<>();
        for (int i = 0; i < nameValues.length; i += 2) {
            headers.computeIfAbsent(nameValues[i], n -> new ArrayList<>()).add(nameValues[i + 1]);
        }
        return headers;
    }

    private static NormalizedResponse ok(Map<String, List<String>> headers, String body) {
        return response(200, "OK", headers, body);
    }

    private static NormalizedResponse ok(Map<String, List<String>> headers, byte[] body) {
        return NormalizedResponse.expected(200, "OK", headers, body);
    }

    private static NormalizedResponse response(int status, String reason, Map<String, List<String>> headers,
            String body) {
        return NormalizedResponse.expected(status, reason, headers, body.getBytes(StandardCharsets.UTF_8));
    }
}
