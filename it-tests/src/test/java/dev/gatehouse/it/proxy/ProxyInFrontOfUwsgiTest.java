package dev.gatehouse.it.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gatehouse.it.support.FrontComparison;
import dev.gatehouse.it.support.GatehouseProxy;
import dev.gatehouse.it.support.Nginx;
import dev.gatehouse.it.support.RequestShape;
import dev.gatehouse.it.support.ResourceStack;
import dev.gatehouse.it.support.Uwsgi;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The Gatehouse proxy and real nginx side by side in front of one real uWSGI (python3 plugin, a
 * WSGI app that echoes its environ in order): every captured request shape reaches the app with
 * the same environ through either front, less the ports and the Gatehouse extension vars; 100 MiB
 * up and 1 GiB down are byte-exact through a proxy JVM limited to a 64 MiB heap (and so to 64 MiB
 * of direct memory): a proxy holding a body would fail them.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 300, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ProxyInFrontOfUwsgiTest {

    static final long MIB = 1024 * 1024;

    /** Echoes the environ's str values in order, then the body's length and SHA-256; big bodies on request. */
    static final String APP = """
            import hashlib, time
            BLOCK = bytes(range(256)) * 256
            def application(environ, start_response):
                path = environ['PATH_INFO']
                if path == '/download':
                    n = int(environ['QUERY_STRING'])
                    start_response('200 OK', [('Content-Type', 'application/octet-stream')])
                    def gen():
                        for _ in range(n // len(BLOCK)):
                            yield BLOCK
                    return gen()
                if path == '/hang':
                    time.sleep(30)
                inp = environ['wsgi.input']
                h = hashlib.sha256()
                total = 0
                while True:
                    chunk = inp.read(65536)
                    if not chunk:
                        break
                    h.update(chunk)
                    total += len(chunk)
                lines = ['%s=%s' % (k, v) for k, v in environ.items() if isinstance(v, str)]
                out = ('\\n'.join(lines) + '\\n--body-- %d %s' % (total, h.hexdigest())).encode('latin-1')
                start_response('200 OK', [('Content-Type', 'text/plain')])
                return [out]
            """;

    private final ResourceStack processes = new ResourceStack();
    private Uwsgi uwsgi;
    private Nginx nginx;
    private GatehouseProxy proxy;

    @BeforeAll
    void start() {
        uwsgi = processes.push(Uwsgi.builder().wsgi("echo.py", APP).processes(2).startTimeout(Duration.ofSeconds(60))
                .start());
        SideBySideFronts fronts = SideBySideFronts.start(processes, uwsgi.uwsgiPass(), "/stream/",
                "read_timeout = \"3s\"");
        nginx = fronts.nginx();
        proxy = fronts.proxy();
    }

    @AfterAll
    void stop() {
        processes.close();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.gatehouse.it.proxy.SideBySideFronts#bodyShapes")
    void environIsTheSameBehindGatehouseAsBehindNginx(RequestShape shape) {
        String viaNginx = Transfers.bodyOf(nginx.port(), shape, "");
        String viaProxy = Transfers.bodyOf(proxy.port(), shape, "");
        assertTrue(viaNginx.contains("REQUEST_METHOD=" + shape.method()), () -> viaNginx + nginx.diagnostics());
        assertEquals(comparable(viaNginx), comparable(viaProxy), () -> shape + "\n" + proxy.diagnostics());
    }

    /** The echo's lines less the vars that differ by nature (see {@link FrontComparison}). */
    static List<String> comparable(String echo) {
        return FrontComparison.comparable(List.of(echo.split("\n")));
    }

    @Test
    void headGetsTheSameStatusAndNoBody() {
        RequestShape head = RequestShape.withMadeUpPayloads().stream().filter(RequestShape::isHead).findFirst()
                .orElseThrow();
        String response = new String(Transfers.exchangeUntilClose(proxy.port(), head.bytesThenClose(proxy.port(), "")),
                StandardCharsets.ISO_8859_1);
        assertTrue(response.startsWith("HTTP/1.1 200 OK\r\n"), response);
        assertTrue(response.endsWith("\r\n\r\n"), "no body after the head: " + response);
    }

    @Test
    void hundredMebibyteUploadIsByteExactBufferedAndStreamed() throws Exception {
        long n = 100 * MIB;
        String expected = "--body-- " + n + " " + Transfers.sha256(Transfers.pattern(n));
        for (String path : List.of("/up", "/stream/up")) {
            HttpResponse<String> r = Transfers.upload(proxy.port(), path, n);
            assertEquals(200, r.statusCode(), () -> path + ": " + r.body() + proxy.diagnostics());
            assertTrue(r.body().endsWith(expected), () -> path + ": " + r.body().lines().reduce((a, b) -> b).orElse(""));
        }
    }

    @Test
    void oneGibibyteCloseDelimitedDownloadIsByteExact() throws Exception {
        long n = 1024 * MIB;
        String expected = "200 " + Transfers.sha256(Transfers.pattern(n));
        assertEquals(expected, Transfers.download(proxy.port(), "/download?" + n), proxy::diagnostics);
    }

    @Test
    void hungUpstreamGives504AfterReadTimeout() throws Exception {
        long t0 = System.nanoTime();
        String r = Transfers.download(proxy.port(), "/hang");
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertTrue(r.startsWith("504 "), r);
        assertTrue(ms >= 3000 && ms < 20_000, ms + " ms");
    }
}
