package dev.gatehouse.uwsgi;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Objects;

/**
 * A var name encoded once, for lookups that allocate nothing: {@link UwsgiVars#indexOf(VarKey)}
 * compares these bytes with the received block in place.
 *
 * <p>Besides the bytes it holds a {@linkplain #fingerprint() fingerprint} (length, first byte and
 * last byte packed into one int). {@link UwsgiVars} records the same fingerprint for every
 * received key while parsing, so a lookup rejects almost every non-matching key with one int
 * comparison; CGI names share lengths and prefixes often ({@code REMOTE_ADDR}/{@code REMOTE_PORT},
 * {@code REQUEST_METHOD}/{@code CONTENT_LENGTH}) but rarely all three of length, first and last
 * byte.
 *
 * <p>Create them once, as constants; {@link StandardVars} holds the CGI ones.
 */
public final class VarKey {

    private final String name;
    private final byte[] bytes;
    private final int fingerprint;
    /**
     * The bytes as big-endian longs, so that a comparison reads 8 bytes at a time: one word per
     * whole 8 bytes, then (when the length is not a multiple of 8) the last 8 bytes, overlapping
     * the previous word. Empty for keys under 8 bytes, which are compared byte by byte.
     */
    private final long[] words;

    private VarKey(String name, byte[] bytes) {
        this.name = name;
        this.bytes = bytes;
        this.fingerprint = fingerprint(bytes.length, bytes[0] & 0xFF, bytes[bytes.length - 1] & 0xFF);
        this.words = words(bytes);
    }

    private static long[] words(byte[] bytes) {
        int n = bytes.length;
        if (n < Long.BYTES) {
            return new long[0];
        }
        int whole = n / Long.BYTES;
        long[] words = new long[whole + (n % Long.BYTES == 0 ? 0 : 1)];
        ByteBuffer view = ByteBuffer.wrap(bytes); // big-endian, like ByteBuffer.getLong on the block
        for (int k = 0; k < whole; k++) {
            words[k] = view.getLong(k * Long.BYTES);
        }
        if (words.length > whole) {
            words[whole] = view.getLong(n - Long.BYTES);
        }
        return words;
    }

    /**
     * @param name the var name, ISO-8859-1 only (uwsgi keys are raw bytes; CGI names are ASCII)
     * @throws IllegalArgumentException when the name is empty (uwsgi keys never are), longer than
     *                                  65535 bytes, or has a character above U+00FF
     */
    public static VarKey of(String name) {
        Objects.requireNonNull(name, "name");
        if (name.isEmpty()) {
            throw new IllegalArgumentException("a uwsgi var key must not be empty");
        }
        if (name.length() > UwsgiVars.MAX_BLOCK_SIZE) {
            throw new IllegalArgumentException("a uwsgi var key is at most 65535 bytes, got " + name.length());
        }
        return new VarKey(name, Latin1.encode(name, "var key"));
    }

    /** Packs what {@link UwsgiVars} compares first; keys are 1..65535 bytes so length fits 16 bits. */
    static int fingerprint(int length, int firstByte, int lastByte) {
        return length | firstByte << 16 | lastByte << 24;
    }

    /** The key as text (latin1). */
    public String name() {
        return name;
    }

    /** The key's length in bytes. */
    public int length() {
        return bytes.length;
    }

    /** The length/first-byte/last-byte fingerprint used to skip non-matching keys cheaply. */
    public int fingerprint() {
        return fingerprint;
    }

    /** A copy of the key's bytes. */
    public byte[] bytes() {
        return bytes.clone();
    }

    /** The bytes themselves, for package code that promises not to modify them. */
    byte[] rawBytes() {
        return bytes;
    }

    /** See {@link #words}; package code must not modify them. */
    long[] words() {
        return words;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof VarKey other && Arrays.equals(bytes, other.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        return name;
    }
}
