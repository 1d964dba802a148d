package dev.gatehouse.it.tls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gatehouse.it.support.GatehouseAppServer;
import dev.gatehouse.it.support.GatehouseProxy;
import dev.gatehouse.it.support.PeerBinaries;
import dev.gatehouse.it.support.ResourceStack;
import dev.gatehouse.it.support.ScratchDir;
import dev.gatehouse.it.support.UnixSignal;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The proxy's TLS listener with real clients: curl over TLS 1.2 and 1.3, HTTP/1.1 and HTTP/2,
 * for static files (ranges included) and app responses from the Gatehouse app-server; nghttp with
 * 100 streams on one connection; openssl s_client for the certificate of each SNI name; and a
 * certificate swap with HUP while a connection stays open.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 300, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class TlsEdgeTest {

    private final ResourceStack processes = new ResourceStack();
    private ScratchDir certs;
    private Path www;
    private byte[] big;
    private GatehouseProxy proxy;

    @BeforeAll
    void start() throws IOException {
        PeerBinaries.curl();
        PeerBinaries.nghttp();
        PeerBinaries.openssl();
        certs = processes.push(ScratchDir.create("certs"));
        certificate("localhost", "localhost");
        certificate("b.test", "b.test");
        certificate("w.test", "*.w.test");
        ScratchDir files = processes.push(ScratchDir.create("www"));
        www = files.path();
        files.write("1k.bin", new byte[1024]);
        big = new byte[3 * 1024 * 1024 + 5];
        new Random(1).nextBytes(big);
        files.write("big.bin", big);
        GatehouseAppServer app = processes.push(GatehouseAppServer.builder()
                .app("dev.gatehouse.demo.DemoApp")
                .workers(1)
                .args("--set", "jvm_options=-Xmx64m -XX:+UseSerialGC")
                .startTimeout(Duration.ofSeconds(90))
                .start());
        proxy = processes.push(GatehouseProxy.builder()
                .jvmArgs("-Xmx64m", "-XX:+UseSerialGC")
                .tls(certs.resolve("localhost.pem"), certs.resolve("localhost.key"),
                        "certificates[0].server_names=b.test", "certificates[0].certificate=" + certs.resolve("b.test.pem"),
                        "certificates[0].private_key=" + certs.resolve("b.test.key"),
                        "certificates[1].server_names=*.w.test", "certificates[1].certificate=" + certs.resolve("w.test.pem"),
                        "certificates[1].private_key=" + certs.resolve("w.test.key"))
                .toml("""
                        access_log = "off"
                        strict_transport_security = "max-age=600"
                        [upstream.app]
                        servers = ["%1$s"]
                        [[location]]
                        path = "/"
                        root = "%2$s"
                        [[location]]
                        path = "/echo"
                        upstream = "app"
                        """.formatted(app.uwsgiPass(), www))
                .start());
    }

    @AfterAll
    void stop() {
        processes.close();
    }

    private void certificate(String cn, String dns) {
        certificate(certs.path(), cn, dns);
    }

    private static void certificate(Path dir, String cn, String dns) {
        String file = cn.replace('*', '_');
        Result r = run(PeerBinaries.openssl().toString(), "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                "-subj", "/CN=" + cn, "-addext", "subjectAltName=DNS:" + dns + ",IP:127.0.0.1",
                "-keyout", dir.resolve(file + ".key").toString(), "-out", dir.resolve(file + ".pem").toString());
        assertEquals(0, r.exit(), r.output());
    }

    record Result(int exit, String output) {
    }

    private static Result run(String... command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(
                    new java.io.File("/dev/null"))).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException(String.join(" ", command) + " did not finish");
            }
            return new Result(p.exitValue(), out);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private String url(String path) {
        return "https://localhost:" + proxy.tlsPort() + path;
    }

    /** curl with the certificate as CA (a real verification, not -k), these flags, writing the body to a file. */
    private Result curl(Path body, String... flags) {
        List<String> c = new ArrayList<>(List.of(PeerBinaries.curl().toString(), "-sS", "-v", "--cacert",
                certs.resolve("localhost.pem").toString(), "-o", body.toString(), "-w", "%{http_version} %{http_code}\\n"));
        c.addAll(List.of(flags));
        return run(c.toArray(String[]::new));
    }

    static Stream<Arguments> versionsAndProtocols() {
        return Stream.of(
                Arguments.of(new String[] {"--tlsv1.2", "--tls-max", "1.2"}, "TLSv1.2", "--http1.1", "1.1"),
                Arguments.of(new String[] {"--tlsv1.2", "--tls-max", "1.2"}, "TLSv1.2", "--http2", "2"),
                Arguments.of(new String[] {"--tlsv1.3"}, "TLSv1.3", "--http1.1", "1.1"),
                Arguments.of(new String[] {"--tlsv1.3"}, "TLSv1.3", "--http2", "2"));
    }

    @ParameterizedTest(name = "{1} {2}")
    @MethodSource("versionsAndProtocols")
    void curlGetsStaticFilesRangesAndAppResponses(String[] tls, String tlsName, String protocol, String version)
            throws IOException {
        Path body = certs.resolve("body-" + tlsName + protocol);
        List<String> base = new ArrayList<>(Arrays.asList(tls));
        base.add(protocol);

        Result whole = curl(body, concat(base, url("/big.bin")));
        assertTrue(whole.output().contains("SSL connection using " + tlsName), whole.output());
        assertTrue(whole.output().contains(version + " 200"), whole.output());
        assertArrayEquals(big, Files.readAllBytes(body));
        assertTrue(whole.output().toLowerCase().contains("strict-transport-security: max-age=600"), whole.output());

        Result range = curl(body, concat(base, "-r", "1000-1999", url("/big.bin")));
        assertTrue(range.output().contains(version + " 206"), range.output());
        assertArrayEquals(Arrays.copyOfRange(big, 1000, 2000), Files.readAllBytes(body));

        Result app = curl(body, concat(base, url("/echo?x=1")));
        assertTrue(app.output().contains(version + " 200"), app.output());
        String json = Files.readString(body);
        assertTrue(json.contains("[\"HTTPS\",\"on\"]"), json);
        assertTrue(json.contains("[\"REQUEST_SCHEME\",\"https\"]"), json);
        assertTrue(json.contains("[\"SERVER_PROTOCOL\",\"HTTP/" + (version.equals("2") ? "2.0" : "1.1") + "\"]"), json);
    }

    private static String[] concat(List<String> base, String... more) {
        List<String> all = new ArrayList<>(base);
        all.addAll(List.of(more));
        return all.toArray(String[]::new);
    }

    @Test
    void nghttpMultiplexes100StreamsOnOneConnection() {
        Result r = run(PeerBinaries.nghttp().toString(), "-nv", "-m", "100", url("/1k.bin"));
        assertEquals(0, r.exit(), r.output());
        Matcher connected = Pattern.compile("\\] Connected").matcher(r.output());
        int connections = 0;
        while (connected.find()) {
            connections++;
        }
        assertEquals(1, connections, r.output());
        Matcher ok = Pattern.compile("recv \\(stream_id=(\\d+)\\) :status: 200").matcher(r.output());
        java.util.Set<String> streams = new java.util.HashSet<>();
        while (ok.find()) {
            streams.add(ok.group(1));
        }
        assertEquals(100, streams.size(), "100 streams answered 200 on the one connection");
        assertTrue(r.output().contains("h2"), r.output());
    }

    private String servedSubject(String serverName) {
        Result r = run(PeerBinaries.openssl().toString(), "s_client", "-connect", "127.0.0.1:" + proxy.tlsPort(),
                "-servername", serverName);
        Matcher m = Pattern.compile("(?m)^subject=(.*)$").matcher(r.output());
        assertTrue(m.find(), r.output());
        return m.group(1).trim();
    }

    @Test
    void opensslSeesTheCertificateOfEachSniName() {
        assertEquals("CN = b.test", servedSubject("b.test"));
        assertEquals("CN = w.test", servedSubject("api.w.test"));
        assertEquals("CN = localhost", servedSubject("localhost"));
        assertEquals("CN = localhost", servedSubject("unknown.example"));
    }

    @Test
    void aFailedHandshakeIsOneLogLine() throws IOException {
        try (java.net.Socket s = new java.net.Socket("127.0.0.1", proxy.tlsPort())) {
            s.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            s.setSoTimeout(5000);
            assertEquals(-1, s.getInputStream().read());
        }
        proxy.awaitLog("the handshake failure line", l -> l.contains("TLS handshake failed"), Duration.ofSeconds(60));
        String line = proxy.log().lines().filter(l -> l.contains("TLS handshake failed")).findFirst().orElseThrow();
        assertTrue(line.contains("127.0.0.1"), line);
        assertFalse(proxy.log().contains("\tat io.netty"), "no stack trace:\n" + proxy.log());
    }

    @Test
    void certificateSwapAndHupServeNewHandshakesAndKeepOpenConnections() throws Exception {
        try (SSLSocket old = connect()) {
            assertTrue(get(old, "/1k.bin").startsWith("HTTP/1.1 200"));
            String before = old.getSession().getPeerCertificates()[0].toString();
            Path next = Files.createDirectories(certs.resolve("next"));
            certificate(next, "b.test", "b.test");
            Files.copy(next.resolve("b.test.pem"), certs.resolve("b.test.pem"), StandardCopyOption.REPLACE_EXISTING);
            Files.copy(next.resolve("b.test.key"), certs.resolve("b.test.key"), StandardCopyOption.REPLACE_EXISTING);
            String oldSerial = serial("b.test");
            assertTrue(UnixSignal.send(proxy.pid(), "HUP"));
            proxy.awaitLog("the reload", l -> l.contains("reloaded:"), Duration.ofSeconds(20));
            String newSerial = serial("b.test");
            assertFalse(oldSerial.equals(newSerial), "a new handshake gets the new certificate");
            assertEquals(fingerprint(next.resolve("b.test.pem")), newSerial);
            assertTrue(get(old, "/1k.bin").startsWith("HTTP/1.1 200"), "the open connection lives on");
            assertEquals(before, old.getSession().getPeerCertificates()[0].toString());
        }
    }

    private String serial(String serverName) {
        Result r = run("sh", "-c", PeerBinaries.openssl() + " s_client -connect 127.0.0.1:" + proxy.tlsPort()
                + " -servername " + serverName + " </dev/null 2>/dev/null | " + PeerBinaries.openssl()
                + " x509 -noout -fingerprint -sha256");
        assertEquals(0, r.exit(), r.output());
        return r.output().trim();
    }

    private static String fingerprint(Path pem) {
        Result r = run(PeerBinaries.openssl().toString(), "x509", "-in", pem.toString(), "-noout", "-fingerprint",
                "-sha256");
        return r.output().trim();
    }

    private SSLSocket connect() throws Exception {
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, new TrustManager[] {new X509TrustManager() {
            @Override
            public void checkClientTrusted(java.security.cert.X509Certificate[] c, String a) {
            }

            @Override
            public void checkServerTrusted(java.security.cert.X509Certificate[] c, String a) {
            }

            @Override
            public java.security.cert.X509Certificate[] getAcceptedIssuers() {
                return new java.security.cert.X509Certificate[0];
            }
        }}, null);
        SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", proxy.tlsPort());
        javax.net.ssl.SSLParameters p = s.getSSLParameters();
        p.setServerNames(List.of(new javax.net.ssl.SNIHostName("b.test")));
        s.setSSLParameters(p);
        s.setSoTimeout(10_000);
        s.startHandshake();
        return s;
    }

    private static String get(SSLSocket s, String path) throws IOException {
        s.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: b.test\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        InputStream in = s.getInputStream();
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("closed after " + head);
            }
            head.append((char) b);
        }
        Matcher m = Pattern.compile("(?i)content-length: (\\d+)").matcher(head);
        if (m.find()) {
            in.readNBytes(Integer.parseInt(m.group(1)));
        }
        return head.toString();
    }
}
