package dev.gatehouse.proxy.upstream;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.AbstractMap.SimpleEntry;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A scripted uwsgi server on a loopback TCP port: reads request packets (header, vars, body by
 * CONTENT_LENGTH) and lets the test's {@link Behaviour} answer each one with raw bytes.
 */
final class FakeUwsgiServer implements AutoCloseable {

    /** One received packet. */
    record Packet(int modifier1, int modifier2, List<Map.Entry<String, String>> vars, byte[] body, int connection,
            int indexOnConnection) {
        String var(String name) {
            for (Map.Entry<String, String> e : vars) {
                if (e.getKey().equals(name)) {
                    return e.getValue();
                }
            }
            return null;
        }
    }

    /** What to do with a packet. */
    interface Behaviour {
        /** @return true to keep the connection for another packet */
        boolean answer(Packet p, OutputStream out) throws IOException;
    }

    /** What to do with a packet, with the connection's input too (a server that switches protocols). */
    interface Conversation {
        /** @return true to keep the connection for another packet */
        boolean answer(Packet p, java.io.InputStream in, OutputStream out) throws IOException;
    }

    private final ServerSocket server;
    private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
    final List<Packet> packets = new CopyOnWriteArrayList<>();
    final AtomicInteger connections = new AtomicInteger();
    private volatile Conversation behaviour;

    FakeUwsgiServer(Behaviour behaviour) throws IOException {
        this((p, in, out) -> behaviour.answer(p, out));
    }

    FakeUwsgiServer(Conversation behaviour) throws IOException {
        this.behaviour = behaviour;
        server = new ServerSocket(0, 200, InetAddress.getLoopbackAddress());
        threads.submit(this::acceptLoop);
    }

    int port() {
        return server.getLocalPort();
    }

    String address() {
        return "127.0.0.1:" + port();
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                int n = connections.incrementAndGet();
                threads.submit(() -> serve(s, n));
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket s, int connection) {
        try (s) {
            DataInputStream in = new DataInputStream(s.getInputStream());
            OutputStream out = s.getOutputStream();
            for (int i = 1; ; i++) {
                Packet p = readPacket(in, connection, i);
                if (p == null) {
                    return;
                }
                packets.add(p);
                if (!behaviour.answer(p, in, out)) {
                    out.flush();
                    return;
                }
                out.flush();
            }
        } catch (IOException e) {
            // the proxy closed
        }
    }

    private static Packet readPacket(DataInputStream in, int connection, int index) throws IOException {
        int m1 = in.read();
        if (m1 < 0) {
            return null;
        }
        int size = in.readUnsignedByte() | in.readUnsignedByte() << 8;
        int m2 = in.readUnsignedByte();
        byte[] block = in.readNBytes(size);
        if (block.length < size) {
            throw new EOFException();
        }
        List<Map.Entry<String, String>> vars = new ArrayList<>();
        int at = 0;
        long length = 0;
        while (at < size) {
            int kl = block[at] & 0xff | (block[at + 1] & 0xff) << 8;
            String k = new String(block, at + 2, kl, StandardCharsets.ISO_8859_1);
            at += 2 + kl;
            int vl = block[at] & 0xff | (block[at + 1] & 0xff) << 8;
            String v = new String(block, at + 2, vl, StandardCharsets.ISO_8859_1);
            at += 2 + vl;
            vars.add(new SimpleEntry<>(k, v));
            if (k.equals("CONTENT_LENGTH") && !v.isEmpty()) {
                length = Long.parseLong(v);
            }
        }
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        byte[] buf = new byte[65536];
        long left = length;
        while (left > 0) {
            int n = in.read(buf, 0, (int) Math.min(buf.length, left));
            if (n < 0) {
                throw new EOFException();
            }
            body.write(buf, 0, n);
            left -= n;
        }
        return new Packet(m1, m2, vars, body.toByteArray(), connection, index);
    }

    static void write(OutputStream out, String text) throws IOException {
        out.write(text.getBytes(StandardCharsets.ISO_8859_1));
    }

    @Override
    public void close() throws IOException {
        server.close();
        threads.shutdownNow();
    }
}
