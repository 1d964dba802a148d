package dev.gatehouse.appserver.worker;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.function.LongFunction;

/**
 * The response body as an {@link OutputStream} onto the channel, written from a request's
 * thread, waiting on the {@link WritabilityGate} so that a slow client slows the writer.
 *
 * <p>Three ways to frame (see {@link BodyFraming}): after a head already sent with a length or
 * as chunked; or, for an unknown length towards a front without a chunked decoder, buffering up
 * to {@link #MEASURE_LIMIT} so that the head can still carry a {@code Content-Length}. Past the
 * limit, or on an explicit {@link #flush()}, the head goes out without a length and the body
 * ends at close.
 */
final class ChannelBodyStream extends OutputStream {

    static final int CHUNK = 64 * 1024;
    /** How much of a body of unknown length is buffered to measure it. */
    static final int MEASURE_LIMIT = 256 * 1024;
    private static final byte[] CRLF = {'\r', '\n'};
    private static final byte[] LAST_CHUNK = "0\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    private final Channel channel;
    private final WritabilityGate gate;
    private final boolean chunked;
    /** Makes the head for a measured length, or for -1 (ends at close); null once the head is out. */
    private LongFunction<ByteBuf> pendingHead;
    private BodyFraming framing;
    private ByteBuf buffer;
    private long written;
    private boolean closed;
    private ChannelFuture lastWrite;

    /** A body whose head was already written, with a length or as chunked. */
    ChannelBodyStream(Channel channel, WritabilityGate gate, boolean chunked) {
        this.channel = channel;
        this.gate = gate;
        this.chunked = chunked;
        this.framing = chunked ? BodyFraming.CHUNKED : BodyFraming.FIXED;
    }

    /** A body of unknown length to a front without a chunked decoder: measured, or ends at close. */
    ChannelBodyStream(Channel channel, WritabilityGate gate, LongFunction<ByteBuf> head) {
        this(channel, gate, false);
        this.pendingHead = head;
    }

    /** Body bytes accepted so far (without chunk framing). */
    long written() {
        return written;
    }

    /** How the body was framed; final once {@link #close()} has run. */
    BodyFraming framing() {
        return framing;
    }

    /** The future of the final write, once {@link #close()} has run. */
    ChannelFuture lastWrite() {
        return lastWrite;
    }

    @Override
    public void write(int b) throws IOException {
        ensureOpen();
        ensureBuffer();
        buffer.writeByte(b);
        written++;
        if (buffer.maxWritableBytes() == 0) {
            emit();
        }
    }

    @Override
    public void write(byte[] src, int off, int len) throws IOException {
        java.util.Objects.checkFromIndexSize(off, len, src.length);
        ensureOpen();
        while (len > 0) {
            ensureBuffer();
            int n = Math.min(len, buffer.maxWritableBytes());
            buffer.writeBytes(src, off, n);
            off += n;
            len -= n;
            written += n;
            if (buffer.maxWritableBytes() == 0) {
                emit();
            }
        }
    }

    /**
     * Reads up to {@code max} bytes from a stream straight into the channel buffer.
     *
     * @return the bytes copied, or -1 at the stream's end
     */
    int transferFrom(java.io.InputStream in, int max) throws IOException {
        ensureOpen();
        ensureBuffer();
        int n = buffer.writeBytes(in, Math.min(max, buffer.maxWritableBytes()));
        if (n > 0) {
            written += n;
            if (buffer.maxWritableBytes() == 0) {
                emit();
            }
        }
        return n;
    }

    @Override
    public void flush() throws IOException {
        ensureOpen();
        emit();
    }

    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        if (pendingHead != null) {
            // The whole body fit the measuring buffer: send it with its length after all.
            int length = buffer == null ? 0 : buffer.readableBytes();
            channel.write(pendingHead.apply(length));
            pendingHead = null;
            framing = BodyFraming.FIXED;
        }
        if (buffer != null && buffer.isReadable()) {
            writeOut();
        }
        closed = true;
        releaseBuffer();
        if (chunked) {
            lastWrite = channel.writeAndFlush(channel.alloc().buffer(LAST_CHUNK.length).writeBytes(LAST_CHUNK));
        } else {
            lastWrite = channel.writeAndFlush(channel.alloc().buffer(0));
        }
    }

    /** Drops unsent bytes without ending the body: the response stays visibly incomplete. */
    void abandon() {
        closed = true;
        releaseBuffer();
    }

    private void emit() throws IOException {
        if (pendingHead != null) {
            // Too long to measure, or the app wants bytes out now: no length after all.
            gate.awaitWritable();
            channel.write(pendingHead.apply(-1));
            pendingHead = null;
            framing = BodyFraming.UNTIL_CLOSE;
        }
        if (buffer != null && buffer.isReadable()) {
            gate.awaitWritable();
            writeOut();
        }
        // Each full chunk is flushed at once: at 64 KiB the syscall cost is noise, and the
        // channel's writability then always reflects bytes really waiting for the socket.
        channel.flush();
    }

    private void writeOut() {
        ByteBuf out = buffer;
        buffer = null;
        if (chunked) {
            byte[] size = Integer.toHexString(out.readableBytes()).getBytes(StandardCharsets.US_ASCII);
            channel.write(channel.alloc().buffer(size.length + 2).writeBytes(size).writeBytes(CRLF));
            channel.write(out);
            channel.write(channel.alloc().buffer(2).writeBytes(CRLF));
        } else {
            channel.write(out);
        }
    }

    private void ensureBuffer() {
        if (buffer == null) {
            int max = pendingHead != null ? MEASURE_LIMIT : CHUNK;
            buffer = channel.alloc().buffer(Math.min(max, 16 * 1024), max);
        }
    }

    private void releaseBuffer() {
        if (buffer != null) {
            buffer.release();
            buffer = null;
        }
    }

    private void ensureOpen() throws IOException {
        if (closed) {
            throw new IOException("response body stream is closed");
        }
        if (!channel.isActive()) {
            throw new WritabilityGate.ClientGoneException("connection closed by the front server while sending the response");
        }
    }
}
