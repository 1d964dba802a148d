package dev.gatehouse.it.jwsgi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gatehouse.it.support.DemoAppClasspath;
import dev.gatehouse.it.support.Nginx;
import dev.gatehouse.it.support.NormalizedResponse;
import dev.gatehouse.it.support.RawHttpClient;
import dev.gatehouse.it.support.RawHttpResponse;
import dev.gatehouse.it.support.Uwsgi;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code JwsgiHello} (the JWSGI demo used by the benchmark) under real uWSGI behind nginx. */
class UwsgiJwsgiHelloTest {

    @Test
    void helloAndEchoWork() {
        try (Uwsgi uwsgi = Uwsgi.builder()
                        .jwsgi(DemoAppClasspath.entry(), "dev.gatehouse.demo.jwsgi.JwsgiHello:application")
                        .processes(2)
                        .start();
                Nginx nginx = Nginx.builder().server(Nginx.uwsgiLocation("/", uwsgi.uwsgiPass(), 8)).start()) {
            RawHttpResponse hello = RawHttpClient.get(nginx.port(), "/hello");
            assertEquals(200, hello.status(), () -> hello + "\n" + uwsgi.diagnostics());
            assertEquals("text/plain", hello.header("Content-Type").orElseThrow());
            assertEquals("Hello, World!", hello.bodyText());

            byte[] body = "name=\"q\"\n\\tab\t".getBytes(StandardCharsets.UTF_8);
            RawHttpResponse echo = RawHttpClient.request(nginx.port(), "POST", "/echo?x=1&y=%22",
                    List.of("X-Quote: say \"hi\"", "Content-Type: text/plain"), body);
            assertEquals(200, echo.status(), () -> echo + "\n" + uwsgi.diagnostics());
            assertEquals("application/json", echo.header("Content-Type").orElseThrow());
            String json = echo.bodyText();
            assertTrue(json.startsWith("{\"method\":\"POST\",\"uri\":\"/echo?x=1&y=%22\",\"path\":\"/echo\","
                    + "\"query\":\"x=1&y=%22\",\"vars\":[["), json);
            // Sorted by key, String values only (jwsgi.input is not a String), escaped.
            assertTrue(json.contains("[\"CONTENT_LENGTH\",\"" + body.length + "\"],[\"CONTENT_TYPE\",\"text/plain\"]"),
                    json);
            assertTrue(json.contains("[\"HTTP_X_QUOTE\",\"say \\\"hi\\\"\"]"), json);
            assertTrue(!json.contains("jwsgi.input"), json);
            assertTrue(json.endsWith("],\"body_length\":" + body.length + ",\"body_sha256\":\""
                    + NormalizedResponse.sha256Hex(body) + "\"}"), json);

            assertEquals(404, RawHttpClient.get(nginx.port(), "/nope").status());
        }
    }
}
