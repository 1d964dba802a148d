package dev.gatehouse.proxy.statics;

import dev.gatehouse.proxy.exchange.ReadableFileRegion;
import io.netty.buffer.ByteBuf;
import io.netty.channel.DefaultFileRegion;
import java.io.IOException;

/**
 * A {@link DefaultFileRegion} over a shared {@link CachedFile}: the epoll transport sends a
 * {@code DefaultFileRegion} with sendfile(2), but releasing one closes its channel, which must
 * not happen to a descriptor the cache shares. Releasing this region drops its reference instead.
 */
public final class CachedFileRegion extends DefaultFileRegion implements ReadableFileRegion {

    private final CachedFile file;

    CachedFileRegion(CachedFile retained, long position, long count) {
        super(retained.channel(), position, count);
        this.file = retained;
    }

    @Override
    public int read(ByteBuf dst, long offset, int length) throws IOException {
        // Positional: the channel is shared by every response sending this file.
        return dst.writeBytes(file.channel(), position() + offset, length);
    }

    @Override
    public ByteBuf retainedBytes() {
        return file.slice(position(), count());
    }

    @Override
    protected void deallocate() {
        file.release();
    }
}
