package dev.gatehouse.it.proxy;

import dev.gatehouse.it.support.GatehouseProxy;
import dev.gatehouse.it.support.Nginx;
import dev.gatehouse.it.support.RequestShape;
import dev.gatehouse.it.support.ResourceStack;
import dev.gatehouse.it.support.ScratchDir;
import java.nio.file.Path;
import java.util.List;

/**
 * Real nginx and the Gatehouse proxy configured alike in front of one uwsgi server, for the
 * tests that send each request through both and compare what arrives: no limit on the body
 * size, one empty document root, every path passed to the server with its request body
 * buffered, and the paths under one prefix with it streamed.
 *
 * @param nginx the reference front
 * @param proxy the front under test, in a JVM with a 64 MiB heap, so that a proxy holding a
 *     large body fails
 */
record SideBySideFronts(Nginx nginx, GatehouseProxy proxy) {

    /** @return the made-up request shapes that carry a body, which both fronts get in turn */
    static List<RequestShape> bodyShapes() {
        return RequestShape.withMadeUpPayloads().stream().filter(r -> !r.isHead()).toList();
    }

    /**
     * Starts both fronts and their document root, each pushed on {@code processes}.
     *
     * @param processes what the test closes after its last test
     * @param uwsgiPass the server both pass to, e.g. {@code unix:/tmp/x/app.sock}
     * @param streamedPrefix the location whose request bodies are streamed, e.g. {@code /stream/}
     * @param upstreamSettings more TOML lines for the proxy's upstream, e.g. {@code read_timeout = "3s"}
     * @return the started fronts
     */
    static SideBySideFronts start(ResourceStack processes, String uwsgiPass, String streamedPrefix,
            String... upstreamSettings) {
        Path www = processes.push(ScratchDir.create("www")).path();
        Nginx nginx = processes.push(Nginx.builder()
                .serverName("127.0.0.1")
                .server("""
                        root %2$s;
                        client_max_body_size 0;
                        location / {
                            include /etc/nginx/uwsgi_params;
                            uwsgi_pass %1$s;
                        }
                        location %3$s {
                            include /etc/nginx/uwsgi_params;
                            uwsgi_request_buffering off;
                            uwsgi_pass %1$s;
                        }
                        """.formatted(uwsgiPass, www, streamedPrefix))
                .start());
        GatehouseProxy proxy = processes.push(GatehouseProxy.builder()
                .jvmArgs("-Xmx64m", "-XX:+UseSerialGC")
                .toml("""
                        client_max_body_size = "0"
                        access_log = "off"
                        [upstream.app]
                        servers = ["%1$s"]
                        %4$s
                        [[location]]
                        path = "/"
                        root = "%2$s"
                        upstream = "app"
                        [[location]]
                        path = "%3$s"
                        root = "%2$s"
                        upstream = "app"
                        request_buffering = false
                        """.formatted(uwsgiPass, www, streamedPrefix, String.join("\n", upstreamSettings)))
                .start());
        return new SideBySideFronts(nginx, proxy);
    }
}
