package dev.gatehouse.it.support;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The {@link Nginx} fixture against the real Debian nginx. */
class NginxFixtureTest {

    @Test
    void servesAStaticFileFromItsOwnDirectory() throws Exception {
        try (Nginx nginx = Nginx.builder()
                .file("www/hello.txt", "hello from disk\n")
                .server("root @DIR@/www;")
                .start()) {
            RawHttpResponse raw = RawHttpClient.get(nginx.port(), "/hello.txt");
            assertEquals("HTTP/1.1 200 OK", raw.statusLine(), nginx::diagnostics);
            assertEquals("text/plain", raw.header("Content-Type").orElseThrow());
            assertEquals("16", raw.header("Content-Length").orElseThrow());
            assertEquals("hello from disk\n", raw.bodyText());

            HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
            HttpResponse<String> viaJdk = client.send(HttpRequest.newBuilder(nginx.uri("/missing.txt")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(404, viaJdk.statusCode());

            assertTrue(nginx.accessLog().contains("\"GET /hello.txt HTTP/1.1\" 200 16"), nginx.accessLog());
            assertTrue(nginx.errorLog().contains("open() \"" + nginx.dir() + "/www/missing.txt\" failed"),
                    nginx.errorLog());
        }
    }

    @Test
    void keepsPidLogsAndTempPathsInsideItsDirectory() {
        try (Nginx nginx = Nginx.builder().start()) {
            String config = nginx.config();
            for (String directive : new String[] {"pid", "error_log", "access_log", "client_body_temp_path",
                    "proxy_temp_path", "fastcgi_temp_path", "uwsgi_temp_path", "scgi_temp_path"}) {
                assertTrue(config.contains(directive + " " + nginx.dir() + "/"), directive + " outside "
                        + nginx.dir() + ":\n" + config);
            }
            assertTrue(config.contains("daemon off;") && config.contains("master_process on;"), config);
        }
    }

    @Test
    void failsWithTheErrorLogWhenTheConfigIsBad() {
        // close() only runs if start() wrongly succeeds.
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> Nginx.builder().server("no_such_directive on;").start().close());
        assertTrue(e.getMessage().contains("unknown directive \"no_such_directive\""), e.getMessage());
        assertTrue(e.getMessage().contains("exited with status 1"), e.getMessage());
    }

    @Test
    void closeStopsNginxAndFreesThePort() throws Exception {
        Nginx nginx = Nginx.builder().start();
        int port = nginx.port();
        ProcessHandle master = ProcessHandle.of(nginx.pid()).orElseThrow();
        var workers = master.children().toList();
        assertEquals(1, workers.size(), "nginx workers before close");
        Path dir = nginx.dir();
        nginx.close();

        assertFalse(master.isAlive(), "nginx master still running");
        workers.forEach(w -> assertFalse(w.isAlive(), "nginx worker " + w.pid() + " still running"));
        assertFalse(Files.exists(dir), dir + " not deleted");
        assertThrows(ConnectException.class, () -> {
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", port), 1000);
            } catch (ConnectException expected) {
                throw expected;
            } catch (IOException other) {
                throw new AssertionError("unexpected " + other, other);
            }
        });
    }
}
