package dev.gatehouse.it.support;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

/**
 * An HTTP/1.1 client over a plain socket: sends exactly the bytes given and reads the response
 * exactly as it arrives (status line with the reason phrase, header case and order, chunked or
 * not), which {@link java.net.http.HttpClient} hides.
 */
public final class RawHttpClient {

    /** Long enough for a 1 MiB body through nginx on a loaded machine, short enough to fail fast. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(15);

    private RawHttpClient() {}

    /**
     * {@code GET target} to 127.0.0.1:port with {@code Host} and {@code Connection: close}.
     *
     * @param port the server's port
     * @param target the request target, e.g. {@code /echo?x=1}
     * @param headerLines extra header lines, e.g. {@code "X-Echo: hi"}
     * @return the response
     */
    public static RawHttpResponse get(int port, String target, String... headerLines) {
        return request(port, "GET", target, List.of(headerLines), null);
    }

    /**
     * One request with {@code Host}, {@code Connection: close} and, with a body,
     * {@code Content-Length}.
     *
     * @param port the server's port
     * @param method e.g. {@code POST}
     * @param target the request target
     * @param headerLines extra header lines
     * @param body the body, or null for none
     * @return the response
     */
    public static RawHttpResponse request(int port, String method, String target, List<String> headerLines,
            byte[] body) {
        StringBuilder head = new StringBuilder();
        head.append(method).append(' ').append(target).append(" HTTP/1.1\r\n");
        head.append("Host: 127.0.0.1:").append(port).append("\r\n");
        for (String line : headerLines) {
            head.append(line).append("\r\n");
        }
        if (body != null) {
            head.append("Content-Length: ").append(body.length).append("\r\n");
        }
        head.append("Connection: close\r\n\r\n");
        ByteArrayOutputStream request = new ByteArrayOutputStream();
        request.writeBytes(head.toString().getBytes(StandardCharsets.ISO_8859_1));
        if (body != null) {
            request.writeBytes(body);
        }
        return exchange(port, request.toByteArray(), DEFAULT_TIMEOUT);
    }

    /**
     * Sends {@code request} as is and reads one response (framed by its headers; a request
     * starting with {@code HEAD } gets no body).
     *
     * @param port the server's port on 127.0.0.1
     * @param request the exact request bytes
     * @param timeout the bound for each read
     * @return the response
     * @throws UncheckedIOException naming the port if the exchange fails or times out
     */
    public static RawHttpResponse exchange(int port, byte[] request, Duration timeout) {
        boolean head = new String(request, 0, Math.min(5, request.length), StandardCharsets.ISO_8859_1)
                .equals("HEAD ");
        try (Socket socket = connect(port, timeout)) {
            socket.getOutputStream().write(request);
            socket.getOutputStream().flush();
            InputStream in = new BufferedInputStream(socket.getInputStream());
            return RawHttpResponse.read(in, head);
        } catch (IOException e) {
            throw new UncheckedIOException("HTTP exchange with 127.0.0.1:" + port + " failed: "
                    + firstLine(request), e);
        }
    }

    /**
     * Sends {@code request} as is, half-closes, and returns every byte until the server closes.
     *
     * @param port the server's port on 127.0.0.1
     * @param request the exact request bytes
     * @param timeout the bound for each read
     * @return the raw response bytes
     */
    public static byte[] exchangeUntilClose(int port, byte[] request, Duration timeout) {
        try (Socket socket = connect(port, timeout)) {
            OutputStream out = socket.getOutputStream();
            out.write(request);
            out.flush();
            socket.shutdownOutput();
            return socket.getInputStream().readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("HTTP exchange with 127.0.0.1:" + port + " failed: "
                    + firstLine(request), e);
        }
    }

    private static Socket connect(int port, Duration timeout) throws IOException {
        Socket socket = new Socket();
        try {
            socket.connect(new InetSocketAddress("127.0.0.1", port), (int) timeout.toMillis());
            socket.setSoTimeout((int) timeout.toMillis());
            socket.setTcpNoDelay(true);
            return socket;
        } catch (IOException e) {
            socket.close();
            throw e;
        }
    }

    private static String firstLine(byte[] request) {
        String text = new String(request, 0, Math.min(request.length, 200), StandardCharsets.ISO_8859_1);
        int eol = text.indexOf('\r');
        return eol >= 0 ? text.substring(0, eol) : text;
    }
}
