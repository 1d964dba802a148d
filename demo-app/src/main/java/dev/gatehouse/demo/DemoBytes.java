package dev.gatehouse.demo;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * The deterministic content of {@code /bytes} and {@code /stream}: byte {@code i} is
 * {@code i % 251}. A prime period keeps any misplaced block visible to a checksum.
 */
public final class DemoBytes {

    private static final int PERIOD = 251;
    private static final byte[] PATTERN = new byte[PERIOD * 261]; // about 64 KiB, whole periods

    static {
        for (int i = 0; i < PATTERN.length; i++) {
            PATTERN[i] = (byte) (i % PERIOD);
        }
    }

    private DemoBytes() {
    }

    /** Byte {@code i} of the content. */
    public static byte at(long i) {
        return (byte) (i % PERIOD);
    }

    /** Writes the first {@code n} bytes. */
    public static void write(OutputStream out, long n) throws IOException {
        long left = n;
        while (left > 0) {
            int len = (int) Math.min(left, PATTERN.length);
            out.write(PATTERN, 0, len);
            left -= len;
        }
    }

    /** The first {@code n} bytes as a stream. */
    public static InputStream stream(long n) {
        return new InputStream() {
            private long pos;

            @Override
            public int read() {
                return pos < n ? at(pos++) & 0xff : -1;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                if (pos >= n) {
                    return -1;
                }
                int count = (int) Math.min(len, n - pos);
                int offset = (int) (pos % PERIOD);
                for (int i = 0; i < count; ) {
                    int run = Math.min(count - i, PATTERN.length - offset);
                    System.arraycopy(PATTERN, offset, b, off + i, run);
                    i += run;
                    offset = 0;
                }
                pos += count;
                return count;
            }
        };
    }
}
