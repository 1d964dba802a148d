package dev.gatehouse.proxy.upstream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.gatehouse.proxy.support.H2Client;
import dev.gatehouse.proxy.support.TestCertificates;
import dev.gatehouse.proxy.support.TestProxy;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The uwsgi vars of requests over TLS and HTTP/2, as nginx sets them. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TlsVarsTest {

    @TempDir
    Path dir;
    private FakeUwsgiServer upstream;
    private TestProxy proxy;

    @AfterEach
    void close() throws Exception {
        if (proxy != null) {
            proxy.close();
        }
        if (upstream != null) {
            upstream.close();
        }
    }

    private static boolean ok(FakeUwsgiServer.Packet p, OutputStream out) throws IOException {
        String body = p.var("REQUEST_METHOD") + " " + p.body().length;
        FakeUwsgiServer.write(out, "HTTP/1.1 200 OK\r\nContent-Length: " + body.length() + "\r\n\r\n" + body);
        return false;
    }

    private void start() throws IOException {
        upstream = new FakeUwsgiServer(TlsVarsTest::ok);
        TestCertificates.Pair cert = TestCertificates.make(dir, "localhost", "localhost");
        proxy = TestProxy.startListening("""
                listen = [{ address = "127.0.0.1:@PORT@", tls = true, certificate = "%s", private_key = "%s" }]
                [upstream.app]
                servers = ["%s"]
                [[location]]
                path = "/"
                upstream = "app"
                """.formatted(cert.certificate(), cert.key(), upstream.address()), UwsgiForwarder.FACTORY);
    }

    private List<String> stockVars() {
        return upstream.packets.get(0).vars().stream()
                .map(e -> e.getKey() + "=" + e.getValue())
                .filter(v -> v.startsWith("SERVER_PROTOCOL=") || v.startsWith("REQUEST_SCHEME=")
                        || v.startsWith("HTTPS=") || v.startsWith("REMOTE_ADDR="))
                .toList();
    }

    @Test
    void http11OverTlsSaysHttpsOnAfterRequestScheme() throws Exception {
        start();
        try (SSLSocket s = TestCertificates.connect(proxy.port, "localhost", "http/1.1")) {
            s.getOutputStream().write("GET /x HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            String response = new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            assertEquals("HTTP/1.1 200 OK", response.substring(0, response.indexOf('\r')));
        }
        assertEquals(List.of("SERVER_PROTOCOL=HTTP/1.1", "REQUEST_SCHEME=https", "HTTPS=on", "REMOTE_ADDR=127.0.0.1"),
                stockVars());
    }

    @Test
    void http2OverTlsSaysHttp20AndForwardsABodyOfUnknownLength() throws Exception {
        start();
        try (SSLSocket s = TestCertificates.connect(proxy.port, "localhost", "h2", "http/1.1");
                H2Client c = new H2Client(s)) {
            assertEquals("h2", s.getApplicationProtocol());
            c.headers(1, H2Client.get("/y").method("POST").scheme("https"), false);
            c.data(1, "hello".getBytes(StandardCharsets.US_ASCII), true);
            H2Client.Response r = c.response(1);
            assertEquals(200, r.status());
            assertEquals("POST 5", new String(r.body(), StandardCharsets.US_ASCII));
        }
        assertEquals(List.of("SERVER_PROTOCOL=HTTP/2.0", "REQUEST_SCHEME=https", "HTTPS=on", "REMOTE_ADDR=127.0.0.1"),
                stockVars());
        assertEquals("5", upstream.packets.get(0).var("CONTENT_LENGTH"));
        assertEquals("localhost", upstream.packets.get(0).var("HTTP_HOST"));
    }

    @Test
    void cleartextHasNoHttpsVar() throws Exception {
        upstream = new FakeUwsgiServer(TlsVarsTest::ok);
        proxy = TestProxy.start("[upstream.app]\nservers = [\"" + upstream.address() + "\"]\n[[location]]\npath = \"/\"\n"
                + "upstream = \"app\"\n", java.util.Map.of(), UwsgiForwarder.FACTORY);
        try (var c = proxy.client()) {
            assertEquals(200, c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n").read().status());
        }
        assertNull(upstream.packets.get(0).var("HTTPS"));
        assertEquals("http", upstream.packets.get(0).var("REQUEST_SCHEME"));
    }
}
