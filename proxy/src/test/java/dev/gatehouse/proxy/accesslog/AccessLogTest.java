package dev.gatehouse.proxy.accesslog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gatehouse.conf.proxy.AccessLogFormat;
import dev.gatehouse.proxy.support.RawClient;
import dev.gatehouse.proxy.support.TestProxy;
import dev.gatehouse.uwsgi.MiniJson;
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
        long deadline = System.nanoTime() + java.time.Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            if (Files.exists(file)) {
                List<String> lines = Files.readAllLines(file, java.nio.charset.StandardCharsets.ISO_8859_1);
                if (lines.size() >= n) {
                    return lines;
                }
            }
            Thread.sleep(25);
        }
        throw new AssertionError("access log " + file + " did not get " + n + " lines within 60 s");
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
        Map<String, Object> o = MiniJson.parseObject(line);
        assertEquals("r\"\n{", o.get("referer"));
        assertEquals("ua\u00ff", o.get("user_agent"));
        assertEquals(404L, o.get("status"));
        assertEquals("/\u0001", o.get("uri"));
    }

    @Test
    void writesRequestsToTheFileAndReopensAfterRotation() throws Exception {
        Path log = dir.resolve("access.log");
        Path www = Files.createDirectories(dir.resolve("www"));
        Files.writeString(www.resolve("f.txt"), "12345");
        try (TestProxy p = TestProxy.start("[[location]]\npath = \"/\"\nroot = \"" + www + "\"\n",
                Map.of("access_log", log.toString(), "access_log_format", "json"))) {
            try (RawClient c = p.client()) {
                c.send("GET /f.txt HTTP/1.1\r\nHost: x\r\nUser-Agent: a\"b\r\n\r\n").read();
                c.send("GET /nope HTTP/1.1\r\nHost: x\r\n\r\n").read();
            }
            List<String> lines = awaitLines(log, 2);
            Map<String, Object> first = MiniJson.parseObject(lines.get(0));
            assertEquals("/f.txt", first.get("uri"));
            assertEquals(200L, first.get("status"));
            assertEquals(5L, first.get("body_bytes_sent"));
            assertEquals("a\"b", first.get("user_agent"));
            assertEquals(404L, MiniJson.parseObject(lines.get(1)).get("status"));

            Path rotated = dir.resolve("access.log.1");
            Files.move(log, rotated);
            p.server.reopenLogs();
            try (RawClient c = p.client()) {
                c.send("GET /f.txt HTTP/1.1\r\nHost: x\r\n\r\n").read();
            }
            assertEquals(1, awaitLines(log, 1).size());
            assertEquals(2, Files.readAllLines(rotated).size());
        }
    }
}
