package dev.gatehouse.proxy.support;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersDecoder;
import io.netty.handler.codec.http2.DefaultHttp2HeadersEncoder;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2Headers;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.HashMap;
import java.util.Map;

/**
 * A raw HTTP/2 client for tests: writes exact frames (HPACK by Netty's encoder, framing by hand),
 * so that floods and malformed sequences no real client sends can be sent; reads frames back,
 * answering the server's SETTINGS with an ACK. Works over any socket, TLS included.
 */
public final class H2Client implements AutoCloseable {

    public static final int DATA = 0;
    public static final int HEADERS = 1;
    public static final int PRIORITY = 2;
    public static final int RST_STREAM = 3;
    public static final int SETTINGS = 4;
    public static final int PING = 6;
    public static final int GOAWAY = 7;
    public static final int WINDOW_UPDATE = 8;
    public static final int CONTINUATION = 9;
    public static final int END_STREAM = 0x1;
    public static final int END_HEADERS = 0x4;

    /** One frame from the server; {@code headers} decoded for HEADERS (with its CONTINUATIONs). */
    public record Frame(int type, int flags, int stream, byte[] payload, Http2Headers headers) {
        public int errorCode() {
            int at = type == GOAWAY ? 4 : 0;
            return (payload[at] & 0xff) << 24 | (payload[at + 1] & 0xff) << 16 | (payload[at + 2] & 0xff) << 8
                    | payload[at + 3] & 0xff;
        }

        public String status() {
            return headers == null ? null : String.valueOf(headers.status());
        }
    }

    /** A complete response on one stream. */
    public record Response(int status, Http2Headers headers, byte[] body) {
    }

    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;
    private final DefaultHttp2HeadersEncoder encoder = new DefaultHttp2HeadersEncoder();
    private final DefaultHttp2HeadersDecoder decoder = new DefaultHttp2HeadersDecoder(false, 1 << 20);

    /** Over a connected socket (plain TCP, or TLS that negotiated h2); sends the preface and SETTINGS. */
    public H2Client(Socket socket) {
        try {
            this.socket = socket;
            socket.setSoTimeout(10_000);
            in = new DataInputStream(socket.getInputStream());
            out = socket.getOutputStream();
            ByteBuf preface = Http2CodecUtil.connectionPrefaceBuf();
            out.write(ByteBufUtil.getBytes(preface));
            // SETTINGS_INITIAL_WINDOW_SIZE and a connection WINDOW_UPDATE of 1 GiB: responses
            // flow without the test acknowledging DATA.
            frame(SETTINGS, 0, 0, new byte[] {0, 4, 0x40, 0, 0, 0});
            frame(8, 0, 0, int32(0x3fff0000));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** h2c with prior knowledge to 127.0.0.1:{@code port}. */
    public static H2Client cleartext(int port) {
        try {
            return new H2Client(new Socket("127.0.0.1", port));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Like {@link #cleartext(int)}, with a small receive buffer: a client that reads nothing then
     * fills the server's socket after a few KiB instead of the megabytes loopback autotuning
     * allows, so a flood test does not depend on how fast a loaded machine pushes them.
     */
    public static H2Client cleartext(int port, int receiveBufferBytes) {
        try {
            Socket s = new Socket();
            s.setReceiveBufferSize(receiveBufferBytes);
            s.connect(new java.net.InetSocketAddress("127.0.0.1", port));
            return new H2Client(s);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A GET request's fields. */
    public static Http2Headers get(String path) {
        return new DefaultHttp2Headers().method("GET").scheme("http").path(path).authority("localhost");
    }

    /** HPACK-encodes a header block (the encoder's table state moves on, as on a real connection). */
    public byte[] encode(int stream, Http2Headers headers) {
        ByteBuf b = Unpooled.buffer();
        try {
            encoder.encodeHeaders(stream, headers, b);
            return ByteBufUtil.getBytes(b);
        } catch (Http2Exception e) {
            throw new IllegalStateException(e);
        } finally {
            b.release();
        }
    }

    public H2Client headers(int stream, Http2Headers headers, boolean endStream) {
        return frame(HEADERS, END_HEADERS | (endStream ? END_STREAM : 0), stream, encode(stream, headers));
    }

    public H2Client data(int stream, byte[] bytes, boolean endStream) {
        return frame(DATA, endStream ? END_STREAM : 0, stream, bytes);
    }

    public H2Client rst(int stream, int errorCode) {
        return frame(RST_STREAM, 0, stream, int32(errorCode));
    }

    public H2Client windowUpdate(int stream, int increment) {
        return frame(WINDOW_UPDATE, 0, stream, int32(increment));
    }

    public H2Client ping(long data) {
        byte[] p = new byte[8];
        for (int i = 0; i < 8; i++) {
            p[i] = (byte) (data >>> (56 - 8 * i));
        }
        return frame(PING, 0, 0, p);
    }

    /** Writes one frame. */
    public H2Client frame(int type, int flags, int stream, byte[] payload) {
        byte[] f = new byte[9 + payload.length];
        f[0] = (byte) (payload.length >>> 16);
        f[1] = (byte) (payload.length >>> 8);
        f[2] = (byte) payload.length;
        f[3] = (byte) type;
        f[4] = (byte) flags;
        System.arraycopy(int32(stream), 0, f, 5, 4);
        System.arraycopy(payload, 0, f, 9, payload.length);
        return write(f);
    }

    /** Writes bytes as they are (several frames built with {@link #frameBytes}, for speed). */
    public H2Client write(byte[] bytes) {
        try {
            out.write(bytes);
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** One frame as bytes. */
    public static byte[] frameBytes(int type, int flags, int stream, byte[] payload) {
        byte[] f = new byte[9 + payload.length];
        f[0] = (byte) (payload.length >>> 16);
        f[1] = (byte) (payload.length >>> 8);
        f[2] = (byte) payload.length;
        f[3] = (byte) type;
        f[4] = (byte) flags;
        System.arraycopy(int32(stream), 0, f, 5, 4);
        System.arraycopy(payload, 0, f, 9, payload.length);
        return f;
    }

    public static byte[] int32(int v) {
        return new byte[] {(byte) (v >>> 24), (byte) (v >>> 16), (byte) (v >>> 8), (byte) v};
    }

    /** The next frame other than SETTINGS, WINDOW_UPDATE and PING acks; null at end of stream. */
    public Frame read() throws IOException {
        while (true) {
            Frame f = readAny();
            if (f == null) {
                return null;
            }
            if (f.type() == SETTINGS) {
                if ((f.flags() & 1) == 0) {
                    try {
                        frame(SETTINGS, 1, 0, new byte[0]);
                    } catch (UncheckedIOException e) {
                        // the server is closing; its remaining frames can still be read
                    }
                }
                continue;
            }
            if (f.type() == 8 || f.type() == PING && (f.flags() & 1) != 0) {
                continue;
            }
            return f;
        }
    }

    private Frame readAny() throws IOException {
        byte[] head = new byte[9];
        try {
            in.readFully(head);
        } catch (EOFException e) {
            return null;
        }
        int length = (head[0] & 0xff) << 16 | (head[1] & 0xff) << 8 | head[2] & 0xff;
        int type = head[3] & 0xff;
        int flags = head[4] & 0xff;
        int stream = (head[5] & 0x7f) << 24 | (head[6] & 0xff) << 16 | (head[7] & 0xff) << 8 | head[8] & 0xff;
        byte[] payload = new byte[length];
        in.readFully(payload);
        Http2Headers headers = null;
        if (type == HEADERS) {
            ByteArrayOutputStream block = new ByteArrayOutputStream();
            block.write(payload);
            int f = flags;
            while ((f & END_HEADERS) == 0) {
                Frame c = readAny();
                block.write(c.payload());
                f = c.flags();
            }
            try {
                headers = decoder.decodeHeaders(stream, Unpooled.wrappedBuffer(block.toByteArray()));
            } catch (Http2Exception e) {
                throw new IOException(e);
            }
        }
        return new Frame(type, flags, stream, payload, headers);
    }

    private final Map<Integer, java.util.ArrayDeque<Frame>> pending = new HashMap<>();

    /** Reads until the response on {@code stream} is complete; other streams' frames are kept for later. */
    public Response response(int stream) throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        Http2Headers head = null;
        while (true) {
            java.util.ArrayDeque<Frame> kept = pending.get(stream);
            Frame f = kept != null && !kept.isEmpty() ? kept.poll() : read();
            if (f == null) {
                throw new EOFException("connection closed before the response on stream " + stream);
            }
            if (f.stream() != stream) {
                if (f.stream() != 0) {
                    pending.computeIfAbsent(f.stream(), s -> new java.util.ArrayDeque<>()).add(f);
                }
                continue;
            }
            if (f.type() == RST_STREAM) {
                throw new IOException("stream " + stream + " reset with error " + f.errorCode());
            }
            if (f.type() == HEADERS && head == null) {
                head = f.headers();
            }
            if (f.type() == DATA) {
                body.write(f.payload());
            }
            if ((f.flags() & END_STREAM) != 0 && (f.type() == DATA || f.type() == HEADERS)) {
                return new Response(Integer.parseInt(head.status().toString()), head, body.toByteArray());
            }
        }
    }

    /** Reads frames until a GOAWAY (returned) or the end of the connection (null). */
    public Frame awaitGoAway() throws IOException {
        while (true) {
            Frame f;
            try {
                f = read();
            } catch (java.net.SocketException e) {
                return null; // reset after the GOAWAY was lost in the close
            }
            if (f == null || f.type() == GOAWAY) {
                return f;
            }
        }
    }

    /**
     * Reads frames until the first RST_STREAM or GOAWAY (returned), skipping responses; null
     * when the connection ends first.
     */
    public Frame awaitResetOrGoAway() throws IOException {
        while (true) {
            Frame f;
            try {
                f = read();
            } catch (java.net.SocketException e) {
                return null; // reset after the GOAWAY was lost in the close
            }
            if (f == null || f.type() == GOAWAY || f.type() == RST_STREAM) {
                return f;
            }
        }
    }

    /** Whether the server closed the connection: reads to the end within {@code millis}. */
    public boolean closedWithin(int millis) throws IOException {
        socket.setSoTimeout(millis);
        try {
            while (read() != null) {
                // drain
            }
            return true;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (java.net.SocketException e) {
            return true;
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
