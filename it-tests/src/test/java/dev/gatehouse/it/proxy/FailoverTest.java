package dev.gatehouse.it.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gatehouse.it.support.GatehouseProxy;
import dev.gatehouse.it.support.ResourceStack;
import dev.gatehouse.it.support.ScratchDir;
import dev.gatehouse.it.support.Uwsgi;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Upstream failures with real processes: one of two uWSGI servers killed (SIGKILL, master and
 * workers) under load loses no idempotent request; a server that is not there at all is a 502 at
 * once.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class FailoverTest {

    private static final String APP = """
            def application(environ, start_response):
                body = ('%s %s\\n' % (environ['REQUEST_METHOD'], environ['PATH_INFO'])).encode()
                start_response('200 OK', [('Content-Type', 'text/plain'), ('Content-Length', str(len(body)))])
                return [body]
            """;

    @Test
    void killingOneOfTwoServersUnderLoadFailsNoIdempotentRequest() throws Exception {
        try (ResourceStack r = new ResourceStack()) {
            Uwsgi a = r.push(Uwsgi.builder().wsgi("app.py", APP).processes(2).start());
            Uwsgi b = r.push(Uwsgi.builder().wsgi("app.py", APP).processes(2).start());
            GatehouseProxy proxy = r.push(GatehouseProxy.builder()
                    .jvmArgs("-Xmx64m")
                    .toml("""
                            access_log = "off"
                            [upstream.app]
                            servers = ["%s", "%s"]
                            [[location]]
                            path = "/"
                            upstream = "app"
                            """.formatted(a.uwsgiPass(), b.uwsgiPass()))
                    .start());
            AtomicBoolean running = new AtomicBoolean(true);
            AtomicBoolean killed = new AtomicBoolean(false);
            AtomicInteger okBefore = new AtomicInteger();
            AtomicInteger okAfter = new AtomicInteger();
            ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
            ExecutorService clients = Executors.newFixedThreadPool(4);
            for (int t = 0; t < 4; t++) {
                int id = t;
                clients.submit(() -> {
                    for (int i = 0; running.get(); i++) {
                        String path = "/c" + id + "/" + i;
                        boolean after = killed.get();
                        try {
                            HttpResponse<String> resp = Transfers.HTTP.send(HttpRequest.newBuilder(
                                    URI.create("http://127.0.0.1:" + proxy.port() + path))
                                    .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
                            if (resp.statusCode() == 200 && resp.body().equals("GET " + path + "\n")) {
                                (after ? okAfter : okBefore).incrementAndGet();
                            } else {
                                failures.add(path + ": " + resp.statusCode() + " " + resp.body());
                            }
                        } catch (Exception e) {
                            failures.add(path + ": " + e);
                        }
                    }
                });
            }
            // Kill once the load is flowing through both servers, and stop once enough has been
            // answered after the kill: counts, not guesses at how long a loaded machine needs.
            awaitCount(okBefore, 40, failures);
            ProcessHandle master = ProcessHandle.of(a.pid()).orElseThrow();
            List<ProcessHandle> family = new java.util.ArrayList<>(master.children().toList());
            family.add(master);
            killed.set(true);
            family.forEach(ProcessHandle::destroyForcibly);
            awaitCount(okAfter, 200, failures);
            running.set(false);
            clients.shutdown();
            assertTrue(clients.awaitTermination(60, TimeUnit.SECONDS));
            assertTrue(failures.isEmpty(), () -> failures.size() + " failed: " + failures.stream().limit(10).toList()
                    + "\n" + proxy.diagnostics());
            assertTrue(okBefore.get() > 20 && okAfter.get() > 20, okBefore + " before, " + okAfter + " after the kill");
        }
    }

    /** Waits up to a minute for {@code count} to reach {@code n}, or for the first failure. */
    private static void awaitCount(AtomicInteger count, int n, ConcurrentLinkedQueue<String> failures)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (count.get() < n && failures.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
    }

    @Test
    void noUpstreamAtAllIs502AtOnce() throws Exception {
        try (ResourceStack r = new ResourceStack()) {
            ScratchDir dir = r.push(ScratchDir.create("nothing"));
            GatehouseProxy proxy = r.push(GatehouseProxy.builder()
                    .args("--upstream", "unix:" + dir.resolve("none.sock"))
                    .start());
            long t0 = System.nanoTime();
            String result = Transfers.download(proxy.port(), "/anything");
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            assertTrue(result.startsWith("502 "), result);
            assertTrue(ms < 3000, ms + " ms");
        }
    }
}
