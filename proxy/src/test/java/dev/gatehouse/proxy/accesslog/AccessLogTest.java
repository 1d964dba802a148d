package dev.gatehouse.proxy.accesslog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.gatehouse.conf.proxy.AccessLogFormat;
import dev.gatehouse.proxy.support.RawClient;
import dev.gatehouse.proxy.support.TestProxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The access log: nginx combined and JSON, hostile values escaped, written to a file, reopened. */
class AccessLogTest {

    @TempDir
    Path dir;

    private static List<String> awaitLines(Path file, int n) throws Exception {
        for (int i = 0; i < 200; i++) {
            if (Files.exists(file)) {
                List<String> lines = Files.readAllLines(file, java.nio.charset.StandardCharsets.ISO_8859_1);
                if (lines.size() >= n) {
                    return lines;
                }
            }
            Thread.sleep(25);
        }
        throw new AssertionError("access log " + file + " did not get " + n + " lines");
    }

    @Test
    void combinedLineEscapesAHostileUserAgent() {
        String line = new LogLineFormat(AccessLogFormat.COMBINED).format(new AccessLogEntry("10.0.0.1", 0L, "GET",
                "/a?b=\"c\"", "HTTP/1.1", 200, 12, null, "evil\" 200 0 \"-\" \"x\u00e9\\", null, 1500));
        assertTrue(line.startsWith("10.0.0.1 - - ["), line);
        assertTrue(line.endsWith("\"GET /a?b=\\x22c\\x22 HTTP/1.1\" 200 12 \"-\" \"evil\\x22 200 0 \\x22-\\x22 \\x22x\\xe9\\x5c\"\n"),
                line);
        assertEquals(1, line.split("\n", -1).length - 1);
    }

    @Test
    void jsonLineIsOneValidObject() {
        String line = new LogLineFormat(AccessLogFormat.JSON).format(new AccessLogEntry("10.0.0.1", 0L, "GET",
                "/\u0001", "HTTP/1.1", 404, 0, "r\"\n{", "ua\u00ff", "h", 2000));
        assertEquals(1, line.split("\n", -1).length - 1);
        JsonObject o = JsonParser.parseString(line).getAsJsonObject();
        assertEquals("r\"\n{", o.get("referer").getAsString());
        assertEquals("ua\u00ff", o.get("user_agent").getAsString());
        assertEquals(404, o.get("status").getAsInt());
        assertEquals("/\u0001", o.get("uri").getAsString());
    }

    @Test
    void writesRequestsToTheFileAndReopensAfterRotation() throws Exception {
        Path log = dir.resolve("access.log");
        Path www = Files.createDirectories(dir.resolve("www"));
        Files.writeString(www.resolve("f.txt"), "12345");
        try (TestProxy p = TestProxy.start("[[location]]\npath = \"/\"\nroot = \"" + www + "\"\n",
                Map.of("access_log", log.toString(), "access_log_format", "json"))) {
            try (RawClient c = p.client()) {
                c.send("GET /f.txt HTTP/1.1\r\nUser-Agent: a\"b\r\n\r\n").read();
                c.send("GET /nope HTTP/1.1\r\n\r\n").read();
            }
            List<String> lines = awaitLines(log, 2);
            JsonObject first = JsonParser.parseString(lines.get(0)).getAsJsonObject();
            assertEquals("/f.txt", first.get("uri").getAsString());
            assertEquals(200, first.get("status").getAsInt());
            assertEquals(5, first.get("body_bytes_sent").getAsInt());
            assertEquals("a\"b", first.get("user_agent").getAsString());
            assertEquals(404, JsonParser.parseString(lines.get(1)).getAsJsonObject().get("status").getAsInt());

            Path rotated = dir.resolve("access.log.1");
            Files.move(log, rotated);
            p.server.reopenLogs();
            try (RawClient c = p.client()) {
                c.send("GET /f.txt HTTP/1.1\r\n\r\n").read();
            }
            assertEquals(1, awaitLines(log, 1).size());
            assertEquals(2, Files.readAllLines(rotated).size());
        }
    }
}
