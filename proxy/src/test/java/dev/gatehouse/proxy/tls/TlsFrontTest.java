package dev.gatehouse.proxy.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gatehouse.conf.proxy.ProxyConfig;
import dev.gatehouse.proxy.support.H2Client;
import dev.gatehouse.proxy.support.RawClient;
import dev.gatehouse.proxy.support.TestCertificates;
import dev.gatehouse.proxy.support.TestProxy;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** TLS listeners: certificates by SNI, protocols, ALPN, HSTS, the https redirect, reload. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TlsFrontTest {

    @TempDir
    Path dir;
    private TestProxy proxy;
    private TestCertificates.Pair main;
    private TestCertificates.Pair api;
    private TestCertificates.Pair wild;
    private String toml;

    @BeforeEach
    void certificates() throws IOException {
        main = TestCertificates.make(dir, "localhost", "localhost");
        api = TestCertificates.make(dir, "api.test", "api.test");
        wild = TestCertificates.make(dir, "w.test", "*.w.test");
        Files.writeString(dir.resolve("a.txt"), "tls file\n");
    }

    @AfterEach
    void stop() {
        if (proxy != null) {
            proxy.close();
        }
    }

    private void start(String listenerExtra, String topExtra) {
        toml = """
                %s
                [[listen]]
                address = "127.0.0.1:@PORT@"
                tls = true
                certificate = "%s"
                private_key = "%s"
                %s
                [[listen.certificates]]
                server_names = ["api.test"]
                certificate = "%s"
                private_key = "%s"
                [[listen.certificates]]
                server_names = ["*.w.test"]
                certificate = "%s"
                private_key = "%s"
                [[location]]
                path = "/"
                root = "%s"
                """.formatted(topExtra, main.certificate(), main.key(), listenerExtra, api.certificate(), api.key(),
                wild.certificate(), wild.key(), dir);
        proxy = TestProxy.startListening(toml, null);
    }

    private static String get(SSLSocket s, String path) throws IOException {
        s.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: localhost\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        InputStream in = s.getInputStream();
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("closed after " + head);
            }
            head.append((char) b);
        }
        int length = Integer.parseInt(head.toString().replaceAll("(?s).*content-length: (\\d+).*", "$1"));
        in.readNBytes(length);
        return head.toString();
    }

    @Test
    void choosesTheCertificateBySniNameAndTheDefaultOtherwise() {
        start("", "");
        assertEquals("api.test", cn("api.test"));
        assertEquals("w.test", cn("x.w.test"));
        assertEquals("w.test", cn("X.W.TEST"));
        assertEquals("localhost", cn("other.test"));
        assertEquals("localhost", cn("w.test")); // *.w.test covers one label in front, not the bare name
        assertEquals("localhost", cn(null));
    }

    private String cn(String sni) {
        try (SSLSocket s = TestCertificates.connect(proxy.port, sni, "http/1.1")) {
            return TestCertificates.peerCommonName(s);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void speaksTls12AndTls13() throws IOException {
        start("", "");
        for (String protocol : new String[] {"TLSv1.2", "TLSv1.3"}) {
            try (SSLSocket s = TestCertificates.connect(proxy.port, "localhost", new String[] {protocol}, "http/1.1")) {
                assertEquals(protocol, s.getSession().getProtocol());
                assertTrue(get(s, "/a.txt").startsWith("HTTP/1.1 200 OK"));
            }
        }
    }

    @Test
    void alpnChoosesH2ThenHttp11AndNeverH2WhenHttp2IsOff() throws IOException {
        start("", "");
        try (SSLSocket s = TestCertificates.connect(proxy.port, "localhost", "h2", "http/1.1")) {
            assertEquals("h2", s.getApplicationProtocol());
        }
        try (SSLSocket s = TestCertificates.connect(proxy.port, "localhost", "http/1.1")) {
            assertEquals("http/1.1", s.getApplicationProtocol());
        }
        proxy.close();
        start("http2 = false", "");
        try (SSLSocket s = TestCertificates.connect(proxy.port, "localhost", "h2", "http/1.1")) {
            assertEquals("http/1.1", s.getApplicationProtocol());
            assertTrue(get(s, "/a.txt").startsWith("HTTP/1.1 200 OK"));
        }
    }

    @Test
    void http2OverTlsAnswersAFrameOnAClosedStreamWithGoAwayStreamClosed() throws IOException {
        // The conformance cases run on cleartext h2 (Http2ConformanceTest); ALPN's h2 gets the same codec.
        start("", "");
        try (H2Client c = new H2Client(TestCertificates.connect(proxy.port, "localhost", "h2"))) {
            c.headers(1, H2Client.get("/a.txt"), true);
            assertEquals(200, c.response(1).status());
            c.data(1, "late".getBytes(StandardCharsets.US_ASCII), true);
            H2Client.Frame f = c.awaitResetOrGoAway();
            assertEquals(H2Client.GOAWAY, f.type());
            assertEquals(0x5, f.errorCode(), "STREAM_CLOSED");
        }
    }

    @Test
    void addsStrictTransportSecurityOverTls() throws IOException {
        start("", "strict_transport_security = \"max-age=63072000; includeSubDomains\"");
        try (SSLSocket s = TestCertificates.connect(proxy.port, "localhost", "http/1.1")) {
            assertTrue(get(s, "/a.txt").contains("\r\nStrict-Transport-Security: max-age=63072000; includeSubDomains\r\n"));
            assertTrue(get(s, "/missing").contains("\r\nStrict-Transport-Security: "), "error pages too");
        }
    }

    @Test
    void cleartextToTheTlsPortIsClosedNotLeftHanging() throws IOException {
        start("", "");
        try (Socket s = new Socket("127.0.0.1", proxy.port)) {
            s.setSoTimeout(5000);
            s.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            assertEquals(-1, s.getInputStream().read());
        }
    }

    @Test
    void reloadGivesNewHandshakesTheNewCertificateAndKeepsOpenConnections() throws IOException {
        start("", "");
        try (SSLSocket old = TestCertificates.connect(proxy.port, "localhost", "http/1.1")) {
            assertTrue(get(old, "/a.txt").startsWith("HTTP/1.1 200 OK"));
            Path fresh = Files.createDirectories(dir.resolve("fresh"));
            TestCertificates.Pair renewed = TestCertificates.make(fresh, "renewed", "localhost");
            Files.copy(renewed.certificate(), main.certificate(), StandardCopyOption.REPLACE_EXISTING);
            Files.copy(renewed.key(), main.key(), StandardCopyOption.REPLACE_EXISTING);
            proxy.server.reload(ProxyConfig.fromToml(toml.replace("@PORT@", Integer.toString(proxy.port)), "test.toml",
                    Map.of("access_log", "off")));
            assertEquals("renewed", cn("localhost"));
            assertEquals("api.test", cn("api.test"));
            assertEquals("localhost", TestCertificates.peerCommonName(old));
            assertTrue(get(old, "/a.txt").startsWith("HTTP/1.1 200 OK"), "the open connection lives on");
        }
    }

    @Test
    void redirectsCleartextToHttpsWithTheConfiguredPort() {
        proxy = TestProxy.startListening("""
                listen = [{ address = "127.0.0.1:@PORT@", redirect_to_https = true, https_port = 8443 }]
                [[location]]
                path = "/"
                root = "%s"
                """.formatted(dir), null);
        try (RawClient c = proxy.client()) {
            RawClient.Response r = c.send("GET /a/b%20c?x=1 HTTP/1.1\r\nHost: Example.com:8080\r\n\r\n").read();
            assertEquals(301, r.status());
            assertEquals("https://example.com:8443/a/b%20c?x=1", r.header("location"));
            assertEquals("close", r.header("connection"));
            assertNull(r.header("strict-transport-security"));
        }
    }
}
