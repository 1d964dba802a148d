package dev.gatehouse.proxy.upstream;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import io.netty.channel.DefaultFileRegion;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A whole request body read before forwarding ({@code request_buffering}, nginx's default): in
 * memory up to {@link #MEMORY_LIMIT}, then in a temp file, so that a slow client never holds an
 * app worker and a large upload never holds heap. The body can be sent more than once (a retry on
 * the next server): memory as retained duplicates, the file as a fresh zero-copy region.
 */
final class RequestBodyBuffer implements AutoCloseable {

    /**
     * Body bytes kept in memory before spilling to a temp file: nginx's client_body_buffer_size
     * is 8k/16k; 64 KiB keeps common form posts and JSON bodies off the disk.
     */
    static final int MEMORY_LIMIT = 64 * 1024;

    private final CompositeByteBuf memory;
    private Path file;
    private FileChannel channel;
    private long length;

    RequestBodyBuffer(ByteBufAllocator alloc) {
        this.memory = alloc.compositeBuffer(64);
    }

    /** Appends a part; takes over the caller's reference. */
    void add(ByteBuf part) {
        try {
            int n = part.readableBytes();
            if (n == 0) {
                return;
            }
            length += n;
            if (channel == null && memory.readableBytes() + n <= MEMORY_LIMIT) {
                memory.addComponent(true, part.retain());
                return;
            }
            if (channel == null) {
                spill();
            }
            writeFully(part);
        } finally {
            part.release();
        }
    }

    private void spill() {
        try {
            file = Files.createTempFile("gatehouse-body-", ".tmp");
            channel = FileChannel.open(file, StandardOpenOption.WRITE);
            writeFully(memory);
            memory.removeComponents(0, memory.numComponents());
            memory.clear();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot buffer a request body in a temp file (" + file
                    + "); check free space in java.io.tmpdir", e);
        }
    }

    private void writeFully(ByteBuf b) {
        try {
            while (b.isReadable()) {
                b.readBytes(channel, b.readableBytes());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write a request body to the temp file " + file, e);
        }
    }

    /** The body length so far. */
    long length() {
        return length;
    }

    /** The body as a message to write: a buffer or a file region; the caller's to write or release. */
    Object content() {
        if (channel == null) {
            return memory.retainedDuplicate();
        }
        return new DefaultFileRegion(file.toFile(), 0, length);
    }

    @Override
    public void close() {
        memory.release();
        if (channel != null) {
            try {
                channel.close();
                Files.deleteIfExists(file);
            } catch (IOException e) {
                // A leftover temp file is harmless; the tmp cleaner removes it.
            }
        }
    }
}
