package dev.gatehouse.proxy.http1;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gatehouse.proxy.exchange.Authority;
import dev.gatehouse.proxy.support.EchoUpstream;
import dev.gatehouse.proxy.support.RawClient;
import dev.gatehouse.proxy.support.TestProxy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What RFC 9112 and RFC 9110 require of a server receiving HTTP/1.x requests, one behaviour per
 * test, each asserting the exact status over a real socket: the Host field, the four forms of
 * request-target, the version, and body framing. nginx 1.22's answer to the same bytes is noted
 * where Gatehouse differs, with the reason.
 */
class Http1ConformanceTest {

    @TempDir
    Path root;
    private TestProxy proxy;
    private final EchoUpstream echo = new EchoUpstream(0);

    @BeforeEach
    void start() throws IOException {
        Files.writeString(root.resolve("hello.txt"), "hello\n");
        proxy = TestProxy.start("[[location]]\npath = \"/\"\nroot = \"" + root + "\"\n"
                + "[[location]]\npath = \"/app/\"\nupstream = \"echo\"\n"
                + "[upstream.echo]\nservers = [\"unix:/tmp/gatehouse-test-none.sock\"]\n", Map.of(), c -> echo);
    }

    @AfterEach
    void stop() {
        proxy.close();
    }

    /** The response to {@code request}, sent alone on a new connection. */
    private RawClient.Response send(String request) {
        try (RawClient c = proxy.client()) {
            return c.send(request).read();
        }
    }

    /** {@code request} is answered {@code status}, the connection closed, and the app never sees it. */
    private void assertRefused(int status, String request) {
        try (RawClient c = proxy.client()) {
            RawClient.Response r = c.send(request).read();
            assertEquals(status, r.status(), request);
            assertEquals("close", r.header("connection"), request);
            assertTrue(c.closedByPeer(), request);
        }
        assertTrue(echo.seen.isEmpty(), "forwarded: " + request);
    }

    /** {@code request} is answered 405 by the edge itself (the connection stays open) and not forwarded. */
    private void assertAnswered405(String request) {
        assertEquals(405, send(request).status(), request);
        assertTrue(echo.seen.isEmpty(), "forwarded: " + request);
    }

    /** The Host field the app received for the one request forwarded so far. */
    private String forwardedHost() {
        assertEquals(1, echo.seen.size());
        List<String> hosts = echo.seen.get(0).headers().stream().filter(e -> e.getKey().equalsIgnoreCase("host"))
                .map(Map.Entry::getValue).toList();
        assertEquals(1, hosts.size(), "one Host field: " + hosts);
        return hosts.get(0);
    }

    // ---- Host (RFC 9112 3.2)

    @Test
    void http11RequestWithoutHostGets400() {
        assertRefused(400, "GET /hello.txt HTTP/1.1\r\n\r\n");
        assertRefused(400, "GET /app/x HTTP/1.1\r\n\r\n");
    }

    @Test
    void http10RequestWithoutHostIsServed() {
        assertEquals(200, send("GET /hello.txt HTTP/1.0\r\n\r\n").status());
    }

    @Test
    void twoHostFieldsGet400() {
        assertRefused(400, "GET /hello.txt HTTP/1.1\r\nHost: a.example\r\nHost: b.example\r\n\r\n");
        assertRefused(400, "GET /hello.txt HTTP/1.1\r\nHost: a.example\r\nHost: a.example\r\n\r\n");
        assertRefused(400, "GET /hello.txt HTTP/1.0\r\nHost: a.example\r\nHost: b.example\r\n\r\n");
    }

    @Test
    void invalidHostGets400() {
        // nginx 1.22 refuses the first five too; it accepts the others (Authority says why not).
        for (String host : List.of("", "a b", "a/b", "a..b", "a\\b", "u@a.example", "a.example:8x", "[::1",
                "[::1]x", "a?b", "a#b", "\u00e9.example", "a%4", "a\"b")) {
            assertRefused(400, "GET /hello.txt HTTP/1.1\r\nHost: " + host + "\r\n\r\n");
        }
    }

    @Test
    void hostIsCheckedInHttp10Too() {
        assertRefused(400, "GET /hello.txt HTTP/1.0\r\nHost: a b\r\n\r\n");
    }

    @Test
    void validHostFormsAreServed() {
        for (String host : List.of("example.com", "Example.COM", "example.com:8080", "example.com:", "a.", "127.0.0.1",
                "127.0.0.1:80", "[::1]", "[::1]:8080", "[v1.x]", "xn--bcher-kva.example", "a_b.example", "a%41.example",
                "a,b")) {
            assertEquals(200, send("GET /hello.txt HTTP/1.1\r\nHost: " + host + "\r\n\r\n").status(), host);
        }
    }

    @Test
    void hostIsForwardedAsSent() {
        assertEquals(200, send("GET /app/x HTTP/1.1\r\nHost: Example.COM:8080\r\n\r\n").status());
        assertEquals("Example.COM:8080", forwardedHost());
    }

    // ---- absolute-form (RFC 9112 3.2.2)

    @Test
    void absoluteFormTargetIsAcceptedAndItsAuthorityReplacesHost() {
        // nginx routes by the target's host but passes the Host field on as HTTP_HOST; Gatehouse
        // replaces the field, so the app sees the host the request was routed by.
        RawClient.Response r = send("GET http://good.example/app/x?q=1 HTTP/1.1\r\nHost: other.example\r\n\r\n");
        assertEquals(200, r.status());
        assertEquals("good.example", forwardedHost());
    }

    @Test
    void absoluteFormForTheSameHostKeepsHost() {
        assertEquals(200, send("GET http://good.example:8080/app/x HTTP/1.1\r\nHost: good.example:8080\r\n\r\n")
                .status());
        assertEquals("good.example:8080", forwardedHost());
    }

    @Test
    void absoluteFormIsRoutedByItsPath() {
        RawClient.Response r = send("GET https://good.example/hello.txt HTTP/1.1\r\nHost: good.example\r\n\r\n");
        assertEquals(200, r.status());
        assertEquals("hello\n", r.text());
    }

    @Test
    void absoluteFormInHttp11WithoutHostGets400() {
        assertRefused(400, "GET http://good.example/app/x HTTP/1.1\r\n\r\n"); // nginx too
    }

    @Test
    void absoluteFormInHttp10WithoutHostGetsTheTargetsHost() {
        assertEquals(200, send("GET http://good.example/app/x HTTP/1.0\r\n\r\n").status());
        assertEquals("good.example", forwardedHost());
    }

    @Test
    void absoluteFormWithUserinfoGets400() {
        assertRefused(400, "GET http://user@good.example/app/x HTTP/1.1\r\nHost: good.example\r\n\r\n"); // nginx too
    }

    @Test
    void absoluteFormWithAnEmptyOrInvalidHostGets400() {
        assertRefused(400, "GET http:///app/x HTTP/1.1\r\nHost: good.example\r\n\r\n");
        assertRefused(400, "GET http://exa..mple/app/x HTTP/1.1\r\nHost: good.example\r\n\r\n");
        assertRefused(400, "GET http://good.example:x/app/x HTTP/1.1\r\nHost: good.example\r\n\r\n");
    }

    @Test
    void absoluteFormWithASchemeOtherThanHttpGets400() {
        // nginx accepts any scheme; an edge for http and https has no business with ftp targets.
        assertRefused(400, "GET ftp://good.example/app/x HTTP/1.1\r\nHost: good.example\r\n\r\n");
    }

    // ---- asterisk-form and authority-form (RFC 9112 3.2.3, 3.2.4)

    @Test
    void asteriskFormForOptionsIsAnswered405ByTheEdge() {
        // nginx answers 400; the request is well-formed, the edge just does not forward it.
        assertAnswered405("OPTIONS * HTTP/1.1\r\nHost: a.example\r\n\r\n");
    }

    @Test
    void asteriskFormForAnotherMethodGets400() {
        assertRefused(400, "GET * HTTP/1.1\r\nHost: a.example\r\n\r\n");
    }

    @Test
    void authorityFormForConnectIsAnswered405ByTheEdge() {
        // nginx answers 400; Gatehouse does not tunnel, so Method Not Allowed.
        assertAnswered405("CONNECT a.example:443 HTTP/1.1\r\nHost: a.example:443\r\n\r\n");
    }

    @Test
    void authorityFormForAnotherMethodGets400() {
        assertRefused(400, "GET a.example:443 HTTP/1.1\r\nHost: a.example\r\n\r\n");
    }

    @Test
    void connectWithAnOriginFormTargetGets400() {
        assertRefused(400, "CONNECT /app/x HTTP/1.1\r\nHost: a.example\r\n\r\n"); // nginx: 405
    }

    // ---- request line and version (RFC 9112 2, 3; RFC 9110 6.2)

    @Test
    void laterMajorVersionGets505() {
        assertRefused(505, "GET /hello.txt HTTP/2.0\r\nHost: a.example\r\n\r\n"); // nginx too
        assertRefused(505, "GET /hello.txt HTTP/3.0\r\nHost: a.example\r\n\r\n");
    }

    @Test
    void http09Gets400() {
        assertRefused(400, "GET /hello.txt HTTP/0.9\r\nHost: a.example\r\n\r\n"); // nginx too
        assertRefused(400, "GET /hello.txt\r\n\r\n");
    }

    @Test
    void laterMinorVersionIsAnsweredAsHttp11() {
        RawClient.Response r = send("GET /hello.txt HTTP/1.2\r\nHost: a.example\r\n\r\n");
        assertEquals(200, r.status());
        assertTrue(r.statusLine().startsWith("HTTP/1.1 "), r.statusLine());
    }

    @Test
    void malformedVersionGets400() {
        assertRefused(400, "GET /hello.txt http/1.1\r\nHost: a.example\r\n\r\n");
        assertRefused(400, "GET /hello.txt HTTP/1.10\r\nHost: a.example\r\n\r\n"); // nginx: 200
        assertRefused(400, "GET /hello.txt HTTP/1\r\nHost: a.example\r\n\r\n");
    }

    @Test
    void requestLineWithOtherThanSingleSpacesGets400() {
        // RFC 9112 3 lets a recipient split on any whitespace (nginx does); one SP is the grammar.
        assertRefused(400, "GET  /hello.txt HTTP/1.1\r\nHost: a.example\r\n\r\n");
        assertRefused(400, "GET\t/hello.txt HTTP/1.1\r\nHost: a.example\r\n\r\n");
        assertRefused(400, "GET /hello.txt HTTP/1.1 \r\nHost: a.example\r\n\r\n");
    }

    @Test
    void bareLineFeedGets400() {
        // RFC 9112 2.2 allows accepting a bare LF (nginx does); refused, as a smuggling shape.
        assertRefused(400, "GET /hello.txt HTTP/1.1\nHost: a.example\n\n");
        assertRefused(400, "GET /hello.txt HTTP/1.1\r\nHost: a.example\n\r\n");
    }

    @Test
    void bareCarriageReturnGets400() {
        assertRefused(400, "GET /hello.txt HTTP/1.1\r\nHost: a.example\r\nX-A: a\rb\r\n\r\n");
    }

    // ---- field lines (RFC 9112 5)

    @Test
    void whitespaceBetweenFieldNameAndColonGets400() {
        assertRefused(400, "GET /hello.txt HTTP/1.1\r\nHost: a.example\r\nX-A : b\r\n\r\n"); // nginx too
        assertRefused(400, "GET /hello.txt HTTP/1.1\r\nHost: a.example\r\nX-A\t: b\r\n\r\n");
        assertRefused(400, "GET /hello.txt HTTP/1.1\r\nHost : a.example\r\n\r\n");
    }

    @Test
    void obsoleteLineFoldingGets400() {
        assertRefused(400, "GET /hello.txt HTTP/1.1\r\nHost: a.example\r\nX-A: b\r\n c\r\n\r\n"); // nginx too
        assertRefused(400, "GET /hello.txt HTTP/1.1\r\n X-A: b\r\nHost: a.example\r\n\r\n");
    }

    @Test
    void invalidFieldNameGets400() {
        assertRefused(400, "GET /hello.txt HTTP/1.1\r\nHost: a.example\r\nX A: b\r\n\r\n");
        assertRefused(400, "GET /hello.txt HTTP/1.1\r\nHost: a.example\r\n: b\r\n\r\n");
        assertRefused(400, "GET /hello.txt HTTP/1.1\r\nHost: a.example\r\nX-A\r\n\r\n");
    }

    // ---- message body framing (RFC 9112 6)

    @Test
    void transferEncodingNotEndingInChunkedGets400() {
        // RFC 9112 6.3 says 400 and close; nginx answers 501 for these.
        assertRefused(400, "POST /app/x HTTP/1.1\r\nHost: a.example\r\nTransfer-Encoding: gzip\r\n\r\n");
        assertRefused(400, "POST /app/x HTTP/1.1\r\nHost: a.example\r\nTransfer-Encoding: chunked, gzip\r\n\r\n0\r\n\r\n");
        // "identity" is no transfer coding since RFC 7230.
        assertRefused(400, "POST /app/x HTTP/1.1\r\nHost: a.example\r\nTransfer-Encoding: identity\r\n\r\n");
        assertRefused(400, "POST /app/x HTTP/1.1\r\nHost: a.example\r\nTransfer-Encoding: ,\r\n\r\n");
    }

    @Test
    void chunkedAppliedTwiceGets400() {
        assertRefused(400, "POST /app/x HTTP/1.1\r\nHost: a.example\r\nTransfer-Encoding: chunked, chunked\r\n\r\n"
                + "0\r\n\r\n");
        assertRefused(400, "POST /app/x HTTP/1.1\r\nHost: a.example\r\nTransfer-Encoding: chunked\r\n"
                + "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n");
    }

    @Test
    void anotherCodingBeforeChunkedGets501() {
        // Understood framing, a coding the edge would have to undo: 501, as nginx (RFC 9112 6.1).
        assertRefused(501, "POST /app/x HTTP/1.1\r\nHost: a.example\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"
                + "0\r\n\r\n");
        assertRefused(501, "POST /app/x HTTP/1.1\r\nHost: a.example\r\nTransfer-Encoding: identity\r\n"
                + "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n");
    }

    @Test
    void chunkedBodyIsForwarded() {
        assertEquals(200, send("POST /app/x HTTP/1.1\r\nHost: a.example\r\nTransfer-Encoding: Chunked\r\n\r\n"
                + "3\r\nabc\r\n0\r\n\r\n").status());
        assertEquals("abc", new String(echo.seen.get(0).body(), java.nio.charset.StandardCharsets.US_ASCII));
    }

    @Test
    void transferEncodingInHttp10Gets400() {
        assertRefused(400, "POST /app/x HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"); // nginx too
    }

    @Test
    void contentLengthWithTransferEncodingGets400() {
        assertRefused(400, "POST /app/x HTTP/1.1\r\nHost: a.example\r\nContent-Length: 5\r\n"
                + "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n"); // nginx too
    }

    @Test
    void invalidContentLengthGets400() {
        for (String length : List.of("-1", "+1", "0x1", "1.0", "1 2", "", "99999999999999999999")) {
            assertRefused(400, "POST /app/x HTTP/1.1\r\nHost: a.example\r\nContent-Length: " + length + "\r\n\r\nx");
        }
    }

    @Test
    void repeatedContentLengthGets400EvenWithOneValue() {
        // RFC 9112 6.3 lets a recipient merge identical values; nginx refuses, so does Gatehouse.
        assertRefused(400, "POST /app/x HTTP/1.1\r\nHost: a.example\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nx");
        assertRefused(400, "POST /app/x HTTP/1.1\r\nHost: a.example\r\nContent-Length: 1, 1\r\n\r\nx");
    }
}
