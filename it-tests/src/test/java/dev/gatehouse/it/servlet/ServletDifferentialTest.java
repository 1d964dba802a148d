package dev.gatehouse.it.servlet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gatehouse.it.support.ExampleWar;
import dev.gatehouse.it.support.GatehouseAppServer;
import dev.gatehouse.it.support.GatehouseProxy;
import dev.gatehouse.it.support.HttpHeader;
import dev.gatehouse.it.support.Nginx;
import dev.gatehouse.it.support.NormalizedResponse;
import dev.gatehouse.it.support.RawHttpClient;
import dev.gatehouse.it.support.RawHttpResponse;
import dev.gatehouse.it.support.ReferenceJetty;
import dev.gatehouse.it.support.ResourceStack;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The same WARs (examples/spring-app, Spring MVC 7; the tests' jersey-app, Jersey 4) on a stock
 * Jetty 12.1 over HTTP, and on Gatehouse behind real nginx {@code uwsgi_pass} and behind the
 * Gatehouse proxy: every request shape gets the same status, reason, headers and body.
 *
 * <p>Compared after {@link NormalizedResponse}, which drops the headers that describe transport,
 * not the app, and one more rule; these are the intended differences:
 * <ul>
 *   <li>{@code Date}: the worker writes its own; {@code Server}: nginx and the proxy add theirs.
 *   <li>{@code Content-Length} / {@code Transfer-Encoding} / {@code Connection} / {@code Keep-Alive}:
 *       framing is each hop's business (the worker always frames, docs/protocol.md).
 *   <li>The session id inside {@code Set-Cookie: JSESSIONID=...}: random on every server.
 *   <li>{@code Last-Modified} of the WAR's static files: each server unpacks the WAR when it
 *       deploys it, so the files' times are those of each unpacking.
 *   <li>The port the client connected to, where Jetty's error pages quote the request URL: each
 *       front listens on a port of its own.
 *   <li>Reason phrases Jetty spells the pre-RFC 9110 way ({@link #JETTY_REASONS}): the worker
 *       writes RFC 9110's phrase for every app ("Internal Server Error", "Content Too Large").
 * </ul>
 * Request shapes whose answer names the port the client connected to (the server port) are not
 * here: the client connects to a different port on each front by construction
 * (SpringAppExampleTest checks those values through both fronts).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ServletDifferentialTest {

    private static final Duration BOOT = Duration.ofSeconds(120);
    private static final Pattern SESSION_ID = Pattern.compile("JSESSIONID=[^;]+");
    private static final int MIB = 1024 * 1024;
    /** Jetty's reason phrase to the worker's (RFC 9110) one, where they differ. */
    static final Map<String, String> JETTY_REASONS = Map.of(
            "Server Error", "Internal Server Error",
            "Payload Too Large", "Content Too Large",
            "Unprocessable Entity", "Unprocessable Content");

    /** One app under test behind the three servers. */
    private record Stack(ReferenceJetty reference, GatehouseAppServer app, Nginx nginx, GatehouseProxy proxy) {
    }

    /** One request: which app, method, target, extra header lines, body (null: none). */
    record Shape(String name, String app, String method, String target, List<String> headers, byte[] body) {
        @Override
        public String toString() {
            return app + ": " + name;
        }
    }

    private final ResourceStack processes = new ResourceStack();
    private final Map<String, Stack> stacks = new java.util.HashMap<>();

    @BeforeAll
    void start() {
        stacks.put("spring", stack(ExampleWar.build(ExampleWar.REPO.resolve("examples/spring-app"), "spring-app.war")));
        stacks.put("jersey", stack(ExampleWar.build(ExampleWar.REPO.resolve("it-tests/src/test/webapps/jersey-app"),
                "jersey-app.war")));
    }

    private Stack stack(Path war) {
        ReferenceJetty reference = processes.push(ReferenceJetty.start(war));
        GatehouseAppServer app = processes.push(GatehouseAppServer.builder()
                .workers(1)
                .args("--war", war.toString(), "--set", "session_dir=@DIR@/sessions",
                        "--set", "jvm_options=-Xmx256m -XX:+UseSerialGC")
                .startTimeout(BOOT)
                .start());
        app.awaitWebAppDeployed(1, BOOT);
        Nginx nginx = processes.push(Nginx.builder()
                .server("""
                        client_max_body_size 64m;
                        location / {
                            include /etc/nginx/uwsgi_params;
                            uwsgi_pass %s;
                        }
                        """.formatted(app.uwsgiPass()))
                .start());
        GatehouseProxy proxy = processes.push(GatehouseProxy.builder()
                .jvmArgs("-Xmx64m", "-XX:+UseSerialGC")
                .forwardingEverythingTo(app.uwsgiPass(), "client_max_body_size = \"0\"")
                .start());
        return new Stack(reference, app, nginx, proxy);
    }

    @AfterAll
    void stop() {
        processes.close();
    }

    private static byte[] bytes(int size) {
        byte[] b = new byte[size];
        for (int i = 0; i < size; i++) {
            b[i] = (byte) (i * 7 + 3);
        }
        return b;
    }

    private static Shape s(String name, String app, String method, String target, List<String> headers, byte[] body) {
        return new Shape(name, app, method, target, headers, body);
    }

    private static Shape get(String app, String target, String... headers) {
        return s("GET " + target + (headers.length > 0 ? " " + List.of(headers) : ""), app, "GET", target, List.of(headers), null);
    }

    private static byte[] multipart(String boundary, int fileSize) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nq3\r\n"
                + "--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.bin\"\r\n"
                + "Content-Type: application/octet-stream\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
        body.writeBytes(bytes(fileSize));
        body.writeBytes(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.ISO_8859_1));
        return body.toByteArray();
    }

    static Stream<Shape> shapes() {
        String json = "Content-Type: application/json";
        String form = "Content-Type: application/x-www-form-urlencoded";
        String octets = "Content-Type: application/octet-stream";
        List<Shape> all = new ArrayList<>(List.of(
                get("spring", "/api/greeting?name=Ada"),
                get("spring", "/api/greeting"),
                get("spring", "/api/greeting?name=J%C3%BCrgen%20K"),
                get("spring", "/api/greeting?name=a&name=b"),
                s("HEAD /api/greeting", "spring", "HEAD", "/api/greeting?name=Ada", List.of(), null),
                s("POST JSON order", "spring", "POST", "/api/orders", List.of(json),
                        "{\"item\":\"tea\",\"quantity\":2}".getBytes(StandardCharsets.UTF_8)),
                s("POST malformed JSON", "spring", "POST", "/api/orders", List.of(json),
                        "{\"item\":".getBytes(StandardCharsets.UTF_8)),
                s("POST order as text/plain", "spring", "POST", "/api/orders", List.of("Content-Type: text/plain"),
                        "tea".getBytes(StandardCharsets.UTF_8)),
                s("POST form", "spring", "POST", "/api/form?tag=q", List.of(form),
                        "name=Ana+B&tag=x&tag=y%26z".getBytes(StandardCharsets.UTF_8)),
                s("POST form without name", "spring", "POST", "/api/form", List.of(form),
                        "tag=x".getBytes(StandardCharsets.UTF_8)),
                s("POST multipart", "spring", "POST", "/api/upload",
                        List.of("Content-Type: multipart/form-data; boundary=XyZ"), multipart("XyZ", 100_000)),
                s("POST multipart past the 1 MiB file limit", "spring", "POST", "/api/upload",
                        List.of("Content-Type: multipart/form-data; boundary=XyZ"), multipart("XyZ", 1536 * 1024)),
                get("spring", "/api/async?delayMs=50"),
                get("spring", "/api/stock/tea"),
                get("spring", "/api/stock/sold-out-tea"),
                get("spring", "/"),
                get("spring", "/index.html"),
                get("spring", "/out-of-stock.html"),
                get("spring", "/no-such-file.txt"),
                get("spring", "/WEB-INF/web.xml"),
                get("spring", "/api/no-such-endpoint"),
                s("DELETE /api/greeting", "spring", "DELETE", "/api/greeting", List.of(), null),
                s("OPTIONS /api/greeting", "spring", "OPTIONS", "/api/greeting", List.of(), null),
                get("spring", "/api/counter"),
                s("POST digest 0 B", "spring", "POST", "/api/digest", List.of(octets), new byte[0]),
                s("POST digest 64 KiB", "spring", "POST", "/api/digest", List.of(octets), bytes(64 * 1024)),
                s("POST digest 50 MiB", "spring", "POST", "/api/digest", List.of(octets), bytes(50 * MIB)),
                get("spring", "/api/blob?size=0"),
                get("spring", "/api/blob?size=65536"),
                get("spring", "/api/blob?size=" + 50 * MIB),
                get("jersey", "/rest/items"),
                get("jersey", "/rest/items?limit=2"),
                get("jersey", "/rest/items?prefix=d&limit=9"),
                get("jersey", "/rest/items/1"),
                get("jersey", "/rest/items/99"),
                get("jersey", "/rest/items/not-a-number"),
                get("jersey", "/rest/items/1", "Accept: application/xml"),
                s("POST JSON echo", "jersey", "POST", "/rest/items/echo", List.of(json),
                        "{\"a\":1,\"b\":[true,null]}".getBytes(StandardCharsets.UTF_8)),
                get("jersey", "/rest/nothing-here"),
                s("HEAD /rest/items/2", "jersey", "HEAD", "/rest/items/2", List.of(), null)));
        return all.stream();
    }

    @Test
    void coversTheShapesTheIssueAsksFor() {
        List<Shape> all = shapes().toList();
        assertTrue(all.size() >= 30, "shapes: " + all.size());
        List<Integer> bodySizes = all.stream().filter(s -> s.body() != null).map(s -> s.body().length).toList();
        assertTrue(bodySizes.containsAll(List.of(0, 64 * 1024, 50 * MIB)), bodySizes::toString);
    }

    /** The response less what legitimately differs between servers (see the class comment). */
    private static NormalizedResponse comparable(RawHttpResponse r, int port) {
        List<HttpHeader> headers = new ArrayList<>();
        for (HttpHeader h : r.headers()) {
            String name = h.name().toLowerCase(Locale.ROOT);
            String v = switch (name) {
                case "set-cookie" -> SESSION_ID.matcher(h.value()).replaceAll("JSESSIONID=(id)");
                case "last-modified" -> "(unpack time)";
                default -> h.value();
            };
            headers.add(new HttpHeader(h.name(), v));
        }
        byte[] body = r.body();
        boolean html = r.header("Content-Type").orElse("").startsWith("text/html");
        if (html && body.length < 64 * 1024) {
            body = new String(body, StandardCharsets.ISO_8859_1).replace(":" + port + "/", ":(port)/")
                    .getBytes(StandardCharsets.ISO_8859_1);
        }
        String reason = JETTY_REASONS.getOrDefault(r.reason(), r.reason());
        return NormalizedResponse.of(new RawHttpResponse(r.statusLine(), r.status(), reason, headers, body,
                r.chunked()));
    }

    private static NormalizedResponse call(int port, Shape shape) {
        return comparable(RawHttpClient.request(port, shape.method(), shape.target(), shape.headers(), shape.body()), port);
    }

    private static String bodies(NormalizedResponse expected, NormalizedResponse actual) {
        return expected.body().length < 4096 && actual.body().length < 4096
                ? "\nexpected body:\n" + expected.bodyText() + "\nactual body:\n" + actual.bodyText() : "";
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("shapes")
    void gatehouseBehindNginxAndTheProxyAnswersAsJettyOverHttp(Shape shape) {
        Stack stack = stacks.get(shape.app());
        NormalizedResponse expected = call(stack.reference().port(), shape);
        assertTrue(expected.status() < 500 || shape.name().contains("sold-out"),
                () -> "the reference itself failed: " + expected + "\n" + stack.reference().diagnostics());
        NormalizedResponse viaNginx = call(stack.nginx().port(), shape);
        assertEquals(expected, viaNginx, () -> "behind nginx" + bodies(expected, viaNginx) + "\n"
                + stack.nginx().diagnostics() + "\n" + stack.app().diagnostics());
        NormalizedResponse viaProxy = call(stack.proxy().port(), shape);
        assertEquals(expected, viaProxy, () -> "behind the Gatehouse proxy" + bodies(expected, viaProxy) + "\n"
                + stack.proxy().diagnostics() + "\n" + stack.app().diagnostics());
    }
}
