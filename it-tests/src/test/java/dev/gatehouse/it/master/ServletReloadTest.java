package dev.gatehouse.it.master;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gatehouse.it.support.ExampleWar;
import dev.gatehouse.it.support.GatehouseAppServer;
import dev.gatehouse.it.support.Nginx;
import dev.gatehouse.it.support.RawHttpClient;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A redeploy: HUP with a new WAR in place of the old one, under continuous load through nginx.
 * Not one request fails, and once the new generation serves, the new WAR's static page is what
 * clients get.
 */
class ServletReloadTest {

    private static final Logger log = LoggerFactory.getLogger(ServletReloadTest.class);
    private static final int WORKERS = 2;

    @TempDir
    Path work;

    /** examples/spring-app with its index page saying {@code version}. */
    private Path build(String version) throws IOException {
        Path project = work.resolve("spring-app-" + version);
        Path source = ExampleWar.REPO.resolve("examples/spring-app");
        try (Stream<Path> files = Files.walk(source)) {
            for (Path p : files.filter(p -> !source.relativize(p).startsWith("target")).toList()) {
                Path target = project.resolve(source.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        }
        Files.writeString(project.resolve("src/main/webapp/index.html"), "<p>version " + version + "</p>\n",
                StandardCharsets.UTF_8);
        return ExampleWar.build(project, "spring-app.war");
    }

    @Test
    void hupWithANewWarRedeploysWithoutAFailedRequest() throws Exception {
        Path war = work.resolve("app.war");
        Files.copy(build("v1"), war);
        Path next = work.resolve("app-v2.war");
        Files.copy(build("v2"), next);
        try (MasterUnderTest master = MasterUnderTest.start(GatehouseAppServer.builder()
                        .workers(WORKERS)
                        .args("--war", war.toString(), "--set", "session_dir=" + work.resolve("sessions"),
                                "--set", "jvm_options=-Xmx128m -XX:+UseSerialGC")
                        .startTimeout(MasterUnderTest.BOOT));
                Nginx nginx = master.startNginx()) {
            master.awaitServing(WORKERS);
            assertEquals("<p>version v1</p>\n", RawHttpClient.get(nginx.port(), "/").bodyText());

            HttpLoad load = HttpLoad.start(nginx.port(), "/api/greeting?name=load", 3, Duration.ofMillis(5));
            load.awaitOk(50, Duration.ofSeconds(60));
            // Jetty unpacked the old WAR at deploy, so the old workers do not read the file again.
            Files.move(next, war, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            master.signal("HUP");
            master.awaitStats("generation 2 alone, " + WORKERS + " workers serving",
                    s -> s.workers().size() == WORKERS && s.serving().size() == WORKERS
                            && s.workers().stream().allMatch(w -> w.generation() == 2),
                    MasterUnderTest.BOOT);
            int okBefore = (int) load.okCount();
            load.awaitOk(okBefore + 50, Duration.ofSeconds(60));
            load.stop();
            // Not load.summary(): it reads each body as a pid, and these bodies are JSON.
            String summary = load.outcomes().size() + " requests, by status " + load.byStatus();
            log.info("servlet redeploy under load: {}", summary);

            List<HttpLoad.Outcome> failures = load.failures();
            assertEquals(List.of(), failures, () -> "requests failed across the redeploy: " + summary);
            assertTrue(load.okCount() > 100, summary);
            assertEquals("<p>version v2</p>\n", RawHttpClient.get(nginx.port(), "/").bodyText());
        }
    }
}
