package dev.gatehouse.conf.proxy;

import static dev.gatehouse.conf.proxy.ProxyKeys.*;

import dev.gatehouse.conf.schema.ConfigValues;
import dev.gatehouse.conf.schema.ConfigView;
import java.time.Duration;

/**
 * The static files' open-file cache ({@code [open_file_cache]}): descriptors and metadata of hot
 * files kept open, as nginx's {@code open_file_cache}.
 */
public final class OpenFileCacheConfig extends ConfigView {

    OpenFileCacheConfig(ConfigValues values) {
        super(values);
    }

    /** Entries kept; 0 = no cache. */
    public int max() {
        return get(OPEN_FILE_CACHE_MAX);
    }

    /** How long an entry is trusted before it is checked against the file system. */
    public Duration valid() {
        return get(OPEN_FILE_CACHE_VALID);
    }

    /** Whether the cache is on. */
    public boolean enabled() {
        return max() > 0;
    }
}
