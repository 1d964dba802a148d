package dev.gatehouse.it.appserver;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.gatehouse.demo.DemoBytes;
import dev.gatehouse.it.support.CapturedPacket;
import dev.gatehouse.it.support.CapturedPacket.Var;
import dev.gatehouse.it.support.GatehouseAppServer;
import dev.gatehouse.it.support.Nginx;
import dev.gatehouse.it.support.RawHttpResponse;
import dev.gatehouse.it.support.RequestShape;
import dev.gatehouse.it.support.ResourceStack;
import dev.gatehouse.it.support.UwsgiPacketClient;
import dev.gatehouse.uwsgi.MiniJson;
import java.io.IOException;
import java.io.InputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Real nginx (Debian {@code nginx-light}, {@code uwsgi_pass unix:}, stock {@code uwsgi_params}) in
 * front of the real Gatehouse app-server (a master and 2 worker JVMs) running the demo app: every
 * request shape nginx 1.22.1 was captured sending arrives with the same vars; large uploads and
 * downloads are byte-exact on a 48 MiB heap; HEAD, keep-alive, crashes and unread bodies behave.
 * The nested {@link BadUwsgiInput} sends broken packets straight to an app-server's socket.
 *
 * <p>The nginx server is configured like the capture's ({@code server_name capture.test; root
 * /srv/www;}, buffered {@code location /} and unbuffered {@code /stream/}), but under an
 * {@code /echo} prefix so that the demo app echoes every replayed request.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class NginxFrontTest {

    private static final Logger log = LoggerFactory.getLogger(NginxFrontTest.class);

    private static final String DEMO_APP = "dev.gatehouse.demo.DemoApp";
    private static final int WORKERS = 2;
    private static final long MIB = 1024 * 1024;
    /** Per read; a 200 MiB download on a loaded 2-core machine stalls for seconds at worst. */
    private static final Duration READ_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
    private static final byte[] HELLO = "Hello, World!".getBytes(StandardCharsets.US_ASCII);

    private final ResourceStack processes = new ResourceStack();
    private GatehouseAppServer app;
    private Nginx nginx;
    private List<ProcessHandle> workers;

    @BeforeAll
    void start() {
        app = processes.push(GatehouseAppServer.builder()
                .app(DEMO_APP)
                .workers(WORKERS)
                // Far less heap than the 50 and 200 MiB bodies below: a worker holding a whole
                // body in memory fails them, so passing downloads prove a flat heap.
                .args("--set", "jvm_options=-Xmx48m -XX:+UseSerialGC")
                .startTimeout(START_TIMEOUT)
                .start());
        workers = WorkerProcesses.awaitReady(app, WORKERS, START_TIMEOUT);
        String upstream = app.uwsgiPass();
        nginx = processes.push(Nginx.builder()
                .serverName("capture.test")
                .server("""
                        root /srv/www;
                        client_max_body_size 64m;
                        keepalive_requests 2000;
                        location / {
                            include /etc/nginx/uwsgi_params;
                            uwsgi_pass %1$s;
                        }
                        location /echo/stream/ {
                            include /etc/nginx/uwsgi_params;
                            uwsgi_request_buffering off;
                            uwsgi_pass %1$s;
                        }
                        # /unbuffered/X reaches the app as PATH_INFO /X with the body streamed.
                        location /unbuffered/ {
                            include /etc/nginx/uwsgi_params;
                            uwsgi_request_buffering off;
                            rewrite ^/unbuffered(/.*)$ $1 break;
                            uwsgi_pass %1$s;
                        }
                        """.formatted(upstream))
                .start());
    }

    @AfterAll
    void stop() {
        processes.close();
    }

    // ---- 1. the captured request shapes --------------------------------------------------

    static List<RequestShape> capturedNonHeadRequests() {
        return RequestShape.asCaptured().stream().filter(r -> !r.isHead()).toList();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("capturedNonHeadRequests")
    void capturedRequestReachesTheAppWithTheVarsNginxSent(RequestShape request) throws IOException {
        RawHttpResponse response;
        int clientPort;
        try (HttpConnection connection = HttpConnection.open(nginx.port(), READ_TIMEOUT)) {
            clientPort = connection.localPort();
            connection.send(request.bytes(nginx.port(), "/echo"));
            response = connection.read(false);
        }
        assertEquals(200, response.status(), () -> request + ": " + response + "\n" + diagnostics());
        Map<String, Object> echo = MiniJson.parseObject(response.bodyText());

        CapturedPacket capture = request.capture();
        List<Var> expected = expectedVars(capture, clientPort);
        List<Var> actual = echoedVars(echo);
        assertEquals(expected, actual, () -> request + ": vars differ from the capture\n" + sideBySide(expected, actual));

        assertEquals(capture.value("REQUEST_METHOD"), echo.get("method"));
        assertEquals("/echo" + capture.value("REQUEST_URI"), echo.get("uri"));
        assertEquals(utf8("/echo" + capture.value("PATH_INFO")), echo.get("path"));
        assertEquals(capture.value("QUERY_STRING"), echo.get("query"));
        assertEquals((long) capture.body().length, echo.get("body_length"), request::toString);
        assertEquals(sha256(capture.body()), echo.get("body_sha256"), request::toString);
        assertTrue(workerPids().contains((Long) echo.get("worker_pid")),
                () -> "worker_pid " + echo.get("worker_pid") + " is not one of " + workerPids());
    }

    @Test
    void capturedHeadGetsTheEchoHeadersAndNoBody() throws IOException {
        RequestShape head = RequestShape.asCaptured().stream().filter(RequestShape::isHead).findFirst().orElseThrow();
        RawHttpResponse response;
        RawHttpResponse next;
        int clientPort;
        try (HttpConnection connection = HttpConnection.open(nginx.port(), READ_TIMEOUT)) {
            clientPort = connection.localPort();
            connection.send(head.bytes(nginx.port(), "/echo"));
            response = connection.read(true);
            // A body byte left behind after the HEAD response would garble this one.
            connection.send(get("/hello"));
            next = connection.read(false);
        }
        assertEquals("HTTP/1.1 200 OK", response.statusLine(), () -> response + "\n" + diagnostics());
        assertEquals(List.of("application/json"), response.headerValues("Content-Type"), response::toString);
        // The app built the echo of the HEAD request and the worker announced its length
        // without sending it: the length of exactly the JSON the capture's vars give.
        CapturedPacket capture = head.capture();
        List<Var> vars = expectedVars(capture, clientPort);
        List<String> lengths = workerPids().stream()
                .map(pid -> Integer.toString(echoJson(capture, vars, sha256(new byte[0]), pid)
                        .getBytes(StandardCharsets.UTF_8).length))
                .distinct().toList();
        String contentLength = response.header("Content-Length").orElse("(none)");
        assertTrue(lengths.contains(contentLength),
                () -> "Content-Length " + contentLength + " of the HEAD echo, expected one of " + lengths + ": " + response);
        assertEquals("HTTP/1.1 200 OK", next.statusLine(), next::toString);
        assertArrayEquals(HELLO, next.body(), next::toString);
    }

    @Test
    void echoOfABodylessRequestIsExactlyTheJsonTheHeadCheckExpects() throws IOException {
        // Guards capturedHeadGetsTheEchoHeadersAndNoBody: its expected length comes from
        // echoJson, which must reproduce the demo app's JSON byte for byte.
        RequestShape pkt09 = RequestShape.asCaptured().stream()
                .filter(r -> r.name().equals("pkt09")).findFirst().orElseThrow();
        RawHttpResponse response;
        int clientPort;
        try (HttpConnection connection = HttpConnection.open(nginx.port(), READ_TIMEOUT)) {
            clientPort = connection.localPort();
            connection.send(pkt09.bytes(nginx.port(), "/echo"));
            response = connection.read(false);
        }
        long pid = (Long) MiniJson.parseObject(response.bodyText()).get("worker_pid");
        String expected = echoJson(pkt09.capture(), expectedVars(pkt09.capture(), clientPort), sha256(new byte[0]), pid);
        assertEquals(expected, response.bodyText());
    }

    // ---- 2. a large upload ----------------------------------------------------------------

    @Test
    void upload50MiBArrivesWithTheRightLengthAndSha256() throws IOException {
        long length = 50 * MIB;
        MessageDigest sent = sha256();
        long started = System.nanoTime();
        RawHttpResponse response;
        try (HttpConnection connection = HttpConnection.open(nginx.port(), READ_TIMEOUT)) {
            connection.send(("POST /upload HTTP/1.1\r\nHost: 127.0.0.1:" + nginx.port()
                    + "\r\nContent-Type: application/octet-stream\r\nContent-Length: " + length + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            // Random bytes from a fixed seed, streamed: the digest catches any lost, repeated or
            // misplaced block.
            SplittableRandom random = new SplittableRandom(20240501);
            byte[] block = new byte[64 * 1024];
            for (long left = length; left > 0; left -= block.length) {
                for (int i = 0; i < block.length; i += 8) {
                    long bits = random.nextLong();
                    for (int j = 0; j < 8; j++) {
                        block[i + j] = (byte) (bits >>> (8 * j));
                    }
                }
                int n = (int) Math.min(block.length, left);
                sent.update(block, 0, n);
                connection.send(block, 0, n);
            }
            connection.flush();
            response = connection.read(false);
        }
        log.info("50 MiB upload through nginx took {} ms", (System.nanoTime() - started) / 1_000_000);
        assertEquals(200, response.status(), () -> response + "\n" + diagnostics());
        Map<String, Object> json = MiniJson.parseObject(response.bodyText());
        assertEquals(length, json.get("length"), response::toString);
        assertEquals(HexFormat.of().formatHex(sent.digest()), json.get("sha256"), response::toString);
    }

    // ---- 3. large downloads on a small heap ------------------------------------------------

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"/bytes", "/stream"})
    void download200MiBIsByteExactAndWorkerMemoryStaysFlat(String path) throws IOException {
        long n = 200 * MIB;
        List<ProcessHandle> before = WorkerProcesses.of(app);
        assertEquals(workers, before, "the workers changed before the download\n" + diagnostics());
        before.forEach(w -> assertTrue(dev.gatehouse.it.support.ProcessCommandLine.has(w, "-Xmx48m"),
                () -> "worker " + w.pid() + " does not run with -Xmx48m: " + dev.gatehouse.it.support.ProcessCommandLine.of(w)));
        Map<Long, Long> rssBefore = rss(before);
        String logMark = app.log();

        long started = System.nanoTime();
        HttpConnection.Head head;
        long received;
        try (HttpConnection connection = HttpConnection.open(nginx.port(), READ_TIMEOUT)) {
            connection.send(get(path + "?n=" + n));
            head = connection.readHead();
            assertEquals(200, head.status(), () -> head + "\n" + diagnostics());
            if (path.equals("/bytes")) {
                assertEquals(Long.toString(n), head.header("Content-Length").orElse("(none)"), head::toString);
            }
            received = verifyDemoBytes(connection.body(head), n, path);
        }
        long millis = Math.max(1, (System.nanoTime() - started) / 1_000_000);
        Map<Long, Long> rssAfter = rss(before);
        log.info("{}?n={} through nginx: {} ms ({} MiB/s), {}; worker RSS before {} after {}", path, n, millis,
                n / MIB * 1000 / millis, head, rssBefore, rssAfter);

        assertEquals(n, received, path);
        assertEquals(before, WorkerProcesses.of(app), () -> "a worker died during the download\n" + diagnostics());
        String newLog = app.log().substring(logMark.length());
        assertFalse(newLog.contains("OutOfMemoryError"), newLog);
        for (ProcessHandle w : before) {
            long grown = rssAfter.get(w.pid()) - rssBefore.get(w.pid());
            assertTrue(grown <= 64 * MIB, () -> "worker " + w.pid() + " RSS grew by " + grown / MIB + " MiB during "
                    + path + "?n=" + n + " (before " + rssBefore + ", after " + rssAfter + ")");
        }
    }

    /**
     * Compares a body as it streams with {@link DemoBytes}' content, never holding more than one
     * buffer of it.
     *
     * @return the number of bytes received
     */
    private static long verifyDemoBytes(InputStream body, long n, String what) throws IOException {
        InputStream expected = DemoBytes.stream(Long.MAX_VALUE);
        byte[] got = new byte[64 * 1024];
        byte[] want = new byte[got.length];
        long position = 0;
        int r;
        while ((r = body.read(got)) > 0) {
            if (position + r > n) {
                fail(what + ": more than the " + n + " bytes asked for (at least " + (position + r) + ")");
            }
            if (expected.readNBytes(want, 0, r) != r) {
                throw new IllegalStateException("DemoBytes ran short");
            }
            int mismatch = Arrays.mismatch(got, 0, r, want, 0, r);
            if (mismatch >= 0) {
                long at = position + mismatch;
                fail(what + ": byte " + at + " is " + (got[mismatch] & 0xff) + ", expected " + (DemoBytes.at(at) & 0xff));
            }
            position += r;
        }
        return position;
    }

    // ---- 4. HEAD ---------------------------------------------------------------------------

    @Test
    void headOfHelloGivesItsHeadersAndNoBody() throws IOException {
        RawHttpResponse response;
        RawHttpResponse next;
        try (HttpConnection connection = HttpConnection.open(nginx.port(), READ_TIMEOUT)) {
            connection.send(("HEAD /hello HTTP/1.1\r\nHost: 127.0.0.1:" + nginx.port() + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            response = connection.read(true);
            // The next response on the connection starts right away: no body followed the HEAD's.
            connection.send(get("/hello"));
            next = connection.read(false);
        }
        assertEquals("HTTP/1.1 200 OK", response.statusLine(), () -> response + "\n" + diagnostics());
        assertEquals(List.of("13"), response.headerValues("Content-Length"), response::toString);
        assertEquals(List.of("text/plain"), response.headerValues("Content-Type"), response::toString);
        assertEquals(0, response.body().length);
        assertEquals("HTTP/1.1 200 OK", next.statusLine(), next::toString);
        assertArrayEquals(HELLO, next.body(), next::toString);
    }

    // ---- 5. keep-alive ---------------------------------------------------------------------

    @Test
    void thousandKeepAliveRequestsOnOneClientConnectionAllSucceed() throws IOException {
        long started = System.nanoTime();
        try (HttpConnection connection = HttpConnection.open(nginx.port(), READ_TIMEOUT)) {
            byte[] request = get("/hello");
            for (int i = 1; i <= 1000; i++) {
                connection.send(request);
                RawHttpResponse response = connection.read(false);
                int number = i;
                assertEquals("HTTP/1.1 200 OK", response.statusLine(), () -> "request " + number + ": " + response);
                assertArrayEquals(HELLO, response.body(), () -> "request " + number + ": " + response);
                assertFalse(response.headerValues("Connection").contains("close"),
                        () -> "nginx closed after request " + number + ": " + response);
            }
        }
        log.info("1000 keep-alive requests through nginx took {} ms", (System.nanoTime() - started) / 1_000_000);
    }

    // ---- 6. crashes and unread bodies ------------------------------------------------------

    @Test
    void crashGives500WithOneLogLineAndTheNextRequestIsServed() throws IOException {
        String logMark = app.log();
        RawHttpResponse crash;
        RawHttpResponse next;
        try (HttpConnection connection = HttpConnection.open(nginx.port(), READ_TIMEOUT)) {
            connection.send(get("/crash"));
            crash = connection.read(false);
            connection.send(get("/hello"));
            next = connection.read(false);
        }
        assertEquals("HTTP/1.1 500 Internal Server Error", crash.statusLine(), () -> crash + "\n" + diagnostics());
        assertEquals("Internal Server Error\n", crash.bodyText(), "no stack trace in the body");
        assertEquals("HTTP/1.1 200 OK", next.statusLine(), next::toString);
        assertArrayEquals(HELLO, next.body(), next::toString);

        List<String> lines = awaitNewLogLines(app, logMark, l -> l.contains("GET /crash"), Duration.ofSeconds(60));
        assertEquals(1, lines.size(), () -> "log lines about GET /crash: " + lines);
        assertTrue(lines.get(0).contains("ERROR") && lines.get(0).contains("GET /crash failed, answered 500")
                && lines.get(0).contains("crash requested by /crash"), lines.get(0));
        assertEquals(workers, WorkerProcesses.of(app), () -> "a worker was replaced after /crash\n" + diagnostics());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"/hello", "/unbuffered/hello"})
    void postOf3MBThatTheAppNeverReadsStillGets200(String target) throws IOException {
        // /hello does not read its body. The worker answers at once; nginx, its response
        // complete, stops sending the body and closes the upstream connection. Nothing there
        // may turn into a 502 or an error. /unbuffered/ streams the body to the app as it comes.
        byte[] body = new byte[3_000_000];
        new SplittableRandom(3).nextBytes(body);
        String errorLogMark = nginx.errorLog();
        String appLogMark = app.log();
        RawHttpResponse response;
        try (HttpConnection connection = HttpConnection.open(nginx.port(), READ_TIMEOUT)) {
            connection.send(("POST " + target + " HTTP/1.1\r\nHost: 127.0.0.1:" + nginx.port()
                    + "\r\nContent-Type: application/octet-stream\r\nContent-Length: " + body.length + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            connection.send(body);
            response = connection.read(false);
        }
        // A new connection: nginx closes one whose unbuffered body it had not finished reading.
        RawHttpResponse next = exchange(get("/hello"), false);
        assertEquals("HTTP/1.1 200 OK", response.statusLine(), () -> response + "\n" + diagnostics());
        assertArrayEquals(HELLO, response.body(), response::toString);
        assertEquals("HTTP/1.1 200 OK", next.statusLine(), next::toString);
        assertArrayEquals(HELLO, next.body(), next::toString);
        String newErrors = nginx.errorLog().substring(errorLogMark.length());
        assertFalse(newErrors.contains("[error]"), () -> "nginx logged an error:\n" + newErrors);
        List<String> appErrors = newLogLines(app, appLogMark).stream().filter(l -> l.contains(" ERROR ")).toList();
        assertEquals(List.of(), appErrors, () -> "app-server errors for POST " + target + ":\n"
                + String.join("\n", newLogLines(app, appLogMark)));
    }

    /**
     * What nginx does when the app answers before reading the body (see above), made
     * deterministic on a raw socket: the response is complete, then the front server closes
     * with most of the body unsent. That is how nginx ends every such exchange, not an error.
     */
    @Test
    void frontClosingMidBodyAfterACompleteResponseLogsNoError() throws IOException {
        String logMark = app.log();
        String reply = answerThenCloseMidBody();
        assertTrue(reply.startsWith("HTTP/1.1 200 OK\r\n") && reply.endsWith("\r\n\r\nHello, World!"), reply);
        List<String> lines = settledNewLogLines(app, logMark);
        List<String> errors = lines.stream().filter(l -> l.contains(" ERROR ") || l.startsWith("\tat ")
                || l.contains("Exception")).toList();
        assertEquals(List.of(), errors, () -> "log after the front server closed mid-body:\n" + String.join("\n", lines));
    }

    @Test
    void frontClosingMidBodyAfterACompleteResponseIsNotReportedAsABadPacket() throws IOException {
        String logMark = app.log();
        String reply = answerThenCloseMidBody();
        assertTrue(reply.startsWith("HTTP/1.1 200 OK\r\n"), reply);
        List<String> lines = settledNewLogLines(app, logMark);
        List<String> warnings = lines.stream().filter(l -> l.contains(" WARN ") || l.contains(" ERROR ")).toList();
        assertEquals(List.of(), warnings, () -> "nginx closing after a complete response was logged as a problem:\n"
                + String.join("\n", lines));
    }

    /**
     * {@code POST /hello} with {@code CONTENT_LENGTH} 3000000 and 64 KiB of body, straight to the
     * app-server's socket; reads the whole (Content-Length framed) response, then closes.
     *
     * @return the response as ISO-8859-1 text
     */
    private String answerThenCloseMidBody() throws IOException {
        Map<String, String> vars = new LinkedHashMap<>(UwsgiPacketClient.getVars("/hello"));
        vars.put("REQUEST_METHOD", "POST");
        vars.put("CONTENT_TYPE", "application/octet-stream");
        vars.put("CONTENT_LENGTH", "3000000");
        byte[] packet = UwsgiPacketClient.packet(0, 0, vars, new byte[64 * 1024]);
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            channel.connect(UnixDomainSocketAddress.of(app.socketPath()));
            ByteBuffer out = ByteBuffer.wrap(packet);
            while (out.hasRemaining()) {
                channel.write(out);
            }
            // Blocking reads: the app answers at once, and the class timeout bounds a hang.
            RawHttpResponse response = RawHttpResponse.read(Channels.newInputStream(channel), false);
            StringBuilder text = new StringBuilder(response.statusLine()).append("\r\n");
            response.headers().forEach(h -> text.append(h.name()).append(": ").append(h.value()).append("\r\n"));
            return text.append("\r\n").append(new String(response.body(), StandardCharsets.ISO_8859_1)).toString();
        }
    }

    // ---- 7. bad input straight to the socket -----------------------------------------------

    /**
     * Broken uwsgi input sent straight to an app-server's socket (no nginx): each case closes
     * the connection with exactly one log line naming the problem, and the same worker then
     * serves a normal request. One worker, so that "the same worker" is certain; Netty's leak
     * detector at PARANOID, so that a leaked buffer shows up as another log line.
     */
    @Nested
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    class BadUwsgiInput {

        private final ResourceStack strictProcesses = new ResourceStack();
        private GatehouseAppServer strict;
        private long workerPid;

        @BeforeAll
        void start() {
            strict = strictProcesses.push(GatehouseAppServer.builder()
                    .app(DEMO_APP)
                    .workers(1)
                    .args("--set", "max_vars_size=1k", "--set", "read_timeout=1s",
                            "--set", "jvm_options=-Dio.netty.leakDetection.level=paranoid")
                    .startTimeout(START_TIMEOUT)
                    .start());
            workerPid = WorkerProcesses.awaitReady(strict, 1, START_TIMEOUT).get(0).pid();
        }

        @AfterAll
        void stop() {
            strictProcesses.close();
        }

        @Test
        void malformedVarsBlockClosesTheConnection() {
            // REQUEST_METHOD=GET, then PATH_INFO with a value length of 300 in a 36-byte block.
            byte[] block = concat(var("REQUEST_METHOD", "GET"), u16("PATH_INFO".length()),
                    "PATH_INFO".getBytes(StandardCharsets.US_ASCII), u16(300), "/x".getBytes(StandardCharsets.US_ASCII));
            byte[] packet = concat(new byte[] {0, (byte) block.length, (byte) (block.length >>> 8), 0}, block);
            assertClosedWithOneLogLine(packet, false,
                    "bad uwsgi packet", "malformed uwsgi vars: value length 300 of key 'PATH_INFO'");
        }

        @Test
        void varsBlockPastMaxVarsSizeClosesTheConnection() {
            Map<String, String> vars = new LinkedHashMap<>(UwsgiPacketClient.getVars("/hello"));
            vars.put("HTTP_COOKIE", "c=" + "x".repeat(1100));
            byte[] packet = UwsgiPacketClient.packet(0, 0, vars, new byte[0]);
            int datasize = packet.length - 4;
            assertClosedWithOneLogLine(packet, false, "bad uwsgi packet",
                    "uwsgi vars block of " + datasize + " bytes (header datasize) exceeds the configured maximum of 1024 bytes");
        }

        @Test
        void unknownModifier1ClosesTheConnection() {
            byte[] packet = UwsgiPacketClient.packet(5, 0, UwsgiPacketClient.getVars("/hello"), new byte[0]);
            assertClosedWithOneLogLine(packet, false, "bad uwsgi packet", "refused uwsgi packet with modifier1=5 modifier2=0");
        }

        @Test
        void bodyShorterThanContentLengthThenEofClosesTheConnection() {
            Map<String, String> vars = new LinkedHashMap<>(UwsgiPacketClient.getVars("/upload"));
            vars.put("REQUEST_METHOD", "POST");
            vars.put("CONTENT_TYPE", "application/octet-stream");
            vars.put("CONTENT_LENGTH", "100");
            byte[] packet = UwsgiPacketClient.packet(0, 0, vars, "0123456789".getBytes(StandardCharsets.US_ASCII));
            assertClosedWithOneLogLine(packet, true, "of 100 body bytes");
        }

        @Test
        void silencePastReadTimeoutClosesTheConnection() {
            UwsgiPacketClient.Reply reply = assertClosedWithOneLogLine(new byte[0], false,
                    "no request from", "within read_timeout");
            long millis = reply.closedAfter().toMillis();
            assertTrue(millis >= 900 && millis < 5000, () -> "closed after " + millis + " ms, with read_timeout 1s");
        }

        /**
         * Sends {@code request}, expects the worker to end the connection without a response
         * and to log exactly one line holding every fragment, and then to serve {@code /pid}.
         */
        private UwsgiPacketClient.Reply assertClosedWithOneLogLine(byte[] request, boolean shutdownOutput,
                String... fragments) {
            String logMark = strict.log();
            UwsgiPacketClient.Reply reply = UwsgiPacketClient.exchangeRaw(strict.socketPath(), request, shutdownOutput,
                    Duration.ofSeconds(15));
            // The line is written before the close; waiting a little covers a slow pipe anyway.
            List<String> named = awaitNewLogLines(strict, logMark, l -> Arrays.stream(fragments).allMatch(l::contains),
                    Duration.ofSeconds(5));

            byte[] next = UwsgiPacketClient.exchange(strict.socketPath(), 0, UwsgiPacketClient.getVars("/pid"),
                    new byte[0], Duration.ofSeconds(15));
            String nextText = new String(next, StandardCharsets.ISO_8859_1);
            List<String> newLines = newLogLines(strict, logMark);

            assertEquals("", reply.text(), () -> "the worker answered the broken input\n" + strict.diagnostics());
            assertTrue(nextText.startsWith("HTTP/1.1 200 OK\r\n"), () -> "next request: " + nextText);
            assertEquals(1, named.size(), () -> "log lines naming " + List.of(fragments) + ": " + newLines);
            assertEquals(named, newLines, "one log line and nothing else");
            assertTrue(nextText.endsWith("\r\n\r\n" + workerPid), () -> "next request not served by worker " + workerPid
                    + ": " + nextText);
            assertEquals(List.of(workerPid), WorkerProcesses.of(strict).stream().map(ProcessHandle::pid).toList(),
                    "the worker was replaced");
            return reply;
        }
    }

    // ---- helpers ---------------------------------------------------------------------------

    /** The capture's vars as the echo must show them: under /echo, from this client and nginx. */
    private List<Var> expectedVars(CapturedPacket capture, int clientPort) {
        return capture.vars().stream().map(v -> switch (v.key()) {
            case "REQUEST_URI", "PATH_INFO" -> new Var(v.key(), "/echo" + v.value());
            case "REMOTE_PORT" -> new Var(v.key(), Integer.toString(clientPort));
            case "SERVER_PORT" -> new Var(v.key(), Integer.toString(nginx.port()));
            default -> v;
        }).toList();
    }

    @SuppressWarnings("unchecked")
    private static List<Var> echoedVars(Map<String, Object> echo) {
        return ((List<List<String>>) echo.get("vars")).stream().map(p -> new Var(p.get(0), p.get(1))).toList();
    }

    private static String sideBySide(List<Var> expected, List<Var> actual) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < Math.max(expected.size(), actual.size()); i++) {
            String e = i < expected.size() ? expected.get(i).toString() : "(none)";
            String a = i < actual.size() ? actual.get(i).toString() : "(none)";
            boolean same = i < expected.size() && i < actual.size() && expected.get(i).equals(actual.get(i));
            out.append(same ? "   " : " ! ").append(e).append(same ? "" : "   <- got " + a).append('\n');
        }
        return out.toString();
    }

    /**
     * The demo app's echo JSON for a bodyless request, written the way {@code DemoApp} and its
     * {@code Json} write it (no spaces; non-ASCII and control characters as {@code \}{@code u00XX}).
     */
    private static String echoJson(CapturedPacket capture, List<Var> vars, String bodySha256, long pid) {
        String uri = vars.stream().filter(v -> v.key().equals("REQUEST_URI")).findFirst().orElseThrow().value();
        String pathInfo = vars.stream().filter(v -> v.key().equals("PATH_INFO")).findFirst().orElseThrow().value();
        StringBuilder json = new StringBuilder("{");
        json.append(jsonString("method")).append(':').append(jsonString(capture.value("REQUEST_METHOD"))).append(',');
        json.append(jsonString("uri")).append(':').append(jsonString(uri)).append(',');
        json.append(jsonString("path")).append(':').append(jsonString(utf8(pathInfo))).append(',');
        json.append(jsonString("query")).append(':').append(jsonString(capture.value("QUERY_STRING"))).append(',');
        json.append("\"vars\":[").append(vars.stream()
                .map(v -> "[" + jsonString(v.key()) + "," + jsonString(v.value()) + "]")
                .collect(Collectors.joining(","))).append("],");
        json.append("\"body_length\":0,");
        json.append(jsonString("body_sha256")).append(':').append(jsonString(bodySha256)).append(',');
        json.append("\"worker_pid\":").append(pid).append('}');
        return json.toString();
    }

    private static String jsonString(String s) {
        StringBuilder out = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> out.append(c < 0x20 || c >= 0x7f ? String.format("\\u%04x", (int) c) : String.valueOf(c));
            }
        }
        return out.append('"').toString();
    }

    /** Latin-1 characters standing for bytes, read as the UTF-8 text those bytes are. */
    private static String utf8(String latin1) {
        return new String(latin1.getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8);
    }

    private byte[] get(String target) {
        return ("GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1:" + nginx.port() + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII);
    }

    private RawHttpResponse exchange(byte[] request, boolean head) throws IOException {
        try (HttpConnection connection = HttpConnection.open(nginx.port(), READ_TIMEOUT)) {
            connection.send(request);
            return connection.read(head);
        }
    }

    private List<Long> workerPids() {
        return workers.stream().map(ProcessHandle::pid).toList();
    }

    private static Map<Long, Long> rss(List<ProcessHandle> processes) {
        Map<Long, Long> rss = new LinkedHashMap<>();
        processes.forEach(p -> rss.put(p.pid(), WorkerProcesses.rssBytes(p.pid())));
        return rss;
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is always present in the JDK", e);
        }
    }

    private static String sha256(byte[] bytes) {
        return HexFormat.of().formatHex(sha256().digest(bytes));
    }

    private static byte[] concat(byte[]... parts) {
        int length = 0;
        for (byte[] part : parts) {
            length += part.length;
        }
        byte[] out = new byte[length];
        int at = 0;
        for (byte[] part : parts) {
            System.arraycopy(part, 0, out, at, part.length);
            at += part.length;
        }
        return out;
    }

    private static byte[] u16(int value) {
        return new byte[] {(byte) value, (byte) (value >>> 8)};
    }

    private static byte[] var(String key, String value) {
        byte[] k = key.getBytes(StandardCharsets.ISO_8859_1);
        byte[] v = value.getBytes(StandardCharsets.ISO_8859_1);
        return concat(u16(k.length), k, u16(v.length), v);
    }

    /** The log lines written since {@code mark} (the whole log at some earlier moment). */
    private static List<String> newLogLines(GatehouseAppServer server, String mark) {
        String log = server.log();
        String added = log.substring(Math.min(mark.length(), log.length()));
        return added.isEmpty() ? List.of() : List.of(added.split("\n"));
    }

    /**
     * Waits until at least one new log line matches, then returns every new matching line.
     */
    private static List<String> awaitNewLogLines(GatehouseAppServer server, String mark, Predicate<String> matches,
            Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            List<String> lines = newLogLines(server, mark).stream().filter(matches).toList();
            if (!lines.isEmpty() || System.nanoTime() > deadline) {
                return lines;
            }
            try {
                Thread.sleep(25);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return lines;
            }
        }
    }

    /**
     * The log lines written since {@code mark}, once the log has stopped growing for 500 ms (a
     * worker logs a closed connection after the client has gone).
     */
    private static List<String> settledNewLogLines(GatehouseAppServer server, String mark) {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        String last = server.log();
        while (System.nanoTime() < deadline) {
            try {
                Thread.sleep(500);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            String now = server.log();
            if (now.equals(last)) {
                break;
            }
            last = now;
        }
        return newLogLines(server, mark);
    }

    private String diagnostics() {
        return app.diagnostics() + "\n" + nginx.diagnostics();
    }
}
