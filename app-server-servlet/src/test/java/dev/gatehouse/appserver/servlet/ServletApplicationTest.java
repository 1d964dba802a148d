package dev.gatehouse.appserver.servlet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gatehouse.appserver.api.Body;
import dev.gatehouse.appserver.api.Response;
import dev.gatehouse.appserver.api.WorkerContext;
import dev.gatehouse.appserver.worker.AppLoader;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The servlet engine fed requests from vars, in process: no worker, no sockets. */
class ServletApplicationTest {

    @TempDir
    Path dir;

    private ServletApplication app;

    private ServletApplication deploy(String contextPath) throws Exception {
        Path webapp = dir.resolve("webapp");
        Files.createDirectories(webapp.resolve("WEB-INF"));
        Files.writeString(webapp.resolve("WEB-INF/web.xml"), """
                <web-app xmlns="https://jakarta.ee/xml/ns/jakartaee" version="6.1">
                  <servlet><servlet-name>echo</servlet-name>
                    <servlet-class>dev.gatehouse.appserver.servlet.EchoServlet</servlet-class></servlet>
                  <servlet-mapping><servlet-name>echo</servlet-name><url-pattern>/echo/*</url-pattern></servlet-mapping>
                </web-app>
                """);
        Files.writeString(webapp.resolve("index.html"), "<p>static</p>\n");
        Map<String, String> settings = new HashMap<>();
        settings.put("war", webapp.toString());
        settings.put("context_path", contextPath);
        settings.put("session_store", "file");
        settings.put("session_dir", dir.resolve("sessions").toString());
        settings.put("temp_dir", dir.resolve("tmp").toString());
        ServletApplication a = new ServletApplication(getClass().getClassLoader());
        a.start(new WorkerContext(1, ProcessHandle.current().pid(), settings));
        return a;
    }

    @AfterEach
    void stop() throws Exception {
        if (app != null) {
            app.stop();
        }
    }

    private static String text(Response r) throws IOException {
        return new String(bytes(r), StandardCharsets.UTF_8);
    }

    private static byte[] bytes(Response r) throws IOException {
        return switch (r.body()) {
            case Body.Empty e -> new byte[0];
            case Body.Bytes b -> b.bytes();
            case Body.Stream s -> {
                try (InputStream in = s.stream()) {
                    yield in.readAllBytes();
                }
            }
            default -> throw new AssertionError("unexpected body " + r.body());
        };
    }

    @Test
    void requestIsBuiltFromTheVars() throws Exception {
        app = deploy("/shop");
        Response r = app.handle(new VarsTestRequest("POST", "/shop/echo/a%20b?x=1&y=2", "hello".getBytes(),
                "HTTP_USER_AGENT", "curl/8", "HTTPS", "on", "REQUEST_SCHEME", "https"));
        assertEquals(200, r.status());
        assertEquals("5", r.header("X-Body-Length"));
        assertEquals("POST /shop/echo/a%20b q=x=1&y=2 scheme=https secure=true server=app.example:8080"
                + " remote=192.0.2.7:40000 ua=curl/8 ctx=/shop body=hello", text(r));
        assertEquals(null, r.header("Server"));
        assertEquals(null, r.header("Date"));
    }

    @Test
    void staticFileAndWelcomeFileAndNotFound() throws Exception {
        app = deploy("/");
        Response index = app.handle(new VarsTestRequest("GET", "/", new byte[0]));
        assertEquals(200, index.status());
        assertEquals("<p>static</p>\n", text(index));
        assertEquals(404, app.handle(new VarsTestRequest("GET", "/nothing-here", new byte[0])).status());
    }

    @Test
    void largeBodyStreamsThroughThePipe() throws Exception {
        app = deploy("/");
        Response r = app.handle(new VarsTestRequest("GET", "/echo?big=5000000", new byte[0]));
        assertEquals(200, r.status());
        assertTrue(r.body() instanceof Body.Stream, r.body().toString());
        byte[] b = bytes(r);
        assertEquals(5_000_000, b.length);
        assertEquals((byte) 200, b[200]);
    }

    @Test
    void headHasTheLengthAndNoBody() throws Exception {
        app = deploy("/");
        Response r = app.handle(new VarsTestRequest("HEAD", "/", new byte[0]));
        assertEquals(200, r.status());
        assertEquals("14", r.header("Content-Length"));
        assertEquals(0, bytes(r).length);
    }

    @Test
    void sessionCountsAcrossTwoEnginesSharingTheStore() throws Exception {
        app = deploy("/");
        Response first = app.handle(new VarsTestRequest("GET", "/echo?count", new byte[0]));
        assertEquals("1", text(first));
        String cookie = first.header("Set-Cookie");
        assertNotNull(cookie);
        String sid = cookie.substring(0, cookie.indexOf(';'));
        // A second engine on the same session directory: another worker.
        ServletApplication other = deploy("/");
        try {
            // Back and forth, each answer read before the next request, as a client does: a
            // write left over from one engine's request must never undo the other's.
            for (int n = 2; n <= 40; n++) {
                ServletApplication next = n % 2 == 0 ? other : app;
                assertEquals(Integer.toString(n),
                        text(next.handle(new VarsTestRequest("GET", "/echo?count", new byte[0], "HTTP_COOKIE", sid))));
            }
        } finally {
            other.stop();
        }
    }

    @Test
    void missingWarFailsTheBootWithOneLine() {
        ServletApplication a = new ServletApplication(getClass().getClassLoader());
        AppLoader.AppLoadException e = assertThrows(AppLoader.AppLoadException.class, () -> a.start(new WorkerContext(1, 1,
                Map.of("war", dir.resolve("missing.war").toString(), "session_dir", dir.toString()))));
        assertEquals("war " + dir.resolve("missing.war") + " does not exist", e.getMessage());
    }
}
