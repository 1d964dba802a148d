package dev.gatehouse.it.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gatehouse.demo.DemoBytes;
import dev.gatehouse.it.support.FreePort;
import dev.gatehouse.it.support.FrontComparison;
import dev.gatehouse.it.support.GatehouseAppServer;
import dev.gatehouse.it.support.GatehouseProxy;
import dev.gatehouse.it.support.Nginx;
import dev.gatehouse.it.support.RequestShape;
import dev.gatehouse.it.support.ResourceStack;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The Gatehouse proxy in front of the Gatehouse app-server (master and 2 workers, demo app), with
 * real nginx in front of the same app-server for comparison: the same vars for every captured
 * request shape, large bodies byte-exact through a 64 MiB proxy heap (Content-Length and chunked
 * downloads), and persistent upstream connections visible in the app-server's stats.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 300, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ProxyInFrontOfAppServerTest {

    private static final long MIB = 1024 * 1024;
    private static final Pattern PAIR = Pattern.compile("\\[\"((?:[^\"\\\\]++|\\\\.)*+)\",\"((?:[^\"\\\\]++|\\\\.)*+)\"\\]");

    private final ResourceStack processes = new ResourceStack();
    private GatehouseAppServer app;
    private Nginx nginx;
    private GatehouseProxy proxy;
    private int statsPort;

    @BeforeAll
    void start() {
        statsPort = FreePort.pick();
        app = processes.push(GatehouseAppServer.builder()
                .app("dev.gatehouse.demo.DemoApp")
                .workers(2)
                .args("--stats", "127.0.0.1:" + statsPort, "--set", "jvm_options=-Xmx64m -XX:+UseSerialGC")
                .startTimeout(Duration.ofSeconds(90))
                .start());
        SideBySideFronts fronts = SideBySideFronts.start(processes, app.uwsgiPass(), "/echo/stream/");
        nginx = fronts.nginx();
        proxy = fronts.proxy();
    }

    @AfterAll
    void stop() {
        processes.close();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.gatehouse.it.proxy.SideBySideFronts#bodyShapes")
    void varsAreTheSameBehindGatehouseAsBehindNginx(RequestShape shape) {
        String viaNginx = Transfers.bodyOf(nginx.port(), shape, "/echo");
        String viaProxy = Transfers.bodyOf(proxy.port(), shape, "/echo");
        assertTrue(viaNginx.startsWith("{\"method\":\"" + shape.method()), () -> viaNginx + nginx.diagnostics());
        assertEquals(vars(viaNginx), vars(viaProxy), () -> shape + "\n" + viaProxy + "\n" + proxy.diagnostics());
        assertEquals(after(viaNginx, "\"body_length\""), after(viaProxy, "\"body_length\""), shape::toString);
    }

    /** The echoed vars, less the ones that differ by nature (see {@link FrontComparison}). */
    private static List<String> vars(String echo) {
        int start = echo.indexOf("\"vars\":[");
        int end = echo.indexOf("],\"body_length\"");
        Matcher m = PAIR.matcher(echo.substring(start, end + 1));
        List<String> out = new ArrayList<>();
        while (m.find()) {
            out.add(m.group(1) + "=" + m.group(2));
        }
        return FrontComparison.comparable(out);
    }

    private static String after(String echo, String field) {
        String s = echo.substring(echo.indexOf(field));
        return s.substring(0, s.indexOf(",\"worker_pid\""));
    }

    @Test
    void keepAliveUpstreamConnectionsAreReused() throws Exception {
        long[] before = stats();
        int requests = 300;
        try (Socket s = new Socket("127.0.0.1", proxy.port())) {
            s.setSoTimeout(30_000);
            OutputStream out = s.getOutputStream();
            InputStream in = s.getInputStream();
            for (int i = 0; i < requests; i++) {
                out.write("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                String head = readHead(in);
                assertTrue(head.startsWith("HTTP/1.1 200 "), head);
                int cl = Integer.parseInt(head.replaceAll("(?s).*\r\n[Cc]ontent-[Ll]ength: (\\d+).*", "$1"));
                assertEquals("Hello, World!", new String(in.readNBytes(cl), StandardCharsets.US_ASCII));
            }
        }
        long[] after = before;
        for (int i = 0; i < 100 && after[0] - before[0] < requests; i++) {
            Thread.sleep(200);
            after = stats();
        }
        long served = after[0] - before[0];
        long connections = after[1] - before[1];
        assertTrue(served >= requests, "requests counted: " + served);
        // One client connection, one proxy event loop: a handful of upstream connections at most.
        assertTrue(connections <= 4, connections + " upstream connections for " + served + " requests");
    }

    /** {requests, connections} summed over the workers. */
    private long[] stats() throws IOException {
        String json;
        try (Socket s = new Socket("127.0.0.1", statsPort)) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write("GET / HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            json = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        }
        return new long[] {sum(json, "requests"), sum(json, "connections")};
    }

    private static long sum(String json, String field) {
        Matcher m = Pattern.compile("\"" + field + "\":(\\d+)").matcher(json);
        long total = 0;
        while (m.find()) {
            total += Long.parseLong(m.group(1));
        }
        return total;
    }

    private static String readHead(InputStream in) throws IOException {
        StringBuilder b = new StringBuilder();
        while (!b.toString().endsWith("\r\n\r\n")) {
            int c = in.read();
            if (c < 0) {
                throw new IOException("closed after " + b);
            }
            b.append((char) c);
        }
        return b.toString();
    }

    @Test
    void hundredMebibyteUploadIsByteExactBufferedAndStreamed() throws Exception {
        long n = 100 * MIB;
        String sha = Transfers.sha256(Transfers.pattern(n));
        HttpResponse<String> buffered = Transfers.upload(proxy.port(), "/upload", n);
        assertEquals(200, buffered.statusCode(), () -> buffered.body() + proxy.diagnostics());
        assertEquals("{\"length\":" + n + ",\"sha256\":\"" + sha + "\"}", buffered.body());
        // The echo under /echo/stream/ is forwarded with request_buffering = false.
        HttpResponse<String> streamed = Transfers.upload(proxy.port(), "/echo/stream/up", n);
        assertEquals(200, streamed.statusCode(), () -> streamed.body() + proxy.diagnostics());
        assertTrue(streamed.body().contains("\"body_length\":" + n + ",\"body_sha256\":\"" + sha + "\""),
                streamed::body);
    }

    @Test
    void oneGibibyteDownloadsAreByteExactWithLengthAndChunked() throws Exception {
        long n = 1024 * MIB;
        String expected = "200 " + Transfers.sha256(DemoBytes.stream(n));
        assertEquals(expected, Transfers.download(proxy.port(), "/bytes?n=" + n), proxy::diagnostics);
        assertEquals(expected, Transfers.download(proxy.port(), "/stream?n=" + n), proxy::diagnostics);
    }
}
