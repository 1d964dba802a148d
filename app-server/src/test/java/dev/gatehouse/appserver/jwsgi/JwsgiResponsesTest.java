package dev.gatehouse.appserver.jwsgi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.gatehouse.appserver.api.Body;
import dev.gatehouse.appserver.api.Response;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class JwsgiResponsesTest {

    private static Response convert(Object status, Object headers, Object body) {
        return JwsgiResponses.toResponse(new Object[] {status, headers, body}, "T:app");
    }

    private static byte[] bytes(Response r) throws Exception {
        return switch (r.body()) {
            case Body.Bytes b -> b.bytes();
            case Body.Empty e -> new byte[0];
            case Body.Streaming s -> {
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                s.writer().writeTo(out);
                yield out.toByteArray();
            }
            default -> throw new AssertionError("unexpected body " + r.body());
        };
    }

    @Test
    void integerAndLongStatusesAreAccepted() {
        assertEquals(201, convert(201, null, null).status());
        assertEquals(404, convert(404L, null, null).status());
    }

    @Test
    void stringStatusIsAnExtension() {
        assertEquals(404, convert("404 Not Found", null, null).status());
        assertEquals(204, convert("204", null, null).status());
    }

    @Test
    void badStatusesAreRefusedWithWhatWasExpected() {
        JwsgiException e = assertThrows(JwsgiException.class, () -> convert(99, null, null));
        assertEquals("T:app returned status a java.lang.Integer: expected an Integer or Long from 100 to 999,"
                + " or a String like \"404 Not Found\"", e.getMessage());
        assertThrows(JwsgiException.class, () -> convert("OK", null, null));
        assertThrows(JwsgiException.class, () -> convert(1000L, null, null));
    }

    @Test
    void resultMustBeAThreeElementArray() {
        JwsgiException e = assertThrows(JwsgiException.class, () -> JwsgiResponses.toResponse(new Object[2], "T:app"));
        assertEquals("T:app must return Object[3] {status, headers, body}, returned an Object[2]", e.getMessage());
        assertThrows(JwsgiException.class, () -> JwsgiResponses.toResponse("x", "T:app"));
        assertThrows(JwsgiException.class, () -> JwsgiResponses.toResponse(null, "T:app"));
    }

    @Test
    void headerValuesMayBeStringsArraysOrLists() {
        Map<String, Object> h = new LinkedHashMap<>();
        h.put("Content-Type", "text/plain");
        h.put("Set-Cookie", new String[] {"a=1", "b=2"});
        h.put("X-List", List.of("x", "y"));
        Response r = convert(200, h, "");
        assertEquals(List.of(new Response.Header("Content-Type", "text/plain"), new Response.Header("Set-Cookie", "a=1"),
                new Response.Header("Set-Cookie", "b=2"), new Response.Header("X-List", "x"),
                new Response.Header("X-List", "y")), r.headers());
        assertEquals(1, convert(200, new TreeMap<>(Map.of("A", "1")), null).headers().size());
    }

    @Test
    void unsupportedHeaderValuesAreRefused() {
        HashMap<String, Object> h = new HashMap<>();
        h.put("X-Int", 42);
        JwsgiException e = assertThrows(JwsgiException.class, () -> convert(200, h, null));
        assertEquals("T:app returned header X-Int = a java.lang.Integer: expected a String, String[] or a List of Strings",
                e.getMessage());
        HashMap<String, Object> split = new HashMap<>();
        split.put("X-Split", "a\r\nInjected: 1");
        assertThrows(JwsgiException.class, () -> convert(200, split, null));
    }

    @Test
    void everyBodyFormUwsgiAcceptsIsConverted() throws Exception {
        assertArrayEquals("héllo".getBytes(StandardCharsets.UTF_8), bytes(convert(200, null, "héllo")));
        assertArrayEquals(new byte[] {1, 2}, bytes(convert(200, null, new byte[] {1, 2})));
        assertArrayEquals("ab".getBytes(), bytes(convert(200, null, new String[] {"a", "b"})));
        assertArrayEquals("str,bytes,42".getBytes(),
                bytes(convert(200, null, List.of("str,", "bytes,".getBytes(), 42))));
        assertArrayEquals("xy".getBytes(), bytes(convert(200, null, new ArrayDeque<>(List.of("x", "y")))));
        Iterable<String> lazy = () -> List.of("l", "azy").iterator();
        assertArrayEquals("lazy".getBytes(), bytes(convert(200, null, lazy)));
        assertArrayEquals(new byte[0], bytes(convert(200, null, null)));
        assertInstanceOf(Body.File.class, convert(200, null, new File("/etc/hostname")).body());
        Body.Stream s = assertInstanceOf(Body.Stream.class, convert(200, null, new ByteArrayInputStream(new byte[3])).body());
        assertEquals(-1, s.length());
    }

    @Test
    void otherBodyTypesAreRefused() {
        JwsgiException e = assertThrows(JwsgiException.class, () -> convert(200, null, 42));
        assertEquals("T:app returned body a java.lang.Integer: expected a String, byte[], String[], Iterable, File,"
                + " InputStream or null", e.getMessage());
    }
}
