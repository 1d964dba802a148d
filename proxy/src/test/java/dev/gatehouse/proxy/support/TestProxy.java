package dev.gatehouse.proxy.support;

import dev.gatehouse.conf.proxy.ProxyConfig;
import dev.gatehouse.proxy.ProxyServer;
import dev.gatehouse.proxy.upstream.UpstreamHandler;
import java.io.IOException;
import java.net.ServerSocket;
import java.util.LinkedHashMap;
import java.util.Map;

/** A proxy on a free loopback port, from TOML text plus overrides. */
public final class TestProxy implements AutoCloseable {

    public final ProxyServer server;
    public final int port;

    private TestProxy(ProxyServer server, int port) {
        this.server = server;
        this.port = port;
    }

    public static TestProxy start(String toml, Map<String, String> overrides) {
        return start(toml, overrides, null);
    }

    public static TestProxy start(String toml, Map<String, String> overrides, UpstreamHandler.Factory upstreams) {
        int port = freePort();
        Map<String, String> o = new LinkedHashMap<>(overrides);
        o.put("listen", "127.0.0.1:" + port);
        o.putIfAbsent("access_log", "off");
        ProxyConfig config = ProxyConfig.fromToml(toml, "test.toml", o);
        try {
            return new TestProxy(ProxyServer.start(config, upstreams), port);
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * A proxy whose TOML names its own {@code listen} entries: {@code @PORT@} in the text is
     * replaced by a free port, which {@link #port} then is.
     */
    public static TestProxy startListening(String toml, UpstreamHandler.Factory upstreams) {
        int port = freePort();
        ProxyConfig config = ProxyConfig.fromToml(toml.replace("@PORT@", Integer.toString(port)), "test.toml",
                Map.of("access_log", "off"));
        try {
            return new TestProxy(ProxyServer.start(config, upstreams), port);
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    public static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public RawClient client() {
        return new RawClient(port);
    }

    public String url(String path) {
        return "http://127.0.0.1:" + port + path;
    }

    @Override
    public void close() {
        server.close();
    }
}
