package dev.gatehouse.it.websocket;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.gatehouse.it.support.GatehouseProxy;
import dev.gatehouse.it.support.NodeWsClient;
import dev.gatehouse.it.support.ResourceStack;
import dev.gatehouse.it.support.Uwsgi;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * The Gatehouse proxy in front of real uWSGI's own WebSocket support (python3 plugin,
 * {@code uwsgi.websocket_handshake} / {@code websocket_recv} / {@code websocket_send}): the proxy
 * forwards the upgrade as vars, relays uWSGI's 101 and tunnels the frames, which it never reads.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 300, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ProxyInFrontOfUwsgiWebSocketTest {

    /** An echo socket on uWSGI's API; text messages only (websocket_send sends text frames). */
    static final String APP = """
            import uwsgi
            def application(env, start_response):
                if env['PATH_INFO'] != '/ws/echo':
                    start_response('404 Not Found', [('Content-Type', 'text/plain')])
                    return [b'no socket here\\n']
                uwsgi.websocket_handshake(env['HTTP_SEC_WEBSOCKET_KEY'], env.get('HTTP_ORIGIN', ''))
                while True:
                    try:
                        msg = uwsgi.websocket_recv()
                    except IOError:
                        return []
                    uwsgi.websocket_send(msg)
            """;

    private final ResourceStack processes = new ResourceStack();
    private GatehouseProxy proxy;

    @BeforeAll
    void start() {
        NodeWsClient.install();
        Uwsgi uwsgi = processes.push(Uwsgi.builder().wsgi("ws.py", APP).processes(2)
                .startTimeout(Duration.ofSeconds(60)).start());
        proxy = processes.push(GatehouseProxy.builder()
                .jvmArgs("-Xmx64m", "-XX:+UseSerialGC")
                .forwardingEverythingTo(uwsgi.uwsgiPass())
                .start());
    }

    @AfterAll
    void stop() {
        processes.close();
    }

    @Test
    void anEchoSessionWithUwsgisOwnWebSocketsGoesThroughTheTunnel() {
        List<String> lines = NodeWsClient.run("ws://127.0.0.1:" + proxy.port() + "/ws/echo", "text-echo",
                Duration.ofSeconds(60));
        assertEquals(List.of("OK text 0", "OK text 125", "OK text 126", "OK text 65535", "OK text 65536", "DONE"),
                lines, proxy::diagnostics);
    }
}
