package dev.gatehouse.it.websocket;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.gatehouse.it.support.FreePort;
import dev.gatehouse.it.support.GatehouseAppServer;
import dev.gatehouse.it.support.GatehouseProxy;
import dev.gatehouse.it.support.Nginx;
import dev.gatehouse.it.support.NodeWsClient;
import dev.gatehouse.it.support.PeerBinaries;
import dev.gatehouse.it.support.ResourceStack;
import dev.gatehouse.it.support.ScratchDir;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * WebSockets end to end with clients nobody here wrote (the npm {@code ws} package, and headless
 * Chromium driven over the DevTools protocol; both offer permessage-deflate, so compression is on
 * throughout) against the demo app's
 * {@code /ws/echo} and {@code /ws/chat} on the Gatehouse app-server, through three fronts: the
 * Gatehouse proxy over cleartext, the same proxy over TLS, and real nginx with a stock
 * {@code uwsgi_pass} location (its uwsgi module passes {@code Upgrade} and {@code Connection} as
 * vars and tunnels a 101 by itself; no WebSocket-specific directive is needed).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 300, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class WebSocketEndToEndTest {

    private static final Pattern WEBSOCKETS = Pattern.compile("\"websockets\":(\\d+)");

    private final ResourceStack processes = new ResourceStack();
    private GatehouseProxy proxy;
    private Nginx nginx;
    private int statsPort;

    @BeforeAll
    void start() {
        PeerBinaries.openssl();
        NodeWsClient.install();
        ScratchDir certs = processes.push(ScratchDir.create("certs"));
        certificate(certs);
        statsPort = FreePort.pick();
        // One worker: the chat room is per worker process.
        GatehouseAppServer app = processes.push(GatehouseAppServer.builder()
                .app("dev.gatehouse.demo.DemoApp")
                .workers(1)
                .args("--stats", "127.0.0.1:" + statsPort, "--set", "jvm_options=-Xmx256m -XX:+UseSerialGC")
                .startTimeout(Duration.ofSeconds(90))
                .start());
        proxy = processes.push(GatehouseProxy.builder()
                .jvmArgs("-Xmx128m", "-XX:+UseSerialGC")
                .tls(certs.resolve("localhost.pem"), certs.resolve("localhost.key"))
                .forwardingEverythingTo(app.uwsgiPass())
                .start());
        nginx = processes.push(Nginx.builder()
                .serverName("127.0.0.1")
                .server("""
                        location / {
                            include /etc/nginx/uwsgi_params;
                            uwsgi_pass %s;
                        }
                        """.formatted(app.uwsgiPass()))
                .start());
    }

    private static void certificate(ScratchDir dir) {
        try {
            Process p = new ProcessBuilder(PeerBinaries.openssl().toString(), "req", "-x509", "-newkey", "rsa:2048",
                    "-nodes", "-days", "2", "-subj", "/CN=localhost", "-addext",
                    "subjectAltName=DNS:localhost,IP:127.0.0.1", "-keyout", dir.resolve("localhost.key").toString(),
                    "-out", dir.resolve("localhost.pem").toString())
                    .redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                    .start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException("openssl req failed: " + out);
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @AfterAll
    void stop() {
        processes.close();
    }

    private String base(String front) {
        return switch (front) {
            case "gatehouse-proxy" -> "ws://127.0.0.1:" + proxy.port();
            case "gatehouse-proxy-tls" -> "wss://127.0.0.1:" + proxy.tlsPort();
            case "nginx" -> "ws://127.0.0.1:" + nginx.port();
            default -> throw new IllegalArgumentException(front);
        };
    }

    private static final List<String> SIZES = List.of(0, 125, 126, 65535, 65536, 16 << 20).stream()
            .flatMap(n -> Stream.of("OK binary " + n, "OK text " + n)).toList();

    static Stream<Arguments> cases() {
        List<Arguments> all = new ArrayList<>();
        for (String front : List.of("gatehouse-proxy", "gatehouse-proxy-tls", "nginx")) {
            all.add(Arguments.of(front, "sizes", concat(SIZES, List.of("OK closed"))));
            all.add(Arguments.of(front, "fragments", List.of("OK client fragments joined", "OK binary fragments joined",
                    "OK server fragments joined")));
            all.add(Arguments.of(front, "ping", List.of("OK pong for a client ping", "OK server ping arrives",
                    "OK server got the pong")));
            all.add(Arguments.of(front, "client-close", List.of("OK client close echoed")));
            all.add(Arguments.of(front, "server-close", List.of("OK server close")));
            all.add(Arguments.of(front, "too-big", List.of("OK 1009 for a message past 16 MiB")));
            all.add(Arguments.of(front, "drop", List.of("OK a new socket after an abrupt drop")));
        }
        return all.stream();
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void theWsClientExchangesMessagesByteExactAndEveryClosePathWorks(String front, String scenario,
            List<String> expected) {
        List<String> lines = NodeWsClient.run(base(front) + "/ws/echo", scenario, Duration.ofSeconds(120));
        assertEquals(concat(expected, List.of("DONE")), lines, () -> front + " " + scenario + "\n" + diagnostics());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("fronts")
    void aChatMessageIsBroadcastToTheRoom(String front) {
        List<String> lines = NodeWsClient.run(base(front) + "/ws/chat", "chat", Duration.ofSeconds(60));
        assertEquals(List.of("OK alice joined", "OK alice sees bob join", "OK broadcast reaches alice",
                "OK alice sees bob leave", "DONE"), lines, this::diagnostics);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("fronts")
    void headlessChromiumExchangesMessagesByteExactAndEveryCloseItCanMake(String front) {
        // A browser cannot send fragments or pings, nor drop a connection without a close: the
        // page checks the rest, server fragments and server pings included.
        List<String> lines = NodeWsClient.runInBrowser(PeerBinaries.chromium(), base(front) + "/ws/echo",
                Duration.ofSeconds(180));
        assertEquals(concat(SIZES, List.of("OK server fragments joined", "OK the browser answers a ping",
                "OK client close", "OK server close", "OK 1009 for a message past 16 MiB", "DONE")), lines,
                () -> front + "\n" + diagnostics());
    }

    static Stream<String> fronts() {
        return Stream.of("gatehouse-proxy", "gatehouse-proxy-tls", "nginx");
    }

    @Test
    void theStatsShowAnOpenSocketPerWorkerAndNoneAfterItCloses() throws Exception {
        awaitOpenWebSockets(0);
        CompletableFuture<String> greeting = new CompletableFuture<>();
        WebSocket ws = HttpClient.newHttpClient().newWebSocketBuilder()
                .buildAsync(URI.create(base("gatehouse-proxy") + "/ws/echo"), new WebSocket.Listener() {
                    @Override
                    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
                        greeting.complete(data.toString());
                        return null;
                    }
                }).get(30, TimeUnit.SECONDS);
        ws.sendText("stats", true);
        assertEquals("stats", greeting.get(30, TimeUnit.SECONDS));
        awaitOpenWebSockets(1);
        ws.sendClose(WebSocket.NORMAL_CLOSURE, "").get(30, TimeUnit.SECONDS);
        awaitOpenWebSockets(0);
    }

    /**
     * Waits until the stats endpoint (updated by the workers' heartbeats, every second) shows
     * {@code n}. Read as uWSGI's stats server is: connect, send nothing, read the JSON.
     */
    private void awaitOpenWebSockets(int n) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        String json = "";
        while (System.nanoTime() < deadline) {
            try (java.net.Socket s = new java.net.Socket("127.0.0.1", statsPort)) {
                s.setSoTimeout(10_000);
                json = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            }
            Matcher m = WEBSOCKETS.matcher(json);
            int total = 0;
            while (m.find()) {
                total += Integer.parseInt(m.group(1));
            }
            if (total == n) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("the stats never showed " + n + " open WebSocket(s): " + json);
    }

    private String diagnostics() {
        return proxy.diagnostics() + "\n" + nginx.diagnostics();
    }
}
