package dev.gatehouse.it.support;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
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
        ByteArrayOutputStream block = new ByteArrayOutputStream();
        vars.forEach((key, value) -> {
            writeString(block, key);
            writeString(block, value);
        });
        if (block.size() > 0xffff) {
            throw new IllegalArgumentException("vars block of " + block.size() + " bytes exceeds 65535");
        }
        ByteBuffer packet = ByteBuffer.allocate(4 + block.size() + body.length);
        packet.put((byte) modifier1).put((byte) block.size()).put((byte) (block.size() >>> 8)).put((byte) 0);
        packet.put(block.toByteArray()).put(body).flip();

        long deadline = System.nanoTime() + timeout.toNanos();
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
                Selector selector = Selector.open()) {
            channel.connect(UnixDomainSocketAddress.of(socket));
            while (packet.hasRemaining()) {
                channel.write(packet);
            }
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
                while ((n = channel.read(buffer.clear())) > 0) {
                    reply.write(buffer.array(), 0, n);
                }
                if (n < 0) {
                    return reply.toByteArray();
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("uwsgi exchange with unix:" + socket + " failed", e);
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
