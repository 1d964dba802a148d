package dev.gatehouse.it.proxy;

import dev.gatehouse.it.support.RequestShape;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;

/** Client-side helpers for the proxy tests: raw exchanges until close, and large streamed transfers. */
final class Transfers {

    private Transfers() {
    }

    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(20)).build();

    /** Sends raw bytes and reads everything until the server closes. */
    static byte[] exchangeUntilClose(int port, byte[] request) {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(60_000);
            OutputStream out = s.getOutputStream();
            out.write(request);
            out.flush();
            return s.getInputStream().readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Sends {@code shape} under {@code prefix} with {@code Connection: close} and reads the response
     * until the server closes.
     *
     * @return the body of the response
     */
    static String bodyOf(int port, RequestShape shape, String prefix) {
        return body(exchangeUntilClose(port, shape.bytesThenClose(port, prefix)));
    }

    /** The body of a raw response (Content-Length, chunked, or until close). */
    static String body(byte[] response) {
        String text = new String(response, StandardCharsets.ISO_8859_1);
        int end = text.indexOf("\r\n\r\n");
        String head = text.substring(0, end).toLowerCase(java.util.Locale.ROOT);
        String rest = text.substring(end + 4);
        if (!head.contains("\r\ntransfer-encoding: chunked")) {
            return rest;
        }
        StringBuilder b = new StringBuilder();
        int at = 0;
        while (true) {
            int lf = rest.indexOf("\r\n", at);
            int size = Integer.parseInt(rest.substring(at, lf).split(";")[0].strip(), 16);
            if (size == 0) {
                return b.toString();
            }
            b.append(rest, lf + 2, lf + 2 + size);
            at = lf + 2 + size + 2;
        }
    }

    /** The deterministic test stream: bytes 0..255 repeated, {@code length} of them. */
    static InputStream pattern(long length) {
        return new InputStream() {
            long pos;

            @Override
            public int read() {
                return pos < length ? (int) (pos++ & 0xff) : -1;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                if (pos >= length) {
                    return -1;
                }
                int n = (int) Math.min(len, length - pos);
                for (int i = 0; i < n; i++) {
                    b[off + i] = (byte) (pos + i);
                }
                pos += n;
                return n;
            }
        };
    }

    static String sha256(InputStream in) {
        try (in) {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 16];
            int n;
            while ((n = in.read(buf)) > 0) {
                d.update(buf, 0, n);
            }
            return HexFormat.of().formatHex(d.digest());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Uploads {@code length} pattern bytes; returns status and body. */
    static HttpResponse<String> upload(int port, String path, long length) throws Exception {
        HttpRequest r = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofMinutes(3))
                .POST(HttpRequest.BodyPublishers.fromPublisher(
                        HttpRequest.BodyPublishers.ofInputStream(() -> pattern(length)), length))
                .build();
        return HTTP.send(r, HttpResponse.BodyHandlers.ofString());
    }

    /** Downloads and hashes a body; returns "status sha256 length-header-or-chunked". */
    static String download(int port, String path) throws Exception {
        HttpRequest r = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofMinutes(5)).build();
        HttpResponse<InputStream> resp = HTTP.send(r, HttpResponse.BodyHandlers.ofInputStream());
        return resp.statusCode() + " " + sha256(resp.body());
    }
}
