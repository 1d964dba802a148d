package dev.gatehouse.appserver.worker;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The response body as an {@link OutputStream} onto the channel, written from a request's
 * thread: buffers up to {@link #CHUNK} bytes, frames them as HTTP/1.1 chunks when the length
 * is unknown, and waits on the {@link WritabilityGate} so that a slow client slows the writer.
 */
final class ChannelBodyStream extends OutputStream {

    static final int CHUNK = 64 * 1024;
    private static final byte[] CRLF = {'\r', '\n'};
    private static final byte[] LAST_CHUNK = "0\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    private final Channel channel;
    private final WritabilityGate gate;
    private final boolean chunked;
    private ByteBuf buffer;
    private long written;
    private boolean closed;
    private ChannelFuture lastWrite;

    ChannelBodyStream(Channel channel, WritabilityGate gate, boolean chunked) {
        this.channel = channel;
        this.gate = gate;
        this.chunked = chunked;
    }

    /** Body bytes accepted so far (without chunk framing). */
    long written() {
        return written;
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
        if (!buffer.isWritable()) {
            emit();
        }
    }

    @Override
    public void write(byte[] src, int off, int len) throws IOException {
        java.util.Objects.checkFromIndexSize(off, len, src.length);
        ensureOpen();
        while (len > 0) {
            ensureBuffer();
            int n = Math.min(len, buffer.writableBytes());
            buffer.writeBytes(src, off, n);
            off += n;
            len -= n;
            written += n;
            if (!buffer.isWritable()) {
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
        int n = buffer.writeBytes(in, Math.min(max, buffer.writableBytes()));
        if (n > 0) {
            written += n;
            if (!buffer.isWritable()) {
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
        if (buffer != null && buffer.isReadable()) {
            emit();
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
        if (buffer != null && buffer.isReadable()) {
            gate.awaitWritable();
            ByteBuf out = buffer;
            buffer = null;
            if (chunked) {
                byte[] size = Integer.toHexString(out.readableBytes()).getBytes(StandardCharsets.US_ASCII);
                ByteBuf head = channel.alloc().buffer(size.length + 2).writeBytes(size).writeBytes(CRLF);
                channel.write(head);
                channel.write(out);
                channel.write(channel.alloc().buffer(2).writeBytes(CRLF));
            } else {
                channel.write(out);
            }
        }
        // Each full chunk is flushed at once: at 64 KiB the syscall cost is noise, and the
        // channel's writability then always reflects bytes really waiting for the socket.
        channel.flush();
    }

    private void ensureBuffer() {
        if (buffer == null) {
            buffer = channel.alloc().buffer(CHUNK, CHUNK);
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
