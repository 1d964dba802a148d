package dev.gatehouse.it.appserver;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The client request behind one nginx capture ({@link CapturedPacket}), rebuilt byte for byte as
 * the capture's client sent it (curl 7.88.1: {@code Host}, {@code User-Agent}, {@code Accept},
 * then the request's own headers in order), so that the same request can be replayed through
 * a live nginx under a path prefix.
 *
 * @param capture the capture this request made
 * @param method the request method
 * @param target the original request target, e.g. {@code /search/caf%C3%A9?q=a%20b}
 * @param protocol {@code HTTP/1.1} or {@code HTTP/1.0}
 * @param headerLines the header lines after {@code Host}, ISO-8859-1 (so raw bytes pass as they
 *     are)
 * @param body the body bytes exactly as sent on the wire (chunk framing included), or empty
 */
record ReplayedRequest(CapturedPacket capture, String method, String target, String protocol, List<String> headerLines,
        byte[] body) {

    private static final String USER_AGENT = "User-Agent: curl/7.88.1";
    private static final String ACCEPT = "Accept: */*";

    ReplayedRequest {
        headerLines = List.copyOf(headerLines);
        body = body.clone();
    }

    /** @return whether the request is a HEAD, whose response has no body */
    boolean isHead() {
        return method.equals("HEAD");
    }

    /**
     * @param port the port the client connects to, sent in {@code Host} as curl does
     * @param prefix put before the original target, e.g. {@code /echo}
     * @return the request bytes
     */
    byte[] bytes(int port, String prefix) {
        StringBuilder head = new StringBuilder();
        head.append(method).append(' ').append(prefix).append(target).append(' ').append(protocol).append("\r\n");
        head.append("Host: 127.0.0.1:").append(port).append("\r\n");
        for (String line : headerLines) {
            head.append(line).append("\r\n");
        }
        head.append("\r\n");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(head.toString().getBytes(StandardCharsets.ISO_8859_1));
        out.writeBytes(body);
        return out.toByteArray();
    }

    /**
     * The requests of all fourteen captures (README of the capture directory: each one a
     * request shape worth a test).
     */
    static List<ReplayedRequest> all() {
        CapturedPacket pkt04 = CapturedPacket.load("pkt04");
        CapturedPacket pkt08 = CapturedPacket.load("pkt08");
        CapturedPacket pkt10 = CapturedPacket.load("pkt10");
        return List.of(
                curl("pkt01", "GET", "/", "HTTP/1.1"),
                new ReplayedRequest(CapturedPacket.load("pkt02"), "GET", "/search/caf%C3%A9?q=a%20b&x=1&x=2",
                        "HTTP/1.1", List.of("Accept: text/html", "User-Agent: curl/7.88"), new byte[0]),
                curl("pkt03", "POST", "/form", "HTTP/1.1",
                        List.of("Content-Type: application/x-www-form-urlencoded", "Content-Length: 9"),
                        ascii("a=1&b=two")),
                curl(pkt04, "PUT", "/upload",
                        List.of("Content-Type: application/octet-stream", "Content-Length: 1024"), pkt04.body()),
                // Three chunks of the capture's 19 bytes: nginx de-chunks them and sends CONTENT_LENGTH.
                curl("pkt05", "POST", "/chunked", "HTTP/1.1",
                        List.of("Transfer-Encoding: chunked", "Content-Type: application/x-www-form-urlencoded"),
                        ascii("5\r\nhello\r\n8\r\n chunked\r\n6\r\n world\r\n0\r\n\r\n")),
                curl("pkt06", "GET", "/cookies", "HTTP/1.1",
                        List.of("Cookie: a=1", "Cookie: b=2", "X-Forwarded-For: 10.0.0.1", "X-Multi: one",
                                "X-Multi: two"),
                        new byte[0]),
                curl("pkt07", "HEAD", "/head", "HTTP/1.1"),
                curl(pkt08, "GET", "/bigcookie", List.of("Cookie: " + pkt08.value("HTTP_COOKIE")), new byte[0]),
                curl("pkt09", "DELETE", "/items/42", "HTTP/1.1"),
                curl(pkt10, "POST", "/stream/up", List.of("Content-Type: text/plain", "Content-Length: 1024"),
                        pkt10.body()),
                curl("pkt11", "OPTIONS", "/", "HTTP/1.1", List.of("Origin: http://example.test"), new byte[0]),
                curl("pkt12", "GET", "/old", "HTTP/1.0"),
                // c3 a9: "é" in UTF-8, sent as raw bytes (the ISO-8859-1 chars "Ã©" are those bytes).
                curl("pkt13", "GET", "/utf8hdr", "HTTP/1.1", List.of("X-Name: caf\u00c3\u00a9"), new byte[0]),
                curl("pkt14", "GET", "/empty-query?", "HTTP/1.1"));
    }

    private static ReplayedRequest curl(String packet, String method, String target, String protocol) {
        return curl(packet, method, target, protocol, List.of(), new byte[0]);
    }

    private static ReplayedRequest curl(String packet, String method, String target, String protocol,
            List<String> extraHeaders, byte[] body) {
        return curl(CapturedPacket.load(packet), method, target, protocol, extraHeaders, body);
    }

    private static ReplayedRequest curl(CapturedPacket capture, String method, String target,
            List<String> extraHeaders, byte[] body) {
        return curl(capture, method, target, "HTTP/1.1", extraHeaders, body);
    }

    private static ReplayedRequest curl(CapturedPacket capture, String method, String target, String protocol,
            List<String> extraHeaders, byte[] body) {
        List<String> headers = new java.util.ArrayList<>(List.of(USER_AGENT, ACCEPT));
        headers.addAll(extraHeaders);
        return new ReplayedRequest(capture, method, target, protocol, headers, body);
    }

    private static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }

    @Override
    public String toString() {
        return capture.name() + ": " + method + " " + target + " " + protocol;
    }
}
