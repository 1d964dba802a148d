package dev.gatehouse.it.jwsgi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gatehouse.it.support.DemoAppClasspath;
import dev.gatehouse.it.support.Nginx;
import dev.gatehouse.it.support.RawHttpClient;
import dev.gatehouse.it.support.RawHttpResponse;
import dev.gatehouse.it.support.ResourceStack;
import dev.gatehouse.it.support.Uwsgi;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Real uWSGI running {@code JwsgiShapes} behind real nginx ({@code uwsgi_modifier1 8}, 2
 * processes): each return-value shape gives the response recorded in {@link JwsgiShapeCase}.
 * This pins down the reference that {@link JwsgiCompatTest} holds Gatehouse to.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class UwsgiJwsgiShapesTest {

    static final String TARGET = "dev.gatehouse.demo.jwsgi.JwsgiShapes:application";

    private final ResourceStack processes = new ResourceStack();
    private Uwsgi uwsgi;
    private Nginx nginx;

    @BeforeAll
    void start() {
        uwsgi = processes.push(Uwsgi.builder().jwsgi(DemoAppClasspath.entry(), TARGET).processes(2).start());
        nginx = processes.push(Nginx.builder()
                .server("client_max_body_size 10m;")
                .server(Nginx.uwsgiLocation("/", uwsgi.uwsgiPass(), 8))
                .start());
    }

    @AfterAll
    void stop() {
        processes.close();
    }

    static List<JwsgiShapeCase> cases() {
        return JwsgiShapeCase.portable();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void givesTheRecordedResponse(JwsgiShapeCase shape) {
        RawHttpResponse response = shape.send(nginx.port());
        assertEquals(shape.uwsgi(), response.normalized(),
                () -> shape.name() + ": " + response + "\n" + uwsgi.diagnostics() + nginx.diagnostics());
    }

    @Test
    void bodiesWithoutContentLengthReachTheClientChunked() {
        // uWSGI frames nothing itself: nginx sees EOF as the end and re-chunks for HTTP/1.1.
        RawHttpResponse response = RawHttpClient.get(nginx.port(), "/status-integer");
        assertTrue(response.chunked(), response::toString);
        assertTrue(response.header("Content-Length").isEmpty(), response::toString);
    }

    @Test
    void appContentLengthIsPassedThrough() {
        RawHttpResponse response = RawHttpClient.get(nginx.port(), "/content-length");
        assertEquals(List.of("18"), response.headerValues("Content-Length"), response::toString);
    }

    @Test
    void stringStatusIsRejectedAndNginxAnswers502() {
        // uWSGI takes only Integer/Long: a String status writes nothing at all, which nginx
        // reports as "upstream prematurely closed connection". Gatehouse accepts it instead.
        RawHttpResponse response = RawHttpClient.get(nginx.port(), "/status-string");
        assertEquals(502, response.status(), response::toString);
        assertTrue(nginx.errorLog().contains("upstream prematurely closed connection"), nginx::errorLog);
    }

    @Test
    void supplementaryCharactersComeOutAsModifiedUtf8() {
        // JNI NewStringUTF/GetStringUTFChars: U+1F600 becomes a CESU-8 surrogate pair, 6 bytes,
        // where real UTF-8 (what Gatehouse writes) is F0 9F 98 80.
        RawHttpResponse response = RawHttpClient.get(nginx.port(), "/body-supplementary");
        byte[] expected = {'s', 'm', 'i', 'l', 'e', ' ', (byte) 0xED, (byte) 0xA0, (byte) 0xBD, (byte) 0xED,
            (byte) 0xB8, (byte) 0x80, '\n'};
        assertArrayEquals(expected, response.body(), response::toString);
    }

    @Test
    void stringArrayBodyLogsASpuriousUnsupportedType() {
        // jwsgi_plugin.c writes the String[] chunks, then falls through to the "unsupported"
        // branch for lack of a return; harmless, but it shows in every uWSGI log.
        RawHttpResponse response = RawHttpClient.get(nginx.port(), "/body-string-array");
        assertEquals("alpha,beta,gamma\n", response.bodyText());
        assertTrue(uwsgi.log().contains("unsupported JWSGI response body type"), uwsgi::log);
    }
}
