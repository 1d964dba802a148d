package dev.gatehouse.proxy.statics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gatehouse.proxy.exchange.HttpDate;
import dev.gatehouse.proxy.support.RawClient;
import dev.gatehouse.proxy.support.TestProxy;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Static files against the running proxy: validators, conditionals, ranges, index, MIME, precompressed siblings. */
class StaticFilesTest {

    @TempDir
    Path root;
    TestProxy proxy;
    final HttpClient http = HttpClient.newHttpClient();
    static final long MTIME = 1_700_000_000L;
    static final String DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz";

    @BeforeEach
    void files() throws IOException {
        Files.writeString(root.resolve("a.txt"), DIGITS);
        Files.setLastModifiedTime(root.resolve("a.txt"), FileTime.from(Instant.ofEpochSecond(MTIME)));
        Files.createDirectories(root.resolve("docs"));
        Files.writeString(root.resolve("docs/index.html"), "<h1>docs</h1>");
        Files.createDirectories(root.resolve("empty"));
        Files.writeString(root.resolve("app.js"), "console.log(1)");
        Files.writeString(root.resolve("app.js.gz"), "GZ");
        Files.writeString(root.resolve("app.js.br"), "BR");
        Files.writeString(root.resolve("data.wasm"), "W");
        Files.writeString(root.resolve("c.css"), "x{}");
        Files.createFile(root.resolve("zero.txt"));
        proxy = TestProxy.start("[[location]]\npath = \"/\"\nroot = \"" + root + "\"\ngzip_static = true\n"
                + "brotli_static = true\nexpires = \"1h\"\n"
                + "[[location]]\npath = \"/c.css\"\nroot = \"" + root + "\"\ncache_control = \"no-store\"\n"
                + "[mime_types]\nwasm = \"application/x-test-wasm\"\n", Map.of());
    }

    @AfterEach
    void stop() {
        proxy.close();
    }

    private RawClient.Response get(String path, String... headers) {
        try (RawClient c = proxy.client()) {
            StringBuilder b = new StringBuilder("GET " + path + " HTTP/1.1\r\nHost: t\r\n");
            for (String h : headers) {
                b.append(h).append("\r\n");
            }
            return c.send(b + "\r\n").read();
        }
    }

    @Test
    void servesAFileWithNginxValidatorsAndExpires() throws Exception {
        HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(URI.create(proxy.url("/a.txt"))).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, r.statusCode());
        assertArrayEquals(DIGITS.getBytes(StandardCharsets.US_ASCII), r.body());
        assertEquals("\"" + Long.toHexString(MTIME) + "-24\"", r.headers().firstValue("etag").orElseThrow());
        assertEquals(HttpDate.format(MTIME), r.headers().firstValue("last-modified").orElseThrow());
        assertEquals("text/plain", r.headers().firstValue("content-type").orElseThrow());
        assertEquals("bytes", r.headers().firstValue("accept-ranges").orElseThrow());
        assertEquals("max-age=3600", r.headers().firstValue("cache-control").orElseThrow());
        assertTrue(r.headers().firstValue("expires").isPresent());
    }

    @Test
    void cacheControlPerLocationAndMimeOverride() {
        assertEquals("no-store", get("/c.css").header("cache-control"));
        assertEquals("text/css", get("/c.css").header("content-type"));
        assertEquals("application/x-test-wasm", get("/data.wasm").header("content-type"));
    }

    @Test
    void headSendsHeadersOnly() {
        try (RawClient c = proxy.client()) {
            RawClient.Response r = c.send("HEAD /a.txt HTTP/1.1\r\nHost: x\r\n\r\n").read(true);
            assertEquals(200, r.status());
            assertEquals("36", r.header("content-length"));
            // The next response on the connection starts right after the head: no body was sent.
            assertEquals(200, c.send("GET /zero.txt HTTP/1.1\r\nHost: x\r\n\r\n").read().status());
        }
    }

    @Test
    void emptyFileIsServed() {
        RawClient.Response r = get("/zero.txt");
        assertEquals(200, r.status());
        assertEquals("0", r.header("content-length"));
    }

    @Test
    void otherMethodsGet405() {
        try (RawClient c = proxy.client()) {
            RawClient.Response r = c.send("DELETE /a.txt HTTP/1.1\r\nHost: x\r\n\r\n").read();
            assertEquals(405, r.status());
            assertEquals("GET, HEAD", r.header("allow"));
        }
    }

    @Test
    void conditionalsGive304And412() {
        String etag = "\"" + Long.toHexString(MTIME) + "-24\"";
        RawClient.Response r = get("/a.txt", "If-None-Match: " + etag);
        assertEquals(304, r.status());
        assertEquals(etag, r.header("etag"));
        assertNull(r.header("content-length"));
        assertEquals(304, get("/a.txt", "If-None-Match: \"x\", W/" + etag).status());
        assertEquals(200, get("/a.txt", "If-None-Match: \"other\"").status());
        assertEquals(304, get("/a.txt", "If-Modified-Since: " + HttpDate.format(MTIME)).status());
        assertEquals(200, get("/a.txt", "If-Modified-Since: " + HttpDate.format(MTIME - 1)).status());
        assertEquals(412, get("/a.txt", "If-Match: \"other\"").status());
        assertEquals(200, get("/a.txt", "If-Match: " + etag).status());
        assertEquals(412, get("/a.txt", "If-Unmodified-Since: " + HttpDate.format(MTIME - 10)).status());
        assertEquals(200, get("/a.txt", "If-Unmodified-Since: " + HttpDate.format(MTIME)).status());
    }

    @Test
    void singleRangeGives206() {
        RawClient.Response r = get("/a.txt", "Range: bytes=2-5");
        assertEquals(206, r.status());
        assertEquals("bytes 2-5/36", r.header("content-range"));
        assertEquals("2345", r.text());
        assertEquals("wxyz", get("/a.txt", "Range: bytes=-4").text());
        assertEquals("z", get("/a.txt", "Range: bytes=35-").text());
        assertEquals(DIGITS, get("/a.txt", "Range: bytes=0-999").text());
    }

    @Test
    void multipleRangesGiveMultipartByteranges() {
        RawClient.Response r = get("/a.txt", "Range: bytes=0-1,10-11");
        assertEquals(206, r.status());
        String type = r.header("content-type");
        assertTrue(type.startsWith("multipart/byteranges; boundary="), type);
        String boundary = type.substring(type.indexOf('=') + 1);
        String expected = "\r\n--" + boundary + "\r\nContent-Type: text/plain\r\nContent-Range: bytes 0-1/36\r\n\r\n01"
                + "\r\n--" + boundary + "\r\nContent-Type: text/plain\r\nContent-Range: bytes 10-11/36\r\n\r\nab"
                + "\r\n--" + boundary + "--\r\n";
        assertEquals(expected, r.text());
    }

    @Test
    void unsatisfiableRangeGives416AndBadSyntaxIsIgnored() {
        RawClient.Response r = get("/a.txt", "Range: bytes=100-200");
        assertEquals(416, r.status());
        assertEquals("bytes */36", r.header("content-range"));
        assertEquals(200, get("/a.txt", "Range: bytes=x-y").status());
        assertEquals(200, get("/a.txt", "Range: lines=1-2").status());
    }

    @Test
    void ifRangeAppliesTheRangeOnlyForTheCurrentValidator() {
        String etag = "\"" + Long.toHexString(MTIME) + "-24\"";
        assertEquals(206, get("/a.txt", "Range: bytes=0-1", "If-Range: " + etag).status());
        assertEquals(200, get("/a.txt", "Range: bytes=0-1", "If-Range: \"old\"").status());
        assertEquals(206, get("/a.txt", "Range: bytes=0-1", "If-Range: " + HttpDate.format(MTIME)).status());
        assertEquals(200, get("/a.txt", "Range: bytes=0-1", "If-Range: " + HttpDate.format(MTIME - 5)).status());
    }

    @Test
    void directoryWithoutSlashRedirectsAndIndexIsServed() {
        RawClient.Response r = get("/docs?x=1");
        assertEquals(301, r.status());
        assertEquals("/docs/?x=1", r.header("location"));
        RawClient.Response index = get("/docs/");
        assertEquals(200, index.status());
        assertEquals("<h1>docs</h1>", index.text());
        assertEquals("text/html", index.header("content-type"));
        assertEquals(403, get("/empty/").status());
    }

    @Test
    void precompressedSiblingsFollowAcceptEncoding() {
        RawClient.Response br = get("/app.js", "Accept-Encoding: gzip, br");
        assertEquals("BR", br.text());
        assertEquals("br", br.header("content-encoding"));
        assertEquals("Accept-Encoding", br.header("vary"));
        assertEquals("application/javascript", br.header("content-type"));
        RawClient.Response gz = get("/app.js", "Accept-Encoding: gzip");
        assertEquals("GZ", gz.text());
        assertEquals("gzip", gz.header("content-encoding"));
        RawClient.Response plain = get("/app.js", "Accept-Encoding: gzip;q=0");
        assertEquals("console.log(1)", plain.text());
        assertNull(plain.header("content-encoding"));
        assertEquals("Accept-Encoding", plain.header("vary"));
    }

    @Test
    void openFileCacheNoticesAChangedFileAfterValid() throws Exception {
        proxy.close();
        proxy = TestProxy.start("[[location]]\npath = \"/\"\nroot = \"" + root + "\"\n",
                Map.of("open_file_cache.valid", "200ms"));
        assertEquals(DIGITS, get("/a.txt").text());
        assertEquals(1, proxy.server.context().statics().cache().size());
        Path tmp = root.resolve("a.tmp");
        Files.writeString(tmp, "new content");
        Files.move(tmp, root.resolve("a.txt"), java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        Thread.sleep(300);
        assertEquals("new content", get("/a.txt").text());
        Files.delete(root.resolve("a.txt"));
        Thread.sleep(300);
        assertEquals(404, get("/a.txt").status());
    }
}
