package dev.gatehouse.it.support;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The {@link Uwsgi} fixture with the python3 plugin, behind the {@link Nginx} fixture. */
class UwsgiWsgiFixtureTest {

    /**
     * Returns every str-valued environ entry as {@code key=value} lines (sorted), then the body
     * it read. Lines, not JSON: the test has no JSON library, and no var value holds a newline.
     */
    private static final String ECHO_APP = """
            def application(environ, start_response):
                body = environ['wsgi.input'].read()
                lines = sorted('%s=%s' % (k, v) for k, v in environ.items() if isinstance(v, str))
                out = ('\\n'.join(lines) + '\\n--body--\\n').encode('latin-1') + body
                start_response('200 OK', [('Content-Type', 'text/plain'),
                                          ('Content-Length', str(len(out)))])
                return [out]
            """;

    @Test
    void wsgiAppBehindNginxSeesTheRequestAsNginxSendsIt() {
        try (Uwsgi uwsgi = Uwsgi.builder().wsgi("echo.py", ECHO_APP).processes(2).start();
                Nginx nginx = Nginx.builder().server(Nginx.uwsgiLocation("/", uwsgi.uwsgiPass(), 0)).start()) {
            RawHttpResponse response = RawHttpClient.request(nginx.port(), "POST", "/dump/a%20b?x=1&y=%2F",
                    List.of("X-Test: yes", "Content-Type: text/plain"), "hello".getBytes(StandardCharsets.US_ASCII));

            assertEquals(200, response.status(), () -> response + "\n" + uwsgi.diagnostics() + nginx.diagnostics());
            String text = response.bodyText();
            Map<String, String> environ = parse(text.substring(0, text.indexOf("--body--\n")));
            assertEquals("POST", environ.get("REQUEST_METHOD"));
            // nginx sends $document_uri: percent-decoded, no query.
            assertEquals("/dump/a b", environ.get("PATH_INFO"));
            assertEquals("/dump/a%20b?x=1&y=%2F", environ.get("REQUEST_URI"));
            assertEquals("x=1&y=%2F", environ.get("QUERY_STRING"));
            assertEquals("5", environ.get("CONTENT_LENGTH"));
            assertEquals("text/plain", environ.get("CONTENT_TYPE"));
            assertEquals("yes", environ.get("HTTP_X_TEST"));
            // Debian's uwsgi_params sends HTTP_HOST as $host: lower-case, no port.
            assertEquals("127.0.0.1", environ.get("HTTP_HOST"));
            assertEquals(Integer.toString(nginx.port()), environ.get("SERVER_PORT"));
            assertEquals("hello", text.substring(text.indexOf("--body--\n") + 9));
            // uWSGI logs the request once it has answered and closed: wait for the line.
            uwsgi.awaitLog("uWSGI's request log line", log -> log.contains("POST /dump/a%20b?x=1&y=%2F => generated"),
                    Duration.ofSeconds(30));
        }
    }

    @Test
    void closeStopsTheMasterAndItsWorkers() {
        Uwsgi uwsgi = Uwsgi.builder().wsgi("echo.py", ECHO_APP).processes(2).start();
        ProcessHandle master = ProcessHandle.of(uwsgi.pid()).orElseThrow();
        List<ProcessHandle> workers = master.children().toList();
        assertEquals(2, workers.size(), uwsgi::diagnostics);
        uwsgi.close();
        assertFalse(master.isAlive(), "uWSGI master still running");
        workers.forEach(w -> assertFalse(w.isAlive(), "uWSGI worker " + w.pid() + " still running"));
    }

    @Test
    void failsWithTheLogWhenTheAppCannotLoad() {
        // close() only runs if start() wrongly succeeds.
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> Uwsgi.builder().wsgi("broken.py", "import no_such_module\n").start().close());
        assertTrue(e.getMessage().contains("ModuleNotFoundError: No module named 'no_such_module'"), e.getMessage());
    }

    @Test
    void failsFastWhenTheJwsgiClassIsMissing() {
        long started = System.nanoTime();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Uwsgi.builder()
                .jwsgi(DemoAppClasspath.entry(), "dev.gatehouse.demo.jwsgi.NoSuchApp:application")
                .start().close());
        assertTrue(e.getMessage().contains("NoClassDefFoundError"), e.getMessage());
        // The worker's death is the answer; waiting out the 120 s start bound would hide it.
        assertTrue(Duration.ofNanos(System.nanoTime() - started).compareTo(Duration.ofSeconds(60)) < 0,
                "took the full start bound");
    }

    private static Map<String, String> parse(String lines) {
        Map<String, String> environ = new LinkedHashMap<>();
        for (String line : lines.split("\n")) {
            int eq = line.indexOf('=');
            environ.put(line.substring(0, eq), line.substring(eq + 1));
        }
        return environ;
    }
}
