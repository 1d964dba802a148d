package dev.gatehouse.uwsgi;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/**
 * Builds a uwsgi vars block, in the order vars are added (repeats allowed, as nginx 1.22 sends
 * repeated headers).
 *
 * <p><b>Limits.</b> The block may be exactly 65535 bytes; an {@code add} that would make it one
 * byte longer, or a key or value over 65535 bytes, throws {@link UwsgiVarsTooLargeException} (an
 * {@link IllegalArgumentException}). An empty key throws {@link IllegalArgumentException}: uWSGI
 * drops requests with one. A refused {@code add} leaves the builder unchanged.
 *
 * <p><b>Text.</b> {@link #add(CharSequence, CharSequence)} writes both strings as ISO-8859-1, one
 * byte per char, which round-trips values read with {@link UwsgiVars#value(int)} and header values
 * that Netty decoded byte-per-char; a char above U+00FF is refused, never replaced.
 * {@link #addUtf8} writes the value as UTF-8, and {@link #add(byte[], byte[])} takes raw bytes.
 *
 * <p>Not thread-safe; one builder per request.
 */
public final class UwsgiVarsBuilder {

    private static final int ENTRY_OVERHEAD = 4;

    private byte[] bytes;
    private int size;
    private int count;

    /** A builder sized for a typical nginx request (a few hundred bytes); it grows as needed. */
    public UwsgiVarsBuilder() {
        this(512);
    }

    /** A builder whose buffer starts at {@code initialCapacity} bytes. */
    public UwsgiVarsBuilder(int initialCapacity) {
        if (initialCapacity < 0) {
            throw new IllegalArgumentException("initialCapacity must be >= 0, got " + initialCapacity);
        }
        bytes = new byte[Math.min(initialCapacity, UwsgiVars.MAX_BLOCK_SIZE)];
    }

    /** Adds a var with key and value written as ISO-8859-1. */
    public UwsgiVarsBuilder add(CharSequence key, CharSequence value) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value");
        int keyLength = key.length();
        int valueLength = value.length();
        int at = reserve(keyLength, valueLength, key);
        try {
            writeLatin1(key, at + 2, "key");
            writeLatin1(value, at + 4 + keyLength, "value of key " + key);
        } catch (IllegalArgumentException e) {
            size = at;
            count--;
            throw e;
        }
        return this;
    }

    /** Adds a var with a pre-encoded key and a value written as ISO-8859-1. */
    public UwsgiVarsBuilder add(VarKey key, CharSequence value) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value");
        byte[] keyBytes = key.rawBytes();
        int at = reserve(keyBytes.length, value.length(), key.name());
        System.arraycopy(keyBytes, 0, bytes, at + 2, keyBytes.length);
        try {
            writeLatin1(value, at + 4 + keyBytes.length, "value of key " + key);
        } catch (IllegalArgumentException e) {
            size = at;
            count--;
            throw e;
        }
        return this;
    }

    /**
     * Adds a var with the key written as ISO-8859-1 and the value as UTF-8 (unpaired surrogates
     * become '?').
     */
    public UwsgiVarsBuilder addUtf8(CharSequence key, CharSequence value) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value");
        return add(Latin1.encode(key, "key"), value.toString().getBytes(StandardCharsets.UTF_8));
    }

    /** Adds a var from raw bytes (copied). */
    public UwsgiVarsBuilder add(byte[] key, byte[] value) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value");
        int at = reserve(key.length, value.length, key);
        System.arraycopy(key, 0, bytes, at + 2, key.length);
        System.arraycopy(value, 0, bytes, at + 4 + key.length, value.length);
        return this;
    }

    /**
     * Checks the limits, makes room, writes both length fields and returns where the entry starts.
     * {@code keyForMessage} is only read to describe a refused key.
     */
    private int reserve(int keyLength, int valueLength, Object keyForMessage) {
        if (keyLength == 0) {
            throw new IllegalArgumentException("a uwsgi var key must not be empty (uWSGI drops such requests)");
        }
        if (keyLength > UwsgiVars.MAX_BLOCK_SIZE) {
            throw new UwsgiVarsTooLargeException("uwsgi var key of " + keyLength
                    + " bytes exceeds the 65535-byte limit of its u16 length field", keyLength);
        }
        if (valueLength > UwsgiVars.MAX_BLOCK_SIZE) {
            throw new UwsgiVarsTooLargeException("value of uwsgi var " + keyText(keyForMessage) + " is " + valueLength
                    + " bytes, over the 65535-byte limit of its u16 length field", valueLength);
        }
        long newSize = (long) size + ENTRY_OVERHEAD + keyLength + valueLength;
        if (newSize > UwsgiVars.MAX_BLOCK_SIZE) {
            throw new UwsgiVarsTooLargeException("adding uwsgi var " + keyText(keyForMessage)
                    + " would make the vars block " + newSize + " bytes, over the 65535-byte limit of the u16"
                    + " datasize field (nginx answers 500 'uwsgi request is too big' here)", newSize);
        }
        int at = size;
        ensureCapacity((int) newSize);
        bytes[at] = (byte) keyLength;
        bytes[at + 1] = (byte) (keyLength >>> 8);
        bytes[at + 2 + keyLength] = (byte) valueLength;
        bytes[at + 3 + keyLength] = (byte) (valueLength >>> 8);
        size = (int) newSize;
        count++;
        return at;
    }

    private static String keyText(Object key) {
        if (key instanceof byte[] raw) {
            return Latin1.describe(Arrays.copyOf(raw, Math.min(raw.length, Latin1.DESCRIBE_LIMIT)), raw.length);
        }
        String text = key.toString();
        return text.length() <= Latin1.DESCRIBE_LIMIT ? "'" + text + "'"
                : "'" + text.substring(0, Latin1.DESCRIBE_LIMIT) + "'... (" + text.length() + " chars)";
    }

    private void writeLatin1(CharSequence text, int at, String what) {
        for (int i = 0, n = text.length(); i < n; i++) {
            bytes[at + i] = Latin1.toByte(text.charAt(i), i, what);
        }
    }

    private void ensureCapacity(int needed) {
        if (needed > bytes.length) {
            int grown = (int) Math.min(Math.max((long) bytes.length * 2, needed), UwsgiVars.MAX_BLOCK_SIZE);
            bytes = Arrays.copyOf(bytes, grown);
        }
    }

    /** The encoded size of the block so far, in bytes (what {@code datasize} will say). */
    public int size() {
        return size;
    }

    /** Same as {@link #size()}, named like {@link UwsgiVars#encodedSize()}. */
    public int encodedSize() {
        return size;
    }

    /** The number of vars added so far. */
    public int count() {
        return count;
    }

    /** Writes the vars block (without the 4-byte packet header) to {@code out}. */
    public void encodeTo(ByteBuf out) {
        out.writeBytes(bytes, 0, size);
    }

    /** The size of the whole packet head {@link #encodePacketTo} writes: the 4-byte header and the vars block. */
    public int packetSize() {
        return PacketHeader.SIZE + size;
    }

    /**
     * Writes a packet head to {@code out}: the 4-byte header ({@code modifier1}, the block's size
     * little-endian, {@code modifier2}) and then the vars block. The body, if any, follows it on
     * the wire as raw bytes, {@code CONTENT_LENGTH} of them.
     *
     * @throws IllegalArgumentException when a modifier is not a u8
     */
    public void encodePacketTo(ByteBuf out, int modifier1, int modifier2) {
        PacketHeader.checkModifier("modifier1", modifier1);
        PacketHeader.checkModifier("modifier2", modifier2);
        PacketHeader.write(out, modifier1, size, modifier2);
        out.writeBytes(bytes, 0, size);
    }

    /**
     * A {@link UwsgiVars} over a copy of the block in an unpooled heap buffer; the builder may be
     * reused afterwards. Release the result (or the {@link UwsgiRequest} made from it) as usual.
     */
    public UwsgiVars build() {
        return UwsgiVars.parse(Unpooled.wrappedBuffer(Arrays.copyOf(bytes, size)));
    }
}
