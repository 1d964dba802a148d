package dev.gatehouse.proxy.exchange;

import io.netty.buffer.ByteBuf;
import io.netty.channel.FileRegion;
import java.io.IOException;

/**
 * A file region whose bytes can also be read into a buffer, for connections where sendfile(2)
 * cannot be used (TLS, HTTP/2): the body is then read piece by piece with positional reads.
 */
public interface ReadableFileRegion extends FileRegion {

    /**
     * Reads up to {@code length} bytes at {@code offset} from the region's start into {@code dst}.
     *
     * @return the bytes read; fewer only at the end of the file (a file that shrank)
     */
    int read(ByteBuf dst, long offset, int length) throws IOException;

    /**
     * The region's bytes already in memory, as a buffer the caller must release; null when they
     * are not in memory (then {@link #read} them).
     */
    default ByteBuf retainedBytes() {
        return null;
    }
}
