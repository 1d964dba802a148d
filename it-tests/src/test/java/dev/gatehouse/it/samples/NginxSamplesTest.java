package dev.gatehouse.it.samples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gatehouse.conf.app.AppServerConfig;
import dev.gatehouse.it.support.FreePort;
import dev.gatehouse.it.support.GatehouseAppServer;
import dev.gatehouse.it.support.ManagedProcess;
import dev.gatehouse.it.support.Nginx;
import dev.gatehouse.it.support.RawHttpResponse;
import dev.gatehouse.it.support.ResourceStack;
import dev.gatehouse.it.support.ScratchDir;
import dev.gatehouse.it.support.ServerJvm;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipalNotFoundException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Every folder of {@code nginx-samples/}: {@code nginx -t} accepts the site config (deployment
 * paths rewritten to temp dirs), the app-server starts with the matching {@code
 * gatehouse-app.toml}, and a request through a real nginx running the site reaches it. The app is
 * {@code examples/hello-app}, built as its README says; the JWSGI sample runs the demo's JWSGI
 * class, which the distribution ships.
 */
class NginxSamplesTest {

    private static final String HOST = "hello.example.com";
    private static final Pattern UWSGI_PASS = Pattern.compile("(?m)^\\s*uwsgi_pass\\s+(\\S+);");
    private static final Pattern UPSTREAM_SERVER = Pattern.compile("(?m)^\\s*server\\s+(\\d[\\d.]*:\\d+)");
    private static final Pattern REQUESTS = Pattern.compile("\"requests\":(\\d+)");

    /** The samples the tests below cover; a new folder without a test fails {@link #everySampleFolderIsTested}. */
    private static final Set<String> TESTED = Set.of("unix-socket", "static-files", "x-accel-redirect", "jwsgi",
            "tcp-upstream");

    private final ResourceStack resources = new ResourceStack();

    @AfterEach
    void stop() {
        resources.close();
    }

    @Test
    void everySampleFolderIsTested() throws IOException {
        Set<String> folders = new TreeSet<>();
        try (Stream<Path> dirs = Files.list(SampleFiles.NGINX_SAMPLES)) {
            dirs.filter(Files::isDirectory).filter(d -> !d.getFileName().toString().equals("target"))
                    .forEach(d -> folders.add(d.getFileName().toString()));
        }
        assertEquals(new TreeSet<>(TESTED), folders);
        for (String sample : folders) {
            for (String file : List.of("gatehouse.conf", "gatehouse-app.toml")) {
                assertTrue(Files.isRegularFile(SampleFiles.NGINX_SAMPLES.resolve(sample).resolve(file)),
                        "nginx-samples/" + sample + " has no " + file);
            }
        }
    }

    @Test
    void unixSocketReachesTheAppThroughASocketNginxMayWrite() throws IOException {
        String sample = "unix-socket";
        assertUwsgiPassMatchesBind(sample);
        GatehouseAppServer app = startApp(sample, Map.of());
        Nginx nginx = startNginx(sample, Map.of("unix:/run/gatehouse/app.sock", app.uwsgiPass()), null);

        RawHttpResponse r = SampleFiles.get(nginx.port(), HOST, "/hello?name=nginx");
        assertEquals(200, r.status(), () -> r + "\n" + nginx.diagnostics() + app.diagnostics());
        assertEquals("Hello, nginx!\n", r.bodyText());

        // As the TOML asks: rw for the owner and the group that nginx's user belongs to.
        PosixFileAttributes socket = Files.readAttributes(app.socketPath(), PosixFileAttributes.class);
        assertEquals("rw-rw----", PosixFilePermissions.toString(socket.permissions()));
        assertEquals(socketGroup(), socket.group().getName());
    }

    @Test
    void staticFilesComeFromNginxAndTheRestFromTheApp() {
        String sample = "static-files";
        assertUwsgiPassMatchesBind(sample);
        GatehouseAppServer app = startApp(sample, Map.of());
        Nginx nginx = startNginx(sample, Map.of("unix:/run/gatehouse/app.sock", app.uwsgiPass(),
                "/srv/hello/public", "@DIR@/public"), builder -> builder
                        .file("public/static/site.css", "body { margin: 0 }\n")
                        .file("public/robots.txt", "User-agent: *\n"));

        RawHttpResponse css = SampleFiles.get(nginx.port(), HOST, "/static/site.css");
        assertEquals(200, css.status(), nginx::diagnostics);
        assertEquals("body { margin: 0 }\n", css.bodyText());
        assertTrue(css.header("Cache-Control").orElse("").contains("max-age=604800"), css::toString);
        assertEquals("User-agent: *\n", SampleFiles.get(nginx.port(), HOST, "/robots.txt").bodyText());
        // A missing file under /static/ is nginx's 404, never a request to the app.
        assertEquals(404, SampleFiles.get(nginx.port(), HOST, "/static/missing.css").status());

        RawHttpResponse hello = SampleFiles.get(nginx.port(), HOST, "/hello");
        assertEquals(200, hello.status(), () -> hello + "\n" + nginx.diagnostics() + app.diagnostics());
        assertEquals("Hello, world!\n", hello.bodyText());
        assertTrue(hello.header("X-Worker-Id").isPresent(), hello::toString);
    }

    @Test
    void xAccelRedirectLetsTheAppAuthorizeAFileNginxSends() {
        String sample = "x-accel-redirect";
        assertUwsgiPassMatchesBind(sample);
        GatehouseAppServer app = startApp(sample, Map.of());
        String report = "quarterly figures\n".repeat(1000);
        Nginx nginx = startNginx(sample, Map.of("unix:/run/gatehouse/app.sock", app.uwsgiPass(),
                "/srv/hello/files/", "@DIR@/files/"), builder -> builder.file("files/report.txt", report));

        RawHttpResponse download = SampleFiles.get(nginx.port(), HOST, "/download/report.txt");
        assertEquals(200, download.status(), () -> download + "\n" + nginx.diagnostics() + app.diagnostics());
        assertEquals(report, download.bodyText());
        assertTrue(download.header("X-Accel-Redirect").isEmpty(), "nginx consumes the header: " + download);
        // The internal location is not reachable from outside, and the app refuses odd names.
        assertEquals(404, SampleFiles.get(nginx.port(), HOST, "/protected/report.txt").status());
        assertEquals(404, SampleFiles.get(nginx.port(), HOST, "/download/..%2Fsecret").status());
    }

    @Test
    void jwsgiAppAnswersWithModifier1Eight() {
        String sample = "jwsgi";
        assertUwsgiPassMatchesBind(sample);
        GatehouseAppServer app = startApp(sample, Map.of());
        Nginx nginx = startNginx(sample, Map.of("unix:/run/gatehouse/jwsgi.sock", app.uwsgiPass()), null);

        RawHttpResponse r = SampleFiles.get(nginx.port(), "legacy.example.com", "/hello");
        assertEquals(200, r.status(), () -> r + "\n" + nginx.diagnostics() + app.diagnostics());
        assertEquals("Hello, World!", r.bodyText());
        assertTrue(app.log().contains("JWSGI dev.gatehouse.demo.jwsgi.JwsgiHello:application"), app::log);
    }

    @Test
    void tcpUpstreamSpreadsOverHostsAndSkipsOneThatIsDown() throws Exception {
        String sample = "tcp-upstream";
        List<String> upstreamServers = matches(UPSTREAM_SERVER, SampleFiles.read(sample, "gatehouse.conf"));
        assertEquals(List.of("10.0.0.11:3031", "10.0.0.12:3031"), upstreamServers);
        String bind = AppServerConfig.load(SampleFiles.NGINX_SAMPLES.resolve(sample).resolve("gatehouse-app.toml"),
                Map.of()).bind().toString();
        assertTrue(upstreamServers.contains(bind), "the TOML's bind " + bind + " is not among " + upstreamServers);

        // Two "hosts": the same TOML, each with its own loopback port and stats port.
        List<TcpAppServer> hosts = new ArrayList<>();
        Map<String, String> siteReplacements = new LinkedHashMap<>();
        for (String server : upstreamServers) {
            int port = FreePort.pick();
            int statsPort = FreePort.pick();
            ScratchDir dir = resources.push(ScratchDir.create("sample-tcp-host"));
            // The sample's allow names the nginx hosts; here nginx connects from loopback.
            Path toml = SampleFiles.appToml(sample, Map.of(bind, "127.0.0.1:" + port,
                    "allow = [\"10.0.0.2\", \"10.0.0.3\"]", "allow = [\"127.0.0.1\"]",
                    "/srv/hello/hello-app.jar", HelloAppJar.path().toString(),
                    "127.0.0.1:9191", "127.0.0.1:" + statsPort), dir);
            hosts.add(resources.push(TcpAppServer.start(toml, port, statsPort, dir)));
            siteReplacements.put(server, "127.0.0.1:" + port);
        }
        Nginx nginx = startNginx(sample, siteReplacements, null);

        for (int i = 0; i < 6; i++) {
            RawHttpResponse r = SampleFiles.get(nginx.port(), HOST, "/hello?name=" + i);
            assertEquals(200, r.status(), () -> r + "\n" + nginx.diagnostics());
            assertEquals("Hello, " + i + "!\n", r.bodyText());
        }
        for (TcpAppServer host : hosts) {
            assertEquals(3, host.requestsServed(3), () -> "round robin over two hosts: " + host.stats());
        }

        // One host goes away: nginx marks it failed and every request still gets an answer.
        hosts.get(0).close();
        for (int i = 0; i < 4; i++) {
            RawHttpResponse r = SampleFiles.get(nginx.port(), HOST, "/hello");
            assertEquals(200, r.status(), () -> r + "\n" + nginx.diagnostics());
        }
        assertEquals(3 + 4, hosts.get(1).requestsServed(3 + 4), () -> hosts.get(1).stats());
    }

    /** The app-server with the sample's TOML (the fixture binds its own socket and runs 1 worker). */
    private GatehouseAppServer startApp(String sample, Map<String, String> extra) {
        ScratchDir dir = resources.push(ScratchDir.create("sample-" + sample));
        Map<String, String> replacements = new LinkedHashMap<>(extra);
        // The fixture's --bind (a socket in its own dir) wins over the file's; the file's bind is
        // pointed into this test's dir all the same, so that nothing here can touch /run.
        replacements.put("unix:/run/gatehouse/", "unix:" + dir.path() + "/");
        String toml = SampleFiles.read(sample, "gatehouse-app.toml");
        if (toml.contains("/srv/hello/hello-app.jar")) {
            replacements.put("/srv/hello/hello-app.jar", HelloAppJar.path().toString());
        }
        if (toml.contains("socket_group = \"www-data\"") && !socketGroup().equals("www-data")) {
            replacements.put("socket_group = \"www-data\"", "socket_group = \"" + socketGroup() + "\"");
        }
        Path file = SampleFiles.appToml(sample, replacements, dir);
        return resources.push(GatehouseAppServer.builder().args("--config", file.toString()).start());
    }

    /** nginx -t on the rewritten site, then a real nginx running it. */
    private Nginx startNginx(String sample, Map<String, String> replacements,
            UnaryOperator<Nginx.Builder> files) {
        String site = SampleFiles.site(sample, replacements);
        try (ScratchDir check = ScratchDir.create("sample-nginx-t")) {
            SampleFiles.assertNginxAccepts(site.replace("@DIR@", check.path().toString()), check);
        }
        Nginx.Builder builder = Nginx.builder().http(site);
        if (files != null) {
            builder = files.apply(builder);
        }
        return resources.push(builder.start());
    }

    /** The nginx config and the TOML of a sample name the same socket. */
    private static void assertUwsgiPassMatchesBind(String sample) {
        List<String> passes = matches(UWSGI_PASS, SampleFiles.read(sample, "gatehouse.conf"));
        String bind = AppServerConfig.load(SampleFiles.NGINX_SAMPLES.resolve(sample).resolve("gatehouse-app.toml"),
                Map.of()).bind().toString();
        assertEquals(List.of(bind), passes.stream().distinct().toList(),
                sample + ": nginx's uwsgi_pass and the app-server's bind differ");
    }

    private static List<String> matches(Pattern p, String text) {
        List<String> out = new ArrayList<>();
        Matcher m = p.matcher(text);
        while (m.find()) {
            out.add(m.group(1));
        }
        return out;
    }

    /**
     * The group the samples' sockets get: www-data as the samples say when this runs as root on
     * a system that has it (Debian's nginx user), else a group this user may hand a file to.
     */
    private static String socketGroup() {
        try {
            var lookup = Path.of("/").getFileSystem().getUserPrincipalLookupService();
            GroupPrincipal wwwData = lookup.lookupPrincipalByGroupName("www-data");
            if (Files.getAttribute(Path.of("/proc/self"), "unix:uid").equals(0)) {
                return wwwData.getName();
            }
        } catch (UserPrincipalNotFoundException e) {
            // fall through to this user's own group
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try {
            Path probe = Files.createTempFile("gatehouse-group", ".probe");
            try {
                return Files.getFileAttributeView(probe, PosixFileAttributeView.class).readAttributes().group().getName();
            } finally {
                Files.delete(probe);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * An app-server host on TCP: the {@link GatehouseAppServer} fixture always binds a unix
     * socket, so this starts the same command with the TOML's own (TCP) bind.
     */
    private static final class TcpAppServer implements AutoCloseable {
        private final ManagedProcess process;
        private final int statsPort;

        private TcpAppServer(ManagedProcess process, int statsPort) {
            this.process = process;
            this.statsPort = statsPort;
        }

        static TcpAppServer start(Path toml, int port, int statsPort, ScratchDir dir) {
            List<String> command = ServerJvm.command(List.of(), ServerJvm.defaultClasspath(),
                    GatehouseAppServer.MAIN_CLASS);
            command.addAll(List.of("--config", toml.toString(), "--workers", "1"));
            ManagedProcess p = ManagedProcess.start("Gatehouse app-server 127.0.0.1:" + port, command, dir.path(),
                    dir.resolve("app-server.log"), List.of(), Map.of(),
                    ManagedProcess.StopPolicy.term(Duration.ofSeconds(10)));
            try {
                p.awaitConnectable(new InetSocketAddress("127.0.0.1", port), Duration.ofSeconds(30));
                p.awaitConnectable(new InetSocketAddress("127.0.0.1", statsPort), Duration.ofSeconds(30));
            } catch (RuntimeException e) {
                p.close();
                throw e;
            }
            return new TcpAppServer(p, statsPort);
        }

        /** The stats endpoint's raw JSON: it answers a client that connects and sends nothing. */
        String stats() {
            try (Socket s = new Socket("127.0.0.1", statsPort); InputStream in = s.getInputStream()) {
                s.setSoTimeout(5000);
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException("stats of " + process.name(), e);
            }
        }

        /**
         * Requests answered by all workers as the stats report them, once they report {@code
         * expected} or 5 s have passed: workers report their counters once a second, so the stats
         * lag behind the responses, but never run ahead of them.
         */
        int requestsServed(int expected) throws InterruptedException {
            long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while (true) {
                int total = 0;
                Matcher m = REQUESTS.matcher(stats());
                while (m.find()) {
                    total += Integer.parseInt(m.group(1));
                }
                if (total == expected || System.nanoTime() > deadline) {
                    return total;
                }
                Thread.sleep(200);
            }
        }

        @Override
        public void close() {
            process.close();
        }
    }
}
