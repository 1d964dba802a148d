package dev.gatehouse.it.samples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gatehouse.it.support.ExampleWar;
import dev.gatehouse.it.support.GatehouseAppServer;
import dev.gatehouse.it.support.GatehouseProxy;
import dev.gatehouse.it.support.Nginx;
import dev.gatehouse.it.support.RawHttpClient;
import dev.gatehouse.it.support.RawHttpResponse;
import dev.gatehouse.it.support.ResourceStack;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code examples/spring-app}, an unmodified Spring MVC 7 WAR built by {@code mvn package} from
 * Maven Central artifacts, on a 2-worker app-server behind real nginx ({@code uwsgi_pass}) and
 * behind the Gatehouse proxy: the initializer starts it, JSON goes through Jackson 3, forms,
 * multipart, the session, the Filter, the web.xml error page and the WAR's static files work
 * the same through both fronts.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SpringAppExampleTest {

    private static final Duration BOOT = Duration.ofSeconds(120);

    private final ResourceStack processes = new ResourceStack();
    private GatehouseAppServer app;
    private Nginx nginx;
    private GatehouseProxy proxy;

    @BeforeAll
    void start() {
        Path war = ExampleWar.build(ExampleWar.REPO.resolve("examples/spring-app"), "spring-app.war");
        app = processes.push(GatehouseAppServer.builder()
                .workers(2)
                .args("--war", war.toString(), "--set", "session_dir=@DIR@/sessions",
                        "--set", "jvm_options=-Xmx128m -XX:+UseSerialGC")
                .startTimeout(BOOT)
                .start());
        app.awaitWebAppDeployed(2, BOOT);
        nginx = processes.push(Nginx.builder().server(Nginx.uwsgiLocation("/", app.uwsgiPass(), 0)).start());
        proxy = processes.push(GatehouseProxy.builder()
                .jvmArgs("-Xmx64m", "-XX:+UseSerialGC")
                .forwardingEverythingTo(app.uwsgiPass())
                .start());
    }

    @AfterAll
    void stop() {
        processes.close();
    }

    private int port(String front) {
        return front.equals("nginx") ? nginx.port() : proxy.port();
    }

    private String diagnostics(String front) {
        return "\n" + (front.equals("nginx") ? nginx.diagnostics() : proxy.diagnostics()) + "\n" + app.diagnostics();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"nginx", "proxy"})
    void restControllerAnswersJsonThroughTheFilter(String front) {
        RawHttpResponse r = RawHttpClient.get(port(front), "/api/greeting?name=Ada");
        assertEquals(200, r.status(), () -> r + diagnostics(front));
        assertEquals(Optional.of("application/json"), r.header("Content-Type"));
        assertEquals(Optional.of("ServedByFilter"), r.header("X-Filtered-By"));
        assertEquals("{\"greeting\":\"Hello, Ada!\",\"length\":3}", r.bodyText());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"nginx", "proxy"})
    void jsonBodyIsReadByJackson(String front) {
        RawHttpResponse r = RawHttpClient.request(port(front), "POST", "/api/orders",
                List.of("Content-Type: application/json"), "{\"item\":\"tea\",\"quantity\":2}".getBytes(StandardCharsets.UTF_8));
        assertEquals(200, r.status(), () -> r + diagnostics(front));
        assertEquals("{\"item\":\"tea\",\"quantity\":2,\"accepted\":true}", r.bodyText());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"nginx", "proxy"})
    void formPostFillsRequestParams(String front) {
        RawHttpResponse r = RawHttpClient.request(port(front), "POST", "/api/form?tag=a",
                List.of("Content-Type: application/x-www-form-urlencoded"),
                "name=J%C3%BCrgen+M&tag=b&tag=c".getBytes(StandardCharsets.UTF_8));
        assertEquals(200, r.status(), () -> r + diagnostics(front));
        assertEquals("{\"name\":\"Jürgen M\",\"tags\":[\"a\",\"b\",\"c\"]}", r.bodyText());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"nginx", "proxy"})
    void multipartUploadReachesTheController(String front) throws Exception {
        byte[] file = new byte[200_000];
        for (int i = 0; i < file.length; i++) {
            file[i] = (byte) (i * 31);
        }
        String boundary = "gatehouse-boundary-42";
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nquarterly\r\n"
                + "--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"data.bin\"\r\n"
                + "Content-Type: application/octet-stream\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
        body.writeBytes(file);
        body.writeBytes(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.ISO_8859_1));
        RawHttpResponse r = RawHttpClient.request(port(front), "POST", "/api/upload",
                List.of("Content-Type: multipart/form-data; boundary=" + boundary), body.toByteArray());
        assertEquals(200, r.status(), () -> r + diagnostics(front));
        String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(file));
        assertEquals("{\"filename\":\"data.bin\",\"size\":200000,\"sha256\":\"" + sha + "\",\"note\":\"quarterly\"}",
                r.bodyText());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"nginx", "proxy"})
    void sessionCounterCountsWhicheverWorkerAnswers(String front) {
        RawHttpResponse first = RawHttpClient.get(port(front), "/api/counter");
        assertEquals("{\"count\":1}", first.bodyText(), () -> first + diagnostics(front));
        String setCookie = first.header("Set-Cookie").orElseThrow(() -> new AssertionError("no Set-Cookie: " + first));
        String cookie = setCookie.substring(0, setCookie.indexOf(';'));
        // nginx opens a connection per request and the kernel picks the worker: over 10
        // requests both workers answer (checked by the session test in it.master with stats).
        for (int n = 2; n <= 10; n++) {
            RawHttpResponse r = RawHttpClient.get(port(front), "/api/counter", "Cookie: " + cookie);
            assertEquals("{\"count\":" + n + "}", r.bodyText(), () -> r + diagnostics(front));
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"nginx", "proxy"})
    void asyncControllerCompletesFromAnotherThread(String front) {
        RawHttpResponse r = RawHttpClient.get(port(front), "/api/async?delayMs=200");
        assertEquals(200, r.status(), () -> r + diagnostics(front));
        assertEquals(Optional.of("ServedByFilter"), r.header("X-Filtered-By"));
        assertEquals("{\"async\":true,\"delayMs\":200}", r.bodyText());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"nginx", "proxy"})
    void exceptionIsMappedToTheErrorPageOfWebXml(String front) {
        RawHttpResponse r = RawHttpClient.get(port(front), "/api/stock/sold-out-tea");
        assertEquals(500, r.status(), () -> r + diagnostics(front));
        assertTrue(r.bodyText().contains("Sorry, that item is out of stock."), r::toString);
        RawHttpResponse ok = RawHttpClient.get(port(front), "/api/stock/tea");
        assertEquals("{\"item\":\"tea\",\"inStock\":true}", ok.bodyText());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"nginx", "proxy"})
    void staticWelcomeFileAndNotFound(String front) {
        RawHttpResponse index = RawHttpClient.get(port(front), "/");
        assertEquals(200, index.status(), () -> index + diagnostics(front));
        assertTrue(index.bodyText().contains("Hello from a static file in the WAR."), index::toString);
        assertEquals(404, RawHttpClient.get(port(front), "/api/no-such-endpoint").status());
        assertEquals(404, RawHttpClient.get(port(front), "/no-such-file.txt").status());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"nginx", "proxy"})
    void requestPropertiesComeFromTheVars(String front) {
        int port = port(front);
        RawHttpResponse r = RawHttpClient.get(port, "/api/whoami?a=1&b=%20");
        assertEquals(200, r.status(), () -> r + diagnostics(front));
        assertEquals("{\"scheme\":\"http\",\"secure\":false,\"serverName\":\"127.0.0.1\",\"serverPort\":" + port
                + ",\"remoteAddr\":\"127.0.0.1\",\"requestUri\":\"/api/whoami\",\"queryString\":\"a=1&b=%20\","
                + "\"contextPath\":\"\"}", r.bodyText());
    }
}
