package dev.gatehouse.proxy.statics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.gatehouse.conf.proxy.OpenFileCacheConfig;
import dev.gatehouse.conf.proxy.ProxyConfig;
import dev.gatehouse.conf.proxy.SymlinkPolicy;
import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The bytes a cache entry holds for small files, which TLS and HTTP/2 send instead of reading the file. */
class OpenFileCacheTest {

    @TempDir
    Path root;

    private static String text(ByteBuf b) {
        try {
            return b.toString(StandardCharsets.ISO_8859_1);
        } finally {
            b.release();
        }
    }

    /** {@code [open_file_cache]} with these keys, as a config file sets them. */
    private static OpenFileCacheConfig cacheConfig(int max, String valid) {
        return ProxyConfig.load(null, Map.of("open_file_cache.max", Integer.toString(max), "open_file_cache.valid", valid))
                .openFileCache();
    }

    private CachedFile found(OpenFileCache cache, String name) {
        OpenFileCache.Lookup l = cache.lookup(root, root.resolve(name), SymlinkPolicy.OFF);
        return assertInstanceOf(OpenFileCache.Found.class, l).file();
    }

    @Test
    void smallCachedFileRegionsComeFromMemory() throws Exception {
        Files.writeString(root.resolve("a.txt"), "0123456789");
        try (OpenFileCache cache = new OpenFileCache(cacheConfig(10, "1m"))) {
            CachedFile f = found(cache, "a.txt");
            CachedFileRegion whole = f.region(0, 10);
            CachedFileRegion part = f.region(3, 4);
            assertEquals("0123456789", text(whole.retainedBytes()));
            assertEquals("3456", text(part.retainedBytes()));
            whole.release();
            part.release();
            f.release();
        }
    }

    @Test
    void largeFilesAndUncachedLookupsAreRead() throws Exception {
        Files.write(root.resolve("big.bin"), new byte[OpenFileCache.HELD_BYTES + 1]);
        Files.writeString(root.resolve("a.txt"), "0123456789");
        try (OpenFileCache cache = new OpenFileCache(cacheConfig(10, "1m"));
                OpenFileCache none = new OpenFileCache(cacheConfig(0, "1m"))) {
            CachedFile big = found(cache, "big.bin");
            CachedFileRegion r = big.region(0, OpenFileCache.HELD_BYTES + 1);
            assertNull(r.retainedBytes());
            r.release();
            big.release();
            CachedFile uncached = found(none, "a.txt");
            CachedFileRegion u = uncached.region(0, 10);
            assertNull(u.retainedBytes(), "max = 0 keeps nothing, not even bytes");
            u.release();
            uncached.release();
        }
    }

    @Test
    void heldBytesFollowTheFileWhenItChanges() throws Exception {
        Path a = root.resolve("a.txt");
        Files.writeString(a, "old");
        Files.setLastModifiedTime(a, FileTime.from(Instant.ofEpochSecond(1_700_000_000L)));
        try (OpenFileCache cache = new OpenFileCache(cacheConfig(10, "0"))) {
            CachedFile first = found(cache, "a.txt");
            CachedFileRegion held = first.region(0, 3);
            // Rewritten in place, same size: the new mtime makes the entry stale.
            Files.writeString(a, "new");
            Files.setLastModifiedTime(a, FileTime.from(Instant.ofEpochSecond(1_700_000_100L)));
            CachedFile second = found(cache, "a.txt");
            CachedFileRegion fresh = second.region(0, 3);
            assertEquals("new", text(fresh.retainedBytes()));
            fresh.release();
            // A response already holding the old bytes still sends what it announced.
            assertEquals("old", text(held.retainedBytes()));
            held.release();
            first.release();
            second.release();
        }
    }
}
