package dev.gatehouse.it.proxy;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * The fourteen request shapes of the nginx 1.22.1 capture ({@code ../shared/testdata/
 * nginx-1.22.1-uwsgi/README.md}), sent as curl sent them. They mirror
 * {@code dev.gatehouse.it.appserver.ReplayedRequest}, which is package-private there; here the
 * same request goes to nginx and to the Gatehouse proxy and the two environs are compared, so the
 * bodies need not be the captured bytes.
 *
 * @param name the capture it stands for
 * @param method the method
 * @param target the request target
 * @param protocol HTTP/1.1 or HTTP/1.0
 * @param headerLines header lines after Host, ISO-8859-1
 * @param body the body as sent (chunk framing included)
 */
record RequestShapes(String name, String method, String target, String protocol, List<String> headerLines,
        byte[] body) {

    byte[] bytes(int port, String prefix) {
        StringBuilder head = new StringBuilder();
        head.append(method).append(' ').append(prefix).append(target).append(' ').append(protocol).append("\r\n");
        head.append("Host: 127.0.0.1:").append(port).append("\r\n");
        for (String line : headerLines) {
            head.append(line).append("\r\n");
        }
        // Every shape closes after its response, so that a close-delimited body ends.
        head.append("Connection: close\r\n\r\n");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(head.toString().getBytes(StandardCharsets.ISO_8859_1));
        out.writeBytes(body);
        return out.toByteArray();
    }

    boolean isHead() {
        return method.equals("HEAD");
    }

    @Override
    public String toString() {
        return name + ": " + method + " " + target + " " + protocol;
    }

    static List<RequestShapes> all() {
        byte[] kib = new byte[1024];
        new Random(4).nextBytes(kib);
        byte[] text = "0123456789abcdef".repeat(64).getBytes(StandardCharsets.US_ASCII);
        List<RequestShapes> l = new ArrayList<>();
        l.add(curl("pkt01", "GET", "/", "HTTP/1.1", List.of(), new byte[0]));
        l.add(new RequestShapes("pkt02", "GET", "/search/caf%C3%A9?q=a%20b&x=1&x=2", "HTTP/1.1",
                List.of("Accept: text/html", "User-Agent: curl/7.88"), new byte[0]));
        l.add(curl("pkt03", "POST", "/form", "HTTP/1.1",
                List.of("Content-Type: application/x-www-form-urlencoded", "Content-Length: 9"), ascii("a=1&b=two")));
        l.add(curl("pkt04", "PUT", "/upload", "HTTP/1.1",
                List.of("Content-Type: application/octet-stream", "Content-Length: 1024"), kib));
        l.add(curl("pkt05", "POST", "/chunked", "HTTP/1.1",
                List.of("Transfer-Encoding: chunked", "Content-Type: application/x-www-form-urlencoded"),
                ascii("5\r\nhello\r\n8\r\n chunked\r\n6\r\n world\r\n0\r\n\r\n")));
        l.add(curl("pkt06", "GET", "/cookies", "HTTP/1.1", List.of("Cookie: a=1", "Cookie: b=2",
                "X-Forwarded-For: 10.0.0.1", "X-Multi: one", "X-Multi: two"), new byte[0]));
        l.add(curl("pkt07", "HEAD", "/head", "HTTP/1.1", List.of(), new byte[0]));
        l.add(curl("pkt08", "GET", "/bigcookie", "HTTP/1.1", List.of("Cookie: big=" + "c".repeat(6000)), new byte[0]));
        l.add(curl("pkt09", "DELETE", "/items/42", "HTTP/1.1", List.of(), new byte[0]));
        l.add(curl("pkt10", "POST", "/stream/up", "HTTP/1.1",
                List.of("Content-Type: text/plain", "Content-Length: 1024"), text));
        l.add(curl("pkt11", "OPTIONS", "/", "HTTP/1.1", List.of("Origin: http://example.test"), new byte[0]));
        l.add(curl("pkt12", "GET", "/old", "HTTP/1.0", List.of(), new byte[0]));
        l.add(curl("pkt13", "GET", "/utf8hdr", "HTTP/1.1", List.of("X-Name: caf\u00c3\u00a9"), new byte[0]));
        l.add(curl("pkt14", "GET", "/empty-query?", "HTTP/1.1", List.of(), new byte[0]));
        return l;
    }

    private static RequestShapes curl(String name, String method, String target, String protocol, List<String> extra,
            byte[] body) {
        List<String> headers = new ArrayList<>(List.of("User-Agent: curl/7.88.1", "Accept: */*"));
        headers.addAll(extra);
        return new RequestShapes(name, method, target, protocol, headers, body);
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
