package dev.gatehouse.it.support;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Framing rules of {@link RawHttpResponse#read} on fixed bytes. */
class RawHttpResponseTest {

    private static RawHttpResponse parse(String raw, boolean head) throws IOException {
        return RawHttpResponse.read(new ByteArrayInputStream(raw.getBytes(StandardCharsets.ISO_8859_1)), head);
    }

    @Test
    void decodesChunkedBodyAndKeepsHeaderOrderAndCase() throws IOException {
        RawHttpResponse r = parse("HTTP/1.1 418 I'm a teapot\r\nSet-Cookie: a=1\r\nX-Y:  v \r\n"
                + "set-cookie: b=2\r\nTransfer-Encoding: chunked\r\n\r\n3;ext=1\r\nabc\r\n2\r\nde\r\n0\r\nT: x\r\n\r\n",
                false);
        assertEquals(418, r.status());
        assertEquals("I'm a teapot", r.reason());
        assertEquals(List.of("a=1", "b=2"), r.headerValues("SET-COOKIE"));
        assertEquals("v", r.header("x-y").orElseThrow());
        assertEquals("abcde", r.bodyText());
        assertTrue(r.chunked());
    }

    @Test
    void readsExactlyContentLengthBytes() throws IOException {
        RawHttpResponse r = parse("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabcTRAILING", false);
        assertEquals("abc", r.bodyText());
    }

    @Test
    void readsUntilEofWithoutFraming() throws IOException {
        RawHttpResponse r = parse("HTTP/1.0 200 OK\r\n\r\nto the end", false);
        assertEquals("to the end", r.bodyText());
    }

    @Test
    void headAnd204And304HaveNoBody() throws IOException {
        assertArrayEquals(new byte[0], parse("HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n", true).body());
        assertArrayEquals(new byte[0], parse("HTTP/1.1 204 No Content\r\n\r\n", false).body());
        assertArrayEquals(new byte[0], parse("HTTP/1.1 304 Not Modified\r\nContent-Length: 9\r\n\r\n", false).body());
    }

    @Test
    void skipsInterim100Continue() throws IOException {
        RawHttpResponse r = parse("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok",
                false);
        assertEquals(201, r.status());
        assertEquals("ok", r.bodyText());
    }

    @Test
    void shortBodyIsAnErrorNotATruncatedResponse() {
        assertThrows(EOFException.class, () -> parse("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", false));
        assertThrows(EOFException.class, () -> parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab",
                false));
    }

    @Test
    void normalizedDropsDateServerAndFraming() throws IOException {
        RawHttpResponse chunked = parse("HTTP/1.1 200 OK\r\nServer: nginx\r\nDate: x\r\nContent-Type: text/plain\r\n"
                + "Transfer-Encoding: chunked\r\nConnection: keep-alive\r\n\r\n2\r\nhi\r\n0\r\n\r\n", false);
        RawHttpResponse framed = parse("HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\nContent-Length: 2\r\n"
                + "Date: y\r\nServer: gatehouse\r\n\r\nhi", false);
        assertEquals(chunked.normalized(), framed.normalized());
    }
}
