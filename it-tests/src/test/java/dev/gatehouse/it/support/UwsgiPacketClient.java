package dev.gatehouse.it.support;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * Talks to a uwsgi backend directly, as nginx's {@code uwsgi_pass} would, and returns the raw
 * reply: what the backend itself wrote, before nginx rewrites the framing. Used to pin down
 * why a response through nginx differs.
 */
public final class UwsgiPacketClient {

    private UwsgiPacketClient() {}

    /**
     * Sends one request packet (4-byte header, vars block, body) and reads until the backend
     * closes the connection.
     *
     * @param socket the backend's unix socket
     * @param modifier1 0 for WSGI-style, 8 for JWSGI
     * @param vars the request vars, in iteration order
     * @param body the request body ({@code CONTENT_LENGTH} must match), or empty
     * @param timeout the bound for the whole exchange
     * @return every byte the backend wrote
     * @throws UncheckedIOException naming the socket on failure or timeout
     */
    public static byte[] exchange(Path socket, int modifier1, Map<String, String> vars, byte[] body,
            Duration timeout) {
        byte[] packet = packet(modifier1, 0, vars, body);
        try {
            Reply reply = readUntilClose(socket, packet, false, timeout);
            if (reply.reset()) {
                throw new IOException("connection reset after " + reply.bytes().length + " bytes");
            }
            return reply.bytes();
        } catch (IOException e) {
            throw new UncheckedIOException("uwsgi exchange with unix:" + socket + " failed", e);
        }
    }

    /**
     * What a backend wrote back to {@link #exchangeRaw} before it closed the connection.
     *
     * @param bytes every byte read before the end
     * @param reset whether the end was a reset ({@code ECONNRESET}: the backend closed with
     *     unread input) rather than an orderly EOF
     * @param closedAfter the time from the last byte sent to the end
     */
    public record Reply(byte[] bytes, boolean reset, Duration closedAfter) {
        /** @return the reply bytes as ISO-8859-1 text, for messages */
        public String text() {
            return new String(bytes, StandardCharsets.ISO_8859_1);
        }
    }

    /**
     * Sends {@code request} exactly as given (a broken packet, a truncated body, or nothing at
     * all), optionally shuts down the sending side (EOF to the backend), and reads until the
     * backend ends the connection, by close or by reset.
     *
     * @param socket the backend's unix socket
     * @param request the bytes to send, possibly empty
     * @param shutdownOutput whether to signal EOF after sending
     * @param timeout the bound for the backend to end the connection
     * @return what the backend wrote and how it ended the connection
     * @throws UncheckedIOException naming the socket if the backend keeps the connection open
     *     past {@code timeout} or the exchange fails otherwise
     */
    public static Reply exchangeRaw(Path socket, byte[] request, boolean shutdownOutput, Duration timeout) {
        try {
            return readUntilClose(socket, request, shutdownOutput, timeout);
        } catch (IOException e) {
            throw new UncheckedIOException("raw uwsgi exchange with unix:" + socket + " failed", e);
        }
    }

    /**
     * Builds one request packet: 4-byte header, vars block, body.
     *
     * @param modifier1 the header's modifier1
     * @param modifier2 the header's modifier2
     * @param vars the request vars, in iteration order
     * @param body the request body, or empty
     * @return the packet bytes
     */
    public static byte[] packet(int modifier1, int modifier2, Map<String, String> vars, byte[] body) {
        ByteArrayOutputStream block = new ByteArrayOutputStream();
        vars.forEach((key, value) -> {
            writeString(block, key);
            writeString(block, value);
        });
        if (block.size() > 0xffff) {
            throw new IllegalArgumentException("vars block of " + block.size() + " bytes exceeds 65535");
        }
        ByteBuffer packet = ByteBuffer.allocate(4 + block.size() + body.length);
        packet.put((byte) modifier1).put((byte) block.size()).put((byte) (block.size() >>> 8)).put((byte) modifier2);
        packet.put(block.toByteArray()).put(body);
        return packet.array();
    }

    private static Reply readUntilClose(Path socket, byte[] request, boolean shutdownOutput, Duration timeout)
            throws IOException {
        return readUntilClose(UnixDomainSocketAddress.of(socket), request, shutdownOutput, timeout);
    }

    /**
     * Sends bytes to a TCP or unix socket and reads until the peer closes, within a bound: the
     * raw exchange the uwsgi helpers and the stats readers share.
     *
     * @param address a TCP or unix socket address
     * @param request the bytes to send first
     * @param shutdownOutput half-close after sending
     * @param timeout the bound for the whole exchange
     * @return what came back, and whether the peer reset instead of closing
     * @throws IOException on connect failure, or when no close came within the bound
     */
    public static Reply readUntilClose(SocketAddress address, byte[] request, boolean shutdownOutput, Duration timeout)
            throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        try (SocketChannel channel = address instanceof UnixDomainSocketAddress
                ? SocketChannel.open(StandardProtocolFamily.UNIX) : SocketChannel.open();
                Selector selector = Selector.open()) {
            channel.connect(address);
            ByteBuffer out = ByteBuffer.wrap(request);
            while (out.hasRemaining()) {
                channel.write(out);
            }
            if (shutdownOutput) {
                channel.shutdownOutput();
            }
            long sentAt = System.nanoTime();
            // Non-blocking with a selector: a blocking unix SocketChannel has no read timeout.
            channel.configureBlocking(false);
            channel.register(selector, SelectionKey.OP_READ);
            ByteArrayOutputStream reply = new ByteArrayOutputStream();
            ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
            while (true) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new IOException("no EOF within " + timeout + " after " + reply.size() + " bytes");
                }
                selector.select(Math.max(1, left / 1_000_000));
                selector.selectedKeys().clear();
                int n;
                try {
                    while ((n = channel.read(buffer.clear())) > 0) {
                        reply.write(buffer.array(), 0, n);
                    }
                } catch (IOException e) {
                    if (!String.valueOf(e.getMessage()).contains("reset")) {
                        throw e;
                    }
                    return new Reply(reply.toByteArray(), true, Duration.ofNanos(System.nanoTime() - sentAt));
                }
                if (n < 0) {
                    return new Reply(reply.toByteArray(), false, Duration.ofNanos(System.nanoTime() - sentAt));
                }
            }
        }
    }

    /**
     * The vars nginx's stock {@code uwsgi_params} sends for a bodyless GET (section 2.2 of
     * reference/uwsgi-protocol.md), for {@link #exchange}.
     *
     * @param pathAndQuery e.g. {@code /body-inputstream?x=1}
     * @return the vars in nginx's order
     */
    public static Map<String, String> getVars(String pathAndQuery) {
        int q = pathAndQuery.indexOf('?');
        Map<String, String> vars = new java.util.LinkedHashMap<>();
        vars.put("QUERY_STRING", q < 0 ? "" : pathAndQuery.substring(q + 1));
        vars.put("REQUEST_METHOD", "GET");
        vars.put("CONTENT_TYPE", "");
        vars.put("CONTENT_LENGTH", "");
        vars.put("REQUEST_URI", pathAndQuery);
        vars.put("PATH_INFO", q < 0 ? pathAndQuery : pathAndQuery.substring(0, q));
        vars.put("DOCUMENT_ROOT", "/usr/share/nginx/html");
        vars.put("SERVER_PROTOCOL", "HTTP/1.1");
        vars.put("REQUEST_SCHEME", "http");
        vars.put("REMOTE_ADDR", "127.0.0.1");
        vars.put("REMOTE_PORT", "40000");
        vars.put("SERVER_PORT", "80");
        vars.put("SERVER_NAME", "localhost");
        vars.put("HTTP_HOST", "localhost");
        return vars;
    }

    private static void writeString(ByteArrayOutputStream out, String s) {
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        out.write(bytes.length & 0xff);
        out.write(bytes.length >>> 8);
        out.writeBytes(bytes);
    }
}
