package dev.gatehouse.it.samples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gatehouse.it.support.GatehouseAppServer;
import dev.gatehouse.it.support.UwsgiPacketClient;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * {@code examples/hello-app}, the user's first application: it compiles against the app-server
 * alone (javac, as its README shows) and runs as {@code app-server --classpath hello-app.jar --app
 * com.example.App}, with its per-worker start hook.
 */
class HelloAppExampleTest {

    @Test
    void buildsAgainstTheAppServerAndRunsFromItsJar() {
        Path jar = HelloAppJar.path();
        try (GatehouseAppServer server = GatehouseAppServer.builder()
                .classpath(jar.toString())
                .app(HelloAppJar.APP_CLASS)
                .start()) {
            String reply = get(server, "/hello?name=Ada");
            assertTrue(reply.startsWith("HTTP/1.1 200 OK\r\n"), reply);
            assertTrue(reply.contains("\r\nX-Worker-Id: 1\r\n"), () -> "the start hook ran in worker 1: " + reply);
            assertTrue(reply.endsWith("\r\n\r\nHello, Ada!\n"), reply);

            String download = get(server, "/download/report.pdf");
            assertTrue(download.startsWith("HTTP/1.1 200 OK\r\n"), download);
            assertTrue(download.contains("\r\nX-Accel-Redirect: /protected/report.pdf\r\n"), download);

            assertTrue(get(server, "/download/.hidden").startsWith("HTTP/1.1 404 "));
            assertTrue(get(server, "/nothing-here").startsWith("HTTP/1.1 404 "));
        }
    }

    @Test
    void pomBuildsAgainstThisGatehouseVersion() throws IOException {
        String pom = Files.readString(HelloAppJar.PROJECT.resolve("pom.xml"), StandardCharsets.UTF_8);
        String parent = Files.readString(SampleFiles.REPO.resolve("pom.xml"), StandardCharsets.UTF_8);
        assertEquals(firstGroup("<version>([^<]+)</version>", parent),
                firstGroup("<gatehouse.version>([^<]+)</gatehouse.version>", pom),
                "examples/hello-app/pom.xml names another Gatehouse version than the build");
        assertTrue(pom.contains("<artifactId>app-server</artifactId>") && pom.contains("<scope>provided</scope>"), pom);
    }

    private static String get(GatehouseAppServer server, String target) {
        byte[] reply = UwsgiPacketClient.exchange(server.socketPath(), 0, UwsgiPacketClient.getVars(target), new byte[0],
                Duration.ofSeconds(15));
        return new String(reply, StandardCharsets.UTF_8);
    }

    private static String firstGroup(String regex, String text) {
        Matcher m = Pattern.compile(regex).matcher(text);
        assertTrue(m.find(), regex);
        return m.group(1);
    }
}
