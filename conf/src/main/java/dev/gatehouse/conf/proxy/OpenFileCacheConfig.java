package dev.gatehouse.conf.proxy;

import java.time.Duration;
import java.util.Objects;

/**
 * The static files' open-file cache ({@code [open_file_cache]}): descriptors and metadata of hot
 * files kept open, as nginx's {@code open_file_cache}.
 *
 * @param max entries kept; 0 = no cache
 * @param valid how long an entry is trusted before it is checked against the file system
 */
public record OpenFileCacheConfig(int max, Duration valid) {

    /** Checks for nulls. */
    public OpenFileCacheConfig {
        Objects.requireNonNull(valid, "valid");
    }

    /** Whether the cache is on. */
    public boolean enabled() {
        return max > 0;
    }
}
