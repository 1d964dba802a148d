package dev.gatehouse.proxy.statics;

import io.netty.buffer.ByteBuf;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An open regular file with the metadata it was opened with, shared by the open-file cache and
 * every response sending it. Reference counted: the cache holds one reference while the entry is
 * cached, each {@link CachedFileRegion} one while it is being sent; the descriptor is closed when
 * the last goes, so evicting a file that is being downloaded does not cut the download.
 *
 * <p>A small file kept in the cache also keeps its bytes ({@link #contents}), read once when it
 * was opened: TLS and HTTP/2 cannot use sendfile(2), and reading a 1 KiB file for every response
 * cost a pread(2) and a buffer per request. They are the bytes of the file as it was opened, so
 * they change with the entry when the cache sees a new inode, size or mtime.
 */
public final class CachedFile {

    private final Path path;
    private final FileChannel channel;
    private final long size;
    private final long mtimeMillis;
    private final Object fileKey;
    private final AtomicInteger refs = new AtomicInteger(1);
    /** The whole file, for small cached files; null otherwise. One reference, held by this object. */
    private final ByteBuf contents;
    volatile long checkedAtNanos;
    // Racy single-check caches: every thread computes the same immutable string.
    private String etag;
    private String lastModified;

    CachedFile(Path path, FileChannel channel, long size, long mtimeMillis, Object fileKey, long checkedAtNanos) {
        this(path, channel, size, mtimeMillis, fileKey, checkedAtNanos, null);
    }

    CachedFile(Path path, FileChannel channel, long size, long mtimeMillis, Object fileKey, long checkedAtNanos,
            ByteBuf contents) {
        this.path = path;
        this.channel = channel;
        this.size = size;
        this.mtimeMillis = mtimeMillis;
        this.fileKey = fileKey;
        this.checkedAtNanos = checkedAtNanos;
        this.contents = contents;
    }

    /**
     * {@code count} bytes at {@code position} as a buffer with its own reference, when this file's
     * bytes are held in memory; null when they are not (then read the region).
     */
    ByteBuf slice(long position, long count) {
        if (contents == null || position < 0 || count < 0 || position + count > contents.capacity()) {
            return null;
        }
        // Absolute bounds on a shared buffer: each response gets its own indexes.
        return contents.retainedSlice((int) position, (int) count);
    }

    /** The path it was opened by. */
    public Path path() {
        return path;
    }

    /** The open channel; shared, so only positional reads and transfers may use it. */
    FileChannel channel() {
        return channel;
    }

    /** Size in bytes when opened. */
    public long size() {
        return size;
    }

    /** Last modification, epoch milliseconds. */
    public long mtimeMillis() {
        return mtimeMillis;
    }

    /** Last modification, epoch seconds: what ETag and Last-Modified carry. */
    public long mtimeSeconds() {
        return Math.floorDiv(mtimeMillis, 1000);
    }

    /** The ETag of this file as opened (nginx's form, from mtime and size); made once per entry. */
    public String etag() {
        String e = etag;
        if (e == null) {
            e = Preconditions.etag(mtimeSeconds(), size);
            etag = e;
        }
        return e;
    }

    /** The Last-Modified value of this file as opened; formatted once per entry, not per response. */
    public String lastModified() {
        String l = lastModified;
        if (l == null) {
            l = dev.gatehouse.proxy.exchange.HttpDate.format(mtimeSeconds());
            lastModified = l;
        }
        return l;
    }

    /** Whether the file on disk still is this one (same inode, size and mtime). */
    boolean sameAs(Object key, long size, long mtimeMillis) {
        return java.util.Objects.equals(fileKey, key) && this.size == size && this.mtimeMillis == mtimeMillis;
    }

    /** Takes a reference. */
    CachedFile retain() {
        int r;
        do {
            r = refs.get();
            if (r <= 0) {
                throw new IllegalStateException("retain of a closed file " + path);
            }
        } while (!refs.compareAndSet(r, r + 1));
        return this;
    }

    /** Drops a reference, closing the descriptor with the last. */
    public void release() {
        if (refs.decrementAndGet() == 0) {
            if (contents != null) {
                contents.release();
            }
            try {
                channel.close();
            } catch (IOException e) {
                // closing a read-only descriptor does not fail in a way anyone could act on
            }
        }
    }

    /** A zero-copy region of this file, holding its own reference. */
    public CachedFileRegion region(long position, long count) {
        return new CachedFileRegion(retain(), position, count);
    }
}
