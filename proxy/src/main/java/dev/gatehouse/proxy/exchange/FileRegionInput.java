package dev.gatehouse.proxy.exchange;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.FileRegion;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.stream.ChunkedInput;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;

/**
 * A file region as a stream of bounded {@link HttpContent} pieces for Netty's
 * {@code ChunkedWriteHandler}: the next piece is read only when the connection takes more, so a
 * large file over TLS or HTTP/2 never sits in memory whole. Regions that can read themselves
 * ({@link ReadableFileRegion}) are read with positional reads straight into the buffer; others
 * go through {@link FileRegion#transferTo} into a buffer-backed channel.
 */
final class FileRegionInput implements ChunkedInput<HttpContent> {

    /** Piece size: two TLS records, and few enough reads per megabyte. */
    static final int CHUNK = 32 * 1024;

    private final FileRegion region;
    private long offset;

    FileRegionInput(FileRegion region) {
        this.region = region;
    }

    /** The whole region read into one buffer: for small bodies, cheaper than a chunked stream. */
    static ByteBuf readAll(FileRegion region, ByteBufAllocator alloc) throws IOException {
        int n = (int) region.count();
        ByteBuf buf = alloc.directBuffer(n);
        try {
            read(region, buf, 0, n);
            return buf;
        } catch (IOException | RuntimeException e) {
            buf.release();
            throw e;
        }
    }

    private static void read(FileRegion region, ByteBuf buf, long offset, int n) throws IOException {
        int got;
        if (region instanceof ReadableFileRegion r) {
            got = 0;
            while (got < n) {
                int k = r.read(buf, offset + got, n - got);
                if (k <= 0) {
                    break;
                }
                got += k;
            }
        } else {
            got = (int) region.transferTo(new BufferChannel(buf, n), offset);
        }
        if (got < n) {
            // The file shrank under the response: the promised length cannot be kept.
            throw new EOFException("file shorter than its response: " + (offset + got) + " of " + region.count()
                    + " bytes");
        }
    }

    @Override
    public boolean isEndOfInput() {
        return offset >= region.count();
    }

    @Override
    public void close() {
        region.release();
    }

    @Deprecated
    @Override
    public HttpContent readChunk(ChannelHandlerContext ctx) throws Exception {
        return readChunk(ctx.alloc());
    }

    @Override
    public HttpContent readChunk(ByteBufAllocator allocator) throws Exception {
        if (isEndOfInput()) {
            return null;
        }
        int n = (int) Math.min(CHUNK, region.count() - offset);
        ByteBuf buf = allocator.directBuffer(n);
        try {
            read(region, buf, offset, n);
        } catch (IOException | RuntimeException e) {
            buf.release();
            throw e;
        }
        offset += n;
        return new DefaultHttpContent(buf);
    }

    @Override
    public long length() {
        return region.count();
    }

    @Override
    public long progress() {
        return offset;
    }

    /** Takes at most {@code limit} bytes into a buffer; {@code transferTo} stops when it takes no more. */
    private static final class BufferChannel implements WritableByteChannel {
        private final ByteBuf buf;
        private int room;

        BufferChannel(ByteBuf buf, int limit) {
            this.buf = buf;
            this.room = limit;
        }

        @Override
        public int write(ByteBuffer src) {
            int n = Math.min(room, src.remaining());
            ByteBuffer part = src.slice(src.position(), n);
            buf.writeBytes(part);
            src.position(src.position() + n);
            room -= n;
            return n;
        }

        @Override
        public boolean isOpen() {
            return true;
        }

        @Override
        public void close() {
        }
    }
}
