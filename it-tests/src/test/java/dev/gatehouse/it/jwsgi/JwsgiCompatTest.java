package dev.gatehouse.it.jwsgi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gatehouse.it.support.DemoAppClasspath;
import dev.gatehouse.it.support.GatehouseAppServer;
import dev.gatehouse.it.support.Nginx;
import dev.gatehouse.it.support.NormalizedResponse;
import dev.gatehouse.it.support.RawHttpClient;
import dev.gatehouse.it.support.RawHttpResponse;
import dev.gatehouse.it.support.ResourceStack;
import dev.gatehouse.it.support.Uwsgi;
import dev.gatehouse.it.support.UwsgiPacketClient;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The same unmodified JWSGI class, {@code JwsgiShapes}, under real uWSGI and under the Gatehouse
 * app-server, each behind its own real nginx with {@code uwsgi_modifier1 8} and 2
 * processes/workers: every return-value shape must give the same status line, headers (less
 * Date/Server/framing) and body bytes.
 *
 * <p>Both sides are asked live, so the comparison holds even if uWSGI's output differs from
 * what {@link UwsgiJwsgiShapesTest} recorded. The two extensions where Gatehouse deliberately
 * differs (String status, real UTF-8) are tested on the Gatehouse side only, and the raw replies
 * of both backends are checked for chunked framing, which nginx's uwsgi module cannot decode.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class JwsgiCompatTest {

    private static final String TARGET = "dev.gatehouse.demo.jwsgi.JwsgiShapes:application";

    private final ResourceStack processes = new ResourceStack();
    private Uwsgi uwsgi;
    private Nginx uwsgiNginx;
    private GatehouseAppServer gatehouse;
    private Nginx gatehouseNginx;

    @BeforeAll
    void start() {
        uwsgi = processes.push(Uwsgi.builder().jwsgi(DemoAppClasspath.entry(), TARGET).processes(2).start());
        uwsgiNginx = processes.push(nginxFor(uwsgi.uwsgiPass()));
        // The demo-app is on the server's own class path (the launcher's), so no --classpath.
        gatehouse = processes.push(GatehouseAppServer.builder().jwsgi(TARGET).workers(2).start());
        gatehouseNginx = processes.push(nginxFor(gatehouse.uwsgiPass()));
    }

    @AfterAll
    void stop() {
        // Also runs when start() failed half-way, e.g. before the app-server exists.
        processes.close();
    }

    private static Nginx nginxFor(String uwsgiPass) {
        return Nginx.builder()
                .server("client_max_body_size 10m;")
                .server(Nginx.uwsgiLocation("/", uwsgiPass, 8))
                .start();
    }

    static List<JwsgiShapeCase> cases() {
        return JwsgiShapeCase.portable();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void gatehouseAnswersLikeUwsgi(JwsgiShapeCase shape) {
        NormalizedResponse expected = shape.send(uwsgiNginx.port()).normalized();
        NormalizedResponse actual = shape.send(gatehouseNginx.port()).normalized();
        assertEquals(expected, actual, () -> shape.name() + " differs from uWSGI\n" + gatehouse.diagnostics()
                + gatehouseNginx.diagnostics());
    }

    @Test
    void atLeastFifteenShapesAreCompared() {
        assertTrue(cases().size() >= 15, () -> "only " + cases().size() + " cases");
    }

    @Test
    void gatehouseAcceptsAStringStatusAsAnExtension() {
        // uWSGI writes nothing for "404 Not Found" (nginx: 502); Gatehouse takes the code and
        // the app's reason phrase.
        RawHttpResponse response = RawHttpClient.get(gatehouseNginx.port(), "/status-string");
        assertEquals("HTTP/1.1 404 Not Found", response.statusLine(), response::toString);
        assertEquals("status String\n", response.bodyText());
    }

    @Test
    void gatehouseWritesStringsAsRealUtf8() {
        // uWSGI sends JNI modified UTF-8 (ED A0 BD ED B8 80) for U+1F600; Gatehouse sends UTF-8.
        RawHttpResponse response = RawHttpClient.get(gatehouseNginx.port(), "/body-supplementary");
        assertArrayEquals("smile \uD83D\uDE00\n".getBytes(StandardCharsets.UTF_8), response.body(),
                response::toString);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"/body-inputstream", "/body-iterable-custom", "/body-iterable-mixed", "/body-large"})
    void gatehouseNeverChunksTowardsNginx(String path) {
        // nginx's uwsgi module has no chunked decoder (only proxy_pass has one): a chunked
        // reply reaches the client with the chunk-size lines inside the body. uWSGI ends such a
        // body by closing the connection instead; Content-Length would do as well.
        byte[] fromUwsgi = UwsgiPacketClient.exchange(uwsgi.socketPath(), 8, UwsgiPacketClient.getVars(path),
                new byte[0], RawHttpClient.DEFAULT_TIMEOUT);
        assertFalse(isChunked(fromUwsgi), () -> head(fromUwsgi));
        byte[] fromGatehouse = UwsgiPacketClient.exchange(gatehouse.socketPath(), 8,
                UwsgiPacketClient.getVars(path), new byte[0], RawHttpClient.DEFAULT_TIMEOUT);
        assertFalse(isChunked(fromGatehouse),
                () -> "Gatehouse chunked its reply to " + path + ", which nginx passes on undecoded:\n"
                        + head(fromGatehouse));
    }

    private static boolean isChunked(byte[] reply) {
        return head(reply).toLowerCase(Locale.ROOT).contains("\ntransfer-encoding:");
    }

    private static String head(byte[] reply) {
        String text = new String(reply, StandardCharsets.ISO_8859_1);
        int end = text.indexOf("\r\n\r\n");
        return end < 0 ? text : text.substring(0, end);
    }

    @Test
    void gatehouseFramesEveryResponse() {
        // A framed response lets nginx tell a worker dying mid-body from a normal end
        // (reference/uwsgi-protocol.md 2.4); nginx keeps the backend's Content-Length.
        RawHttpResponse response = RawHttpClient.get(gatehouseNginx.port(), "/body-large");
        assertEquals(List.of(Integer.toString(JwsgiShapeCase.LARGE_BODY_SIZE)), response.headerValues("Content-Length"),
                response::toString);
    }
}
