package dev.gatehouse.proxy.statics;

import io.netty.channel.DefaultFileRegion;

/**
 * A {@link DefaultFileRegion} over a shared {@link CachedFile}: the epoll transport sends a
 * {@code DefaultFileRegion} with sendfile(2), but releasing one closes its channel, which must
 * not happen to a descriptor the cache shares. Releasing this region drops its reference instead.
 */
public final class CachedFileRegion extends DefaultFileRegion {

    private final CachedFile file;

    CachedFileRegion(CachedFile retained, long position, long count) {
        super(retained.channel(), position, count);
        this.file = retained;
    }

    @Override
    protected void deallocate() {
        file.release();
    }
}
