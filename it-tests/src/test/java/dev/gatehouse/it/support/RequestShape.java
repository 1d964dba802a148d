package dev.gatehouse.it.support;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * The client request behind one of the fourteen nginx 1.22.1 captures ({@link CapturedPacket},
 * {@code testdata/nginx-1.22.1-uwsgi/README.md}: each one a request shape worth a test),
 * rebuilt byte for byte as the capture's client sent it (curl 7.88.1: {@code Host},
 * {@code User-Agent}, {@code Accept}, then the request's own headers in order), so that the same
 * request can be replayed through a live front server under a path prefix.
 *
 * <p>Three shapes carry a payload: the {@code PUT} and the streamed {@code POST} bodies of 1024
 * bytes, and the 6000-byte cookie. {@link #asCaptured()} sends the captured ones, for tests that
 * compare what the app sees with the capture; {@link #withMadeUpPayloads()} sends payloads of the
 * same sizes made up here, for tests that compare two front servers with each other.
 *
 * @param name the capture it stands for, e.g. {@code pkt05}
 * @param method the request method
 * @param target the original request target, e.g. {@code /search/caf%C3%A9?q=a%20b}
 * @param protocol {@code HTTP/1.1} or {@code HTTP/1.0}
 * @param headerLines the header lines after {@code Host}, ISO-8859-1 (so raw bytes pass as they
 *     are)
 * @param body the body bytes exactly as sent on the wire (chunk framing included), or empty
 */
public record RequestShape(String name, String method, String target, String protocol, List<String> headerLines,
        byte[] body) {

    private static final String USER_AGENT = "User-Agent: curl/7.88.1";
    private static final String ACCEPT = "Accept: */*";

    public RequestShape {
        headerLines = List.copyOf(headerLines);
        body = body.clone();
    }

    /** @return the capture this request made (read from its file on every call) */
    public CapturedPacket capture() {
        return CapturedPacket.load(name);
    }

    /** @return whether the request is a HEAD, whose response has no body */
    public boolean isHead() {
        return method.equals("HEAD");
    }

    /**
     * @param port the port the client connects to, sent in {@code Host} as curl does
     * @param prefix put before the original target, e.g. {@code /echo}
     * @return the request bytes
     */
    public byte[] bytes(int port, String prefix) {
        return bytes(port, prefix, List.of());
    }

    /**
     * {@link #bytes} with {@code Connection: close} as the last header, so that the server
     * closes after its response and a close-delimited body ends.
     *
     * @param port the port the client connects to, sent in {@code Host} as curl does
     * @param prefix put before the original target, e.g. {@code /echo}
     * @return the request bytes
     */
    public byte[] bytesThenClose(int port, String prefix) {
        return bytes(port, prefix, List.of("Connection: close"));
    }

    private byte[] bytes(int port, String prefix, List<String> lastHeaderLines) {
        StringBuilder head = new StringBuilder();
        head.append(method).append(' ').append(prefix).append(target).append(' ').append(protocol).append("\r\n");
        head.append("Host: 127.0.0.1:").append(port).append("\r\n");
        for (String line : headerLines) {
            head.append(line).append("\r\n");
        }
        for (String line : lastHeaderLines) {
            head.append(line).append("\r\n");
        }
        head.append("\r\n");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(head.toString().getBytes(StandardCharsets.ISO_8859_1));
        out.writeBytes(body);
        return out.toByteArray();
    }

    /** @return the fourteen requests with the captured bodies and cookie */
    public static List<RequestShape> asCaptured() {
        CapturedPacket pkt04 = CapturedPacket.load("pkt04");
        CapturedPacket pkt08 = CapturedPacket.load("pkt08");
        CapturedPacket pkt10 = CapturedPacket.load("pkt10");
        return all(pkt04.body(), pkt08.value("HTTP_COOKIE"), pkt10.body());
    }

    /**
     * @return the fourteen requests with payloads of the captured sizes made up here (a seeded
     *     random upload, a text body, a cookie of {@code c}s), reading no capture file
     */
    public static List<RequestShape> withMadeUpPayloads() {
        byte[] kib = new byte[1024];
        new Random(4).nextBytes(kib);
        byte[] text = "0123456789abcdef".repeat(64).getBytes(StandardCharsets.US_ASCII);
        return all(kib, "big=" + "c".repeat(6000), text);
    }

    /**
     * @param upload pkt04's 1024-byte {@code PUT} body
     * @param bigCookie pkt08's 6000-byte cookie
     * @param streamedUpload pkt10's 1024-byte {@code POST} body
     */
    private static List<RequestShape> all(byte[] upload, String bigCookie, byte[] streamedUpload) {
        return List.of(
                curl("pkt01", "GET", "/", "HTTP/1.1"),
                new RequestShape("pkt02", "GET", "/search/caf%C3%A9?q=a%20b&x=1&x=2", "HTTP/1.1",
                        List.of("Accept: text/html", "User-Agent: curl/7.88"), new byte[0]),
                curl("pkt03", "POST", "/form", "HTTP/1.1",
                        List.of("Content-Type: application/x-www-form-urlencoded", "Content-Length: 9"),
                        ascii("a=1&b=two")),
                curl("pkt04", "PUT", "/upload", "HTTP/1.1",
                        List.of("Content-Type: application/octet-stream", "Content-Length: 1024"), upload),
                // Three chunks of the capture's 19 bytes: nginx de-chunks them and sends CONTENT_LENGTH.
                curl("pkt05", "POST", "/chunked", "HTTP/1.1",
                        List.of("Transfer-Encoding: chunked", "Content-Type: application/x-www-form-urlencoded"),
                        ascii("5\r\nhello\r\n8\r\n chunked\r\n6\r\n world\r\n0\r\n\r\n")),
                curl("pkt06", "GET", "/cookies", "HTTP/1.1",
                        List.of("Cookie: a=1", "Cookie: b=2", "X-Forwarded-For: 10.0.0.1", "X-Multi: one",
                                "X-Multi: two"),
                        new byte[0]),
                curl("pkt07", "HEAD", "/head", "HTTP/1.1"),
                curl("pkt08", "GET", "/bigcookie", "HTTP/1.1", List.of("Cookie: " + bigCookie), new byte[0]),
                curl("pkt09", "DELETE", "/items/42", "HTTP/1.1"),
                curl("pkt10", "POST", "/stream/up", "HTTP/1.1",
                        List.of("Content-Type: text/plain", "Content-Length: 1024"), streamedUpload),
                curl("pkt11", "OPTIONS", "/", "HTTP/1.1", List.of("Origin: http://example.test"), new byte[0]),
                curl("pkt12", "GET", "/old", "HTTP/1.0"),
                // c3 a9: "é" in UTF-8, sent as raw bytes (the ISO-8859-1 chars "Ã©" are those bytes).
                curl("pkt13", "GET", "/utf8hdr", "HTTP/1.1", List.of("X-Name: caf\u00c3\u00a9"), new byte[0]),
                curl("pkt14", "GET", "/empty-query?", "HTTP/1.1"));
    }

    private static RequestShape curl(String name, String method, String target, String protocol) {
        return curl(name, method, target, protocol, List.of(), new byte[0]);
    }

    private static RequestShape curl(String name, String method, String target, String protocol,
            List<String> extraHeaders, byte[] body) {
        List<String> headers = new ArrayList<>(List.of(USER_AGENT, ACCEPT));
        headers.addAll(extraHeaders);
        return new RequestShape(name, method, target, protocol, headers, body);
    }

    private static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }

    @Override
    public String toString() {
        return name + ": " + method + " " + target + " " + protocol;
    }
}
