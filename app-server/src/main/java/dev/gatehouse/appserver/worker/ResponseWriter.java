package dev.gatehouse.appserver.worker;

import dev.gatehouse.appserver.api.Body;
import dev.gatehouse.appserver.api.Response;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.DefaultFileRegion;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;

/**
 * Writes a {@link Response} as a raw HTTP/1.1 response, which is what a uwsgi front server
 * (nginx or the Gatehouse proxy) expects back. The body carries a {@code Content-Length}
 * whenever the length is known or can be measured, so a worker dying mid-response is a visibly
 * broken response, never a short 200; see {@link BodyFraming} for bodies of unknown length.
 *
 * <p>Runs on a thread that may block: streamed bodies wait for the client.
 */
final class ResponseWriter {

    private static final int MAX_INLINE_BODY = 8 * 1024;
    /** Bodies up to this size go out in one buffer with the head when the connection has no channel. */
    static final int MAX_WHOLE_BODY = 64 * 1024;

    private final HttpDateClock clock;

    ResponseWriter(HttpDateClock clock) {
        this.clock = clock;
    }

    /**
     * Thrown when the response failed after its head was sent: the only honest thing left is
     * to close the connection so the front server sees an incomplete response.
     */
    static final class BrokenResponseException extends IOException {
        BrokenResponseException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * What was sent.
     *
     * @param done the future of the last write
     * @param untilClose the body ends at connection close, so the connection must close
     */
    record Sent(ChannelFuture done, boolean untilClose) {
    }

    /**
     * Writes the whole response.
     *
     * @param head true for a {@code HEAD} request: headers as for {@code GET}, no body
     * @param chunkedOk the front decodes chunked bodies (the Gatehouse proxy; not nginx)
     * @throws IOException before anything was written (the caller may still send an error
     *     response), or {@link BrokenResponseException} after the head went out
     */
    Sent write(Channel channel, WritabilityGate gate, Response response, boolean head, boolean chunkedOk)
            throws IOException {
        int status = response.status();
        boolean bodyless = head || status < 200 || status == 204 || status == 304;
        Body body = response.body();
        FileChannel file = null;
        long length;
        switch (body) {
            case Body.Empty e -> length = 0;
            case Body.Bytes b -> length = b.bytes().length;
            case Body.File f -> {
                file = FileChannel.open(f.path(), StandardOpenOption.READ);
                length = file.size();
            }
            case Body.Stream s -> length = s.length() >= 0 ? s.length() : declaredLength(response);
            case Body.Streaming s -> length = -1;
        }

        BodyFraming unknown = chunkedOk ? BodyFraming.CHUNKED : BodyFraming.UNTIL_CLOSE;
        if (bodyless) {
            closeQuietly(file);
            if (body instanceof Body.Stream s) {
                closeQuietly(s.stream());
            }
            return new Sent(channel.writeAndFlush(encodeHead(channel.alloc(), response, status, length, unknown)), false);
        }
        switch (body) {
            case Body.Empty e -> {
                return new Sent(channel.writeAndFlush(encodeHead(channel.alloc(), response, status, 0, unknown)), false);
            }
            case Body.Bytes b -> {
                ByteBuf headBuf = encodeHead(channel.alloc(), response, status, length, unknown);
                if (b.bytes().length <= MAX_INLINE_BODY) {
                    headBuf.writeBytes(b.bytes());
                    return new Sent(channel.writeAndFlush(headBuf), false);
                }
                channel.write(headBuf);
                return new Sent(channel.writeAndFlush(Unpooled.wrappedBuffer(b.bytes())), false);
            }
            case Body.File f -> {
                channel.write(encodeHead(channel.alloc(), response, status, length, unknown));
                // DefaultFileRegion closes the file once it has been sent (or failed).
                return new Sent(channel.writeAndFlush(new DefaultFileRegion(file, 0, length)), false);
            }
            case Body.Stream s -> {
                ChannelBodyStream out = bodyStream(channel, gate, response, status, length, chunkedOk);
                return copyStream(out, s.stream(), length);
            }
            case Body.Streaming s -> {
                ChannelBodyStream out = bodyStream(channel, gate, response, status, -1, chunkedOk);
                try {
                    s.writer().writeTo(out);
                    out.close();
                } catch (IOException | RuntimeException | Error e) {
                    out.abandon();
                    throw new BrokenResponseException("streaming body failed after " + out.written() + " bytes", e);
                }
                return new Sent(out.lastWrite(), out.framing() == BodyFraming.UNTIL_CLOSE);
            }
        }
    }

    /**
     * The whole response in one buffer, for a response whose body is already in memory (empty,
     * or bytes up to {@link #MAX_WHOLE_BODY}); null for any other body, which {@link #write} sends.
     * The same bytes {@link #write} would send.
     */
    ByteBuf encodeWhole(ByteBufAllocator alloc, Response response, boolean head, boolean chunkedOk) {
        Body body = response.body();
        int length;
        if (body instanceof Body.Empty) {
            length = 0;
        } else if (body instanceof Body.Bytes b && b.bytes().length <= MAX_WHOLE_BODY) {
            length = b.bytes().length;
        } else {
            return null;
        }
        int status = response.status();
        boolean bodyless = head || status < 200 || status == 204 || status == 304;
        BodyFraming unknown = chunkedOk ? BodyFraming.CHUNKED : BodyFraming.UNTIL_CLOSE;
        ByteBuf buf = encodeHead(alloc.ioBuffer(256 + (bodyless ? 0 : length)), response, status, length, unknown);
        if (!bodyless && length > 0) {
            buf.writeBytes(((Body.Bytes) body).bytes());
        }
        return buf;
    }

    private ChannelBodyStream bodyStream(Channel channel, WritabilityGate gate, Response response, int status,
            long length, boolean chunkedOk) {
        if (length >= 0 || chunkedOk) {
            channel.write(encodeHead(channel.alloc(), response, status, length, BodyFraming.CHUNKED));
            return new ChannelBodyStream(channel, gate, length < 0);
        }
        return new ChannelBodyStream(channel, gate,
                measured -> encodeHead(channel.alloc(), response, status, measured, BodyFraming.UNTIL_CLOSE));
    }

    private Sent copyStream(ChannelBodyStream out, InputStream in, long length) throws IOException {
        try (in) {
            while (length < 0 || out.written() < length) {
                int max = length < 0 ? ChannelBodyStream.CHUNK : (int) Math.min(ChannelBodyStream.CHUNK, length - out.written());
                if (out.transferFrom(in, max) < 0) {
                    break;
                }
            }
            if (length >= 0 && out.written() < length) {
                throw new IOException("body stream ended after " + out.written() + " of " + length + " declared bytes");
            }
            out.close();
        } catch (IOException | RuntimeException | Error e) {
            out.abandon();
            throw new BrokenResponseException("body stream failed after " + out.written() + " bytes", e);
        }
        return new Sent(out.lastWrite(), out.framing() == BodyFraming.UNTIL_CLOSE);
    }

    /** A stream of unknown length whose app set Content-Length is sent with that length. */
    private static long declaredLength(Response response) {
        String cl = response.header("Content-Length");
        if (cl == null) {
            return -1;
        }
        try {
            long n = Long.parseLong(cl.trim());
            return n >= 0 ? n : -1;
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /**
     * The status line and headers.
     *
     * @param length the body length, or -1 when unknown
     * @param unknown how a body of unknown length is framed: chunked, or (no header) until close
     */
    private ByteBuf encodeHead(ByteBufAllocator alloc, Response response, int status, long length, BodyFraming unknown) {
        return encodeHead(alloc.buffer(256), response, status, length, unknown);
    }

    private ByteBuf encodeHead(ByteBuf buf, Response response, int status, long length, BodyFraming unknown) {
        ByteBufUtil.writeAscii(buf, "HTTP/1.1 ");
        buf.writeByte('0' + status / 100).writeByte('0' + status / 10 % 10).writeByte('0' + status % 10);
        buf.writeByte(' ');
        ByteBufUtil.writeAscii(buf, StatusReasons.of(status));
        crlf(buf);
        boolean hasDate = false;
        for (Response.Header h : response.headers()) {
            String name = h.name();
            if (isFramingHeader(name)) {
                continue; // the worker frames the body itself
            }
            hasDate |= name.equalsIgnoreCase("Date");
            ByteBufUtil.writeAscii(buf, name);
            buf.writeByte(':').writeByte(' ');
            writeLatin1OrUtf8(buf, h.value());
            crlf(buf);
        }
        if (!hasDate) {
            ByteBufUtil.writeAscii(buf, "Date: ");
            ByteBufUtil.writeAscii(buf, clock.now());
            crlf(buf);
        }
        boolean noBody = status < 200 || status == 204 || status == 304;
        if (!noBody) {
            if (length >= 0) {
                ByteBufUtil.writeAscii(buf, "Content-Length: ");
                ByteBufUtil.writeAscii(buf, Long.toString(length));
                crlf(buf);
            } else if (unknown == BodyFraming.CHUNKED) {
                ByteBufUtil.writeAscii(buf, "Transfer-Encoding: chunked");
                crlf(buf);
            }
        }
        crlf(buf);
        return buf;
    }

    private static boolean isFramingHeader(String name) {
        return name.equalsIgnoreCase("Content-Length")
                || name.equalsIgnoreCase("Transfer-Encoding")
                || name.equalsIgnoreCase("Connection");
    }

    /** Header values are bytes: chars up to 0xFF go as is, anything wider as UTF-8. */
    private static void writeLatin1OrUtf8(ByteBuf buf, String value) {
        for (int i = 0; i < value.length(); i++) {
            if (value.charAt(i) > 0xFF) {
                ByteBufUtil.writeUtf8(buf, value);
                return;
            }
        }
        for (int i = 0; i < value.length(); i++) {
            buf.writeByte(value.charAt(i));
        }
    }

    private static void crlf(ByteBuf buf) {
        buf.writeByte('\r').writeByte('\n');
    }

    private static void closeQuietly(AutoCloseable c) {
        if (c != null) {
            try {
                c.close();
            } catch (Exception ignored) {
                // nothing was sent from it; a failing close changes nothing for the client
            }
        }
    }
}
