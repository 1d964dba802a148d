package dev.gatehouse.proxy.statics;

import dev.gatehouse.conf.proxy.OpenFileCacheConfig;
import dev.gatehouse.conf.proxy.SymlinkPolicy;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Keeps descriptors and metadata of hot files open, as nginx's {@code open_file_cache}: a hit
 * within {@code valid} costs no system call; after it, one stat(2) tells whether the file is
 * still the same (inode, size, mtime), and a changed or replaced file is reopened. Least recently
 * used entries go past {@code max}. Misses, directories and refusals are not cached, so a new
 * file is seen at once. With {@code max = 0} every lookup opens the file.
 *
 * <p>The symlink policy is checked whenever the file is stat'ed, and the result is part of the
 * key, so a location with another policy never shares an entry.
 *
 * <p>Files of at most {@link #HELD_BYTES} are also held in memory while cached (see
 * {@link CachedFile}), so at most {@code max} times that: 16 MiB for 1000 entries.
 */
public final class OpenFileCache implements AutoCloseable {

    /**
     * Largest file whose bytes a cache entry holds: one TLS record's worth of plaintext, the size
     * under which the per-request read dominated the cost of sending the file over TLS.
     */
    static final int HELD_BYTES = 16 * 1024;

    /** The result of a lookup. */
    public sealed interface Lookup {
    }

    /** No such file, not a regular file or directory, or refused by the symlink policy. */
    public record Missing() implements Lookup {
    }

    /** The file exists but the proxy may not read it. */
    public record Denied() implements Lookup {
    }

    /** A directory. */
    public record Directory() implements Lookup {
    }

    /**
     * A regular file; the caller owns one reference and must {@link CachedFile#release()} it.
     *
     * @param file the open file
     */
    public record Found(CachedFile file) implements Lookup {
    }

    private static final Missing MISSING = new Missing();
    private static final Denied DENIED = new Denied();
    private static final Directory DIRECTORY = new Directory();

    private record Key(Path file, Path root, SymlinkPolicy policy) {
    }

    private final int max;
    private final long validNanos;
    private final LinkedHashMap<Key, CachedFile> entries;

    /** A cache with this configuration. */
    public OpenFileCache(OpenFileCacheConfig config) {
        this.max = config.max();
        this.validNanos = config.valid().toNanos();
        this.entries = new LinkedHashMap<>(Math.min(max, 1024) * 2 + 16, 0.75f, true) {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(Map.Entry<Key, CachedFile> eldest) {
                if (size() > max) {
                    eldest.getValue().release();
                    return true;
                }
                return false;
            }
        };
    }

    /**
     * Looks a file up.
     *
     * @param root the location's directory, for the symlink policy
     * @param file the file, below root
     */
    public Lookup lookup(Path root, Path file, SymlinkPolicy policy) {
        Key key = new Key(file, root, policy);
        long now = System.nanoTime();
        CachedFile cached = null;
        if (max > 0) {
            synchronized (entries) {
                cached = entries.get(key);
                if (cached != null && now - cached.checkedAtNanos < validNanos) {
                    return new Found(cached.retain());
                }
                if (cached != null) {
                    cached.retain();
                }
            }
        }
        try {
            return revalidate(key, cached, now);
        } finally {
            if (cached != null) {
                cached.release();
            }
        }
    }

    private Lookup revalidate(Key key, CachedFile cached, long now) {
        BasicFileAttributes a;
        try {
            a = Files.readAttributes(key.file, BasicFileAttributes.class);
            if (!SymlinkGuard.allows(key.policy, key.root, key.file)) {
                forget(key, cached);
                return MISSING;
            }
        } catch (AccessDeniedException e) {
            forget(key, cached);
            return DENIED;
        } catch (IOException | SecurityException e) {
            forget(key, cached);
            return MISSING;
        }
        if (a.isDirectory()) {
            forget(key, cached);
            return DIRECTORY;
        }
        if (!a.isRegularFile()) {
            // Never open a FIFO or device: opening a FIFO blocks the event loop.
            forget(key, cached);
            return MISSING;
        }
        long mtime = a.lastModifiedTime().toMillis();
        if (cached != null && cached.sameAs(a.fileKey(), a.size(), mtime)) {
            cached.checkedAtNanos = now;
            return new Found(cached.retain());
        }
        FileChannel channel;
        try {
            channel = FileChannel.open(key.file, StandardOpenOption.READ);
        } catch (AccessDeniedException e) {
            forget(key, cached);
            return DENIED;
        } catch (IOException e) {
            forget(key, cached);
            return MISSING;
        }
        long size;
        try {
            size = channel.size();
        } catch (IOException e) {
            size = a.size();
        }
        if (max == 0) {
            return new Found(new CachedFile(key.file, channel, size, mtime, a.fileKey(), now));
        }
        CachedFile fresh = new CachedFile(key.file, channel, size, mtime, a.fileKey(), now, held(channel, size));
        fresh.retain(); // the caller's reference; the first one is the cache's
        synchronized (entries) {
            CachedFile old = entries.put(key, fresh);
            if (old != null) {
                old.release();
            }
        }
        return new Found(fresh);
    }

    /** The whole file when it is small, read once; null for larger files or when it changed while read. */
    private static ByteBuf held(FileChannel channel, long size) {
        if (size <= 0 || size > HELD_BYTES) {
            return null;
        }
        // Unpooled: it lives as long as the entry, and is read by every event loop.
        ByteBuf buf = Unpooled.directBuffer((int) size, (int) size);
        try {
            while (buf.isWritable()) {
                if (buf.writeBytes(channel, (long) buf.writerIndex(), buf.writableBytes()) <= 0) {
                    buf.release();
                    return null; // shorter than it was a moment ago: serve it by reading instead
                }
            }
            return buf;
        } catch (IOException e) {
            buf.release();
            return null;
        }
    }

    private void forget(Key key, CachedFile cached) {
        if (cached == null) {
            return;
        }
        synchronized (entries) {
            if (entries.remove(key, cached)) {
                cached.release();
            }
        }
    }

    /** Entries cached now. */
    public int size() {
        synchronized (entries) {
            return entries.size();
        }
    }

    /** Drops every entry (descriptors close once no response uses them). */
    @Override
    public void close() {
        synchronized (entries) {
            entries.values().forEach(CachedFile::release);
            entries.clear();
        }
    }
}
