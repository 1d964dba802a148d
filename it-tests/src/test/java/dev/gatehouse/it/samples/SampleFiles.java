package dev.gatehouse.it.samples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gatehouse.it.support.PeerBinaries;
import dev.gatehouse.it.support.RawHttpClient;
import dev.gatehouse.it.support.RawHttpResponse;
import dev.gatehouse.it.support.ScratchDir;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The files of the repository's {@code nginx-samples/} and {@code examples/} folders, and the one
 * way the tests adapt them: literal replacements of deployment paths ({@code /run/gatehouse/...},
 * {@code /srv/...}, {@code listen 80}) by test paths, each of which must occur in the file, so
 * that a sample edited away from its test fails loudly instead of being tested less.
 */
final class SampleFiles {

    /** The repository root: it-tests' parent (surefire runs tests in the module's folder). */
    static final Path REPO = Path.of(System.getProperty("basedir", ".")).toAbsolutePath().normalize().getParent();
    static final Path NGINX_SAMPLES = REPO.resolve("nginx-samples");
    static final Path EXAMPLES = REPO.resolve("examples");

    /** Deployment paths that must all be gone from a config once it is rewritten for a test. */
    private static final List<String> DEPLOYMENT_PATHS = List.of("/run/gatehouse", "/srv/", "10.0.0.");

    private SampleFiles() {}

    /** A file of a sample, e.g. {@code ("unix-socket", "gatehouse.conf")}. */
    static String read(String sample, String file) {
        try {
            return Files.readString(NGINX_SAMPLES.resolve(sample).resolve(file), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read nginx-samples/" + sample + "/" + file, e);
        }
    }

    /**
     * The sample's nginx site config for a test: its {@code listen 80} on the fixture's loopback
     * port ({@code @PORT@}, which {@link dev.gatehouse.it.support.Nginx} fills in), no IPv6
     * listen, and the given path replacements.
     */
    static String site(String sample, Map<String, String> replacements) {
        Map<String, String> all = new LinkedHashMap<>();
        all.put("listen 80;", "listen 127.0.0.1:@PORT@;");
        all.put("listen [::]:80;", "");
        all.putAll(replacements);
        return rewrite("nginx-samples/" + sample + "/gatehouse.conf", read(sample, "gatehouse.conf"), all);
    }

    /** The sample's gatehouse-app.toml with the given replacements, written to {@code dir}. */
    static Path appToml(String sample, Map<String, String> replacements, ScratchDir dir) {
        String text = rewrite("nginx-samples/" + sample + "/gatehouse-app.toml", read(sample, "gatehouse-app.toml"),
                replacements);
        return dir.write("gatehouse-app.toml", text.getBytes(StandardCharsets.UTF_8));
    }

    static String rewrite(String name, String text, Map<String, String> replacements) {
        String out = text;
        for (Map.Entry<String, String> r : replacements.entrySet()) {
            assertTrue(out.contains(r.getKey()), () -> name + " no longer contains \"" + r.getKey()
                    + "\", which its test replaces; update the test with the sample");
            out = out.replace(r.getKey(), r.getValue());
        }
        for (String path : DEPLOYMENT_PATHS) {
            String leftover = out;
            assertTrue(!leftover.lines().filter(l -> !l.strip().startsWith("#")).anyMatch(l -> l.contains(path)),
                    () -> name + " still names " + path + " after the test's replacements:\n" + leftover);
        }
        return out;
    }

    /**
     * Runs {@code nginx -t} on a site config inside an http block like Debian's nginx.conf, with
     * every path nginx writes in {@code dir}.
     */
    static void assertNginxAccepts(String site, ScratchDir dir) {
        String conf = """
                pid %1$s/nginx.pid;
                error_log %1$s/error.log;
                events {
                    worker_connections 64;
                }
                http {
                    include /etc/nginx/mime.types;
                    default_type application/octet-stream;
                    client_body_temp_path %1$s/client_body_temp;
                    proxy_temp_path %1$s/proxy_temp;
                    fastcgi_temp_path %1$s/fastcgi_temp;
                    uwsgi_temp_path %1$s/uwsgi_temp;
                    scgi_temp_path %1$s/scgi_temp;
                    access_log %1$s/access.log;
                    include %1$s/site.conf;
                }
                """.formatted(dir.path());
        dir.write("site.conf", site.replace("@PORT@", "8080").getBytes(StandardCharsets.UTF_8));
        dir.write("nginx.conf", conf.getBytes(StandardCharsets.UTF_8));
        ProcessBuilder pb = new ProcessBuilder(PeerBinaries.nginx().toString(), "-t", "-p", dir.path() + "/",
                "-c", dir.resolve("nginx.conf").toString(), "-e", dir.resolve("error.log").toString())
                .redirectErrorStream(true);
        try {
            Process p = pb.start();
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(30, TimeUnit.SECONDS), "nginx -t did not finish");
            assertEquals(0, p.exitValue(), () -> "nginx -t refused the sample:\n" + output + "\n" + site);
            assertTrue(output.contains("syntax is ok") && output.contains("test is successful"), output);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** {@code GET target} to the nginx on {@code port} with a {@code Host} header, as a browser sends it. */
    static RawHttpResponse get(int port, String host, String target) {
        String request = "GET " + target + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n";
        return RawHttpClient.exchange(port, request.getBytes(StandardCharsets.US_ASCII), RawHttpClient.DEFAULT_TIMEOUT);
    }
}
