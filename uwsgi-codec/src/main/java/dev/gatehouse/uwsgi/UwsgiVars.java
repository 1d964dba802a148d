package dev.gatehouse.uwsgi;

import io.netty.buffer.ByteBuf;
import io.netty.util.IllegalReferenceCountException;
import io.netty.util.ReferenceCounted;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.BiConsumer;

/**
 * An immutable, zero-copy view over a received uwsgi vars block: repeated
 * {@code u16le keylen, key, u16le vallen, value}, in wire order, repeats kept.
 *
 * <p><b>Cost model.</b> {@link #parse(ByteBuf)} validates the block and records where each entry
 * sits in one {@code int[]}; it copies no bytes and builds no map (a direct block gets one NIO
 * view to be read through). Lookups
 * ({@link #indexOf(VarKey)}, {@link #indexOf(CharSequence)}, {@link #contains}, {@link #valueEquals},
 * {@link #contentLength()}) compare bytes in place and allocate nothing. Only the methods that
 * return a {@code String}, a {@code List} or a {@code Map} allocate, and only what they return.
 *
 * <p><b>Text.</b> Keys and values are raw bytes. {@link #key(int)}, {@link #value(int)} and
 * {@link #get(String)} read them as ISO-8859-1, which maps every byte to one char and back, so
 * nothing is lost; the {@code Utf8} variants decode UTF-8 (nginx passes header bytes through as
 * the client sent them, and {@code PATH_INFO} is percent-decoded, usually UTF-8).
 *
 * <p><b>Reference counting.</b> A {@code UwsgiVars} owns the buffer it was parsed from: it
 * implements {@link ReferenceCounted} by delegating to that buffer, so {@link #release()} frees the
 * block. {@link #parse(ByteBuf)} takes over the caller's reference on success (do not release the
 * buffer separately) and leaves it with the caller on failure. Every method except the
 * reference-count ones requires {@code refCnt() > 0}.
 *
 * <p>Not thread-safe to release concurrently with reads, like any {@link ByteBuf} view; reads alone
 * may run on any thread.
 */
public final class UwsgiVars implements ReferenceCounted {

    /** The largest vars block the protocol can carry: {@code datasize} is a u16. */
    public static final int MAX_BLOCK_SIZE = 0xFFFF;

    // Per entry: offset in the block of the key's first byte, key fingerprint (see VarKey), offset
    // of the value's first byte, value length. The key length is the fingerprint's low 16 bits.
    private static final int SLOTS = 4;
    private static final int KEY = 0;
    private static final int FINGERPRINT = 1;
    private static final int VALUE = 2;
    private static final int VALUE_LENGTH = 3;

    /** Looked for while parsing: every packet needs CONTENT_LENGTH to frame its body. */
    private static final int CONTENT_LENGTH_FINGERPRINT = StandardVars.CONTENT_LENGTH.fingerprint();

    private final ByteBuf block;
    /** Index in {@link #block} of the block's first byte (offset 0 of {@link #bytes}). */
    private final int base;
    private final int length;
    private final BlockBytes bytes;
    /** Sized by estimate, so it may have spare room: {@link #count} says how many entries are set. */
    private final int[] entries;
    private final int count;
    /** Added to block-relative positions in error offsets: 4 (the header) when parsed by the decoder. */
    private final int reportBase;
    /** Entry index of the first CONTENT_LENGTH, or -1. */
    private final int contentLengthEntry;
    private final boolean contentLengthRepeated;

    private UwsgiVars(ByteBuf block, int base, int length, BlockBytes bytes, int[] entries, int count,
                      int reportBase, int contentLengthEntry, boolean contentLengthRepeated) {
        this.block = block;
        this.base = base;
        this.length = length;
        this.bytes = bytes;
        this.entries = entries;
        this.count = count;
        this.reportBase = reportBase;
        this.contentLengthEntry = contentLengthEntry;
        this.contentLengthRepeated = contentLengthRepeated;
    }

    /**
     * Parses the readable bytes of {@code block} as one vars block. The buffer's reader index is
     * not moved; the view covers the bytes readable at this moment.
     *
     * @return a view that owns {@code block}'s reference (release the view, not the buffer)
     * @throws UwsgiProtocolException when a key or value length runs past the block, a key is
     *                                empty, or the block is over 65535 bytes; its offset counts
     *                                from the block's first byte. The buffer is left untouched.
     */
    public static UwsgiVars parse(ByteBuf block) {
        return parse(block, 0);
    }

    /** {@link #parse(ByteBuf)} with error offsets shifted by {@code reportBase} (packet-relative). */
    static UwsgiVars parse(ByteBuf block, int reportBase) {
        Objects.requireNonNull(block, "block");
        int base = block.readerIndex();
        int length = block.readableBytes();
        if (length > MAX_BLOCK_SIZE) {
            throw new UwsgiProtocolException("uwsgi vars block of " + length
                    + " bytes exceeds the 65535-byte limit of the u16 datasize field", reportBase);
        }
        BlockBytes bytes = BlockBytes.of(block, base, length);
        // One pass that validates and records. Each length field says where the next one is, so
        // the reads form a dependency chain; a second (counting) pass would double it. The table
        // is sized from the block instead: an entry of nginx's stock params averages 21-25 bytes
        // (all 14 captured packets fit), and the table grows in the rare case it is too small.
        int[] entries = new int[Math.min(Math.max(length / 20, 8), 64) * SLOTS];
        int e = 0;
        int pos = 0;
        // CONTENT_LENGTH is wanted for every packet (it frames the body): note fingerprint matches
        // here, where the compare runs beside the loop's dependency chain, and confirm them after.
        int contentLengthCandidate = -1;
        int contentLengthCandidates = 0;
        while (pos < length) {
            // Few, cheap checks on the hot path; invalidEntry() works out which rule was broken.
            if (length - pos < 4) {
                throw invalidEntry(bytes, pos, e / SLOTS, length, reportBase);
            }
            int keyLength = bytes.u16le(pos);
            int valueLengthAt = pos + 2 + keyLength;
            if (keyLength == 0 || valueLengthAt > length - 2) {
                throw invalidEntry(bytes, pos, e / SLOTS, length, reportBase);
            }
            int valueLength = bytes.u16le(valueLengthAt);
            int next = valueLengthAt + 2 + valueLength;
            if (next > length) {
                throw invalidEntry(bytes, pos, e / SLOTS, length, reportBase);
            }
            if (e == entries.length) {
                // By hand rather than Arrays.copyOf: a call left in the loop made it measurably slower.
                int[] bigger = new int[e * 2];
                System.arraycopy(entries, 0, bigger, 0, e);
                entries = bigger;
            }
            int fingerprint = VarKey.fingerprint(keyLength, bytes.u8(pos + 2), bytes.u8(valueLengthAt - 1));
            if (fingerprint == CONTENT_LENGTH_FINGERPRINT && contentLengthCandidates++ == 0) {
                contentLengthCandidate = e;
            }
            entries[e + KEY] = pos + 2;
            entries[e + FINGERPRINT] = fingerprint;
            entries[e + VALUE] = valueLengthAt + 2;
            entries[e + VALUE_LENGTH] = valueLength;
            e += SLOTS;
            pos = next;
        }
        int contentLengthEntry = -1;
        boolean contentLengthRepeated = false;
        if (contentLengthCandidates == 1) {
            if (bytesEqual(bytes, entries[contentLengthCandidate + KEY], StandardVars.CONTENT_LENGTH)) {
                contentLengthEntry = contentLengthCandidate / SLOTS;
            }
        } else if (contentLengthCandidates > 1) {
            for (int i = contentLengthCandidate; i < e; i += SLOTS) {
                if (entries[i + FINGERPRINT] == CONTENT_LENGTH_FINGERPRINT
                        && bytesEqual(bytes, entries[i + KEY], StandardVars.CONTENT_LENGTH)) {
                    if (contentLengthEntry >= 0) {
                        contentLengthRepeated = true;
                        break;
                    }
                    contentLengthEntry = i / SLOTS;
                }
            }
        }
        return new UwsgiVars(block, base, length, bytes, entries, e / SLOTS, reportBase, contentLengthEntry,
                contentLengthRepeated);
    }

    /** Explains why the entry at {@code pos} is malformed; only called once parse() knows it is. */
    private static UwsgiProtocolException invalidEntry(BlockBytes bytes, int pos, int entry, int length,
                                                       int reportBase) {
        if (length - pos < 2) {
            return error("vars block ends inside a key length field (1 of 2 bytes)", pos, length, reportBase);
        }
        int keyLength = bytes.u16le(pos);
        if (keyLength == 0) {
            return error("empty key in vars entry " + entry + " (uwsgi keys must not be empty)", pos, length,
                    reportBase);
        }
        if (keyLength > length - pos - 2) {
            return error("key length " + keyLength + " in vars entry " + entry + " runs "
                    + (keyLength - (length - pos - 2)) + " bytes past the end", pos, length, reportBase);
        }
        int key = pos + 2;
        int valueLengthAt = key + keyLength;
        if (length - valueLengthAt < 2) {
            return error("key " + describe(bytes, key, keyLength) + " has no complete value length field",
                    valueLengthAt, length, reportBase);
        }
        int valueLength = bytes.u16le(valueLengthAt);
        return error("value length " + valueLength + " of key " + describe(bytes, key, keyLength) + " runs "
                + (valueLength - (length - valueLengthAt - 2)) + " bytes past the end", valueLengthAt, length,
                reportBase);
    }

    private static UwsgiProtocolException error(String what, int pos, int length, int reportBase) {
        return new UwsgiProtocolException("malformed uwsgi vars: " + what + " of the " + length + "-byte vars block",
                reportBase + pos);
    }

    private static String describe(BlockBytes bytes, int index, int length) {
        byte[] shown = new byte[Math.min(length, Latin1.DESCRIBE_LIMIT)];
        bytes.copy(index, shown);
        return Latin1.describe(shown, length);
    }

    /** A new builder for an outgoing vars block. */
    public static UwsgiVarsBuilder builder() {
        return new UwsgiVarsBuilder();
    }

    // ---------------------------------------------------------------- entries

    /** The number of vars, repeats included. */
    public int size() {
        return count;
    }

    /** The size of the vars block in bytes, as it went (or will go) into the packet's {@code datasize}. */
    public int encodedSize() {
        return length;
    }

    /** Key {@code i} (wire order) as latin1 text. */
    public String key(int i) {
        int e = entry(i);
        return string(entries[e + KEY], keyLength(e), StandardCharsets.ISO_8859_1);
    }

    /** Value {@code i} (wire order) as latin1 text: every byte becomes one char, nothing is lost. */
    public String value(int i) {
        int e = entry(i);
        return string(entries[e + VALUE], entries[e + VALUE_LENGTH], StandardCharsets.ISO_8859_1);
    }

    /** Value {@code i} decoded as UTF-8 (malformed sequences become U+FFFD). */
    public String valueUtf8(int i) {
        int e = entry(i);
        return string(entries[e + VALUE], entries[e + VALUE_LENGTH], StandardCharsets.UTF_8);
    }

    /** The length in bytes of value {@code i}. */
    public int valueLength(int i) {
        return entries[entry(i) + VALUE_LENGTH];
    }

    /**
     * Value {@code i} as a read-only slice of the block: no copy, no retain. It shares this view's
     * reference count, so it is valid exactly as long as this view is; call
     * {@link ByteBuf#retain()} on it to keep it longer.
     */
    public ByteBuf valueSlice(int i) {
        int e = entry(i);
        return block.slice(base + entries[e + VALUE], entries[e + VALUE_LENGTH]).asReadOnly();
    }

    /**
     * The whole vars block as a read-only slice (no copy, no retain, shares this view's reference
     * count).
     */
    public ByteBuf content() {
        return block.slice(base, length).asReadOnly();
    }

    /** Writes the vars block, byte for byte as received, to {@code out}. */
    public void encodeTo(ByteBuf out) {
        out.writeBytes(block, base, length);
    }

    // ---------------------------------------------------------------- lookups (allocation-free)

    /** The index of the first var named {@code key}, or -1. Compares bytes in place; allocates nothing. */
    public int indexOf(VarKey key) {
        return indexOf(key, 0);
    }

    /** The index of the first var named {@code key} at or after {@code from}, or -1. */
    public int indexOf(VarKey key, int from) {
        checkAccessible();
        int fingerprint = key.fingerprint();
        int[] table = entries;
        for (int e = Math.max(from, 0) * SLOTS, end = count * SLOTS; e < end; e += SLOTS) {
            if (table[e + FINGERPRINT] == fingerprint && bytesEqual(bytes, table[e + KEY], key)) {
                return e / SLOTS;
            }
        }
        return -1;
    }

    /**
     * The index of the first var whose key equals {@code key} read as latin1, or -1. Allocates
     * nothing; a key with characters above U+00FF matches nothing, since no latin1 byte equals it.
     */
    public int indexOf(CharSequence key) {
        return indexOf(key, 0);
    }

    /** The index of the first var named {@code key} (latin1) at or after {@code from}, or -1. */
    public int indexOf(CharSequence key, int from) {
        checkAccessible();
        int keyLength = key.length();
        if (keyLength == 0 || keyLength > MAX_BLOCK_SIZE) {
            return -1;
        }
        char first = key.charAt(0);
        char last = key.charAt(keyLength - 1);
        if (first > 0xFF || last > 0xFF) {
            return -1;
        }
        int fingerprint = VarKey.fingerprint(keyLength, first, last);
        int[] table = entries;
        for (int e = Math.max(from, 0) * SLOTS, end = count * SLOTS; e < end; e += SLOTS) {
            if (table[e + FINGERPRINT] == fingerprint && charsEqual(table[e + KEY], key)) {
                return e / SLOTS;
            }
        }
        return -1;
    }

    /** Whether a var named {@code key} is present. Allocates nothing. */
    public boolean contains(VarKey key) {
        return indexOf(key) >= 0;
    }

    /** Whether a var named {@code key} (latin1) is present. Allocates nothing. */
    public boolean contains(CharSequence key) {
        return indexOf(key) >= 0;
    }

    /** Whether value {@code i} has exactly the bytes of {@code expected}. Allocates nothing. */
    public boolean valueEquals(int i, VarKey expected) {
        int e = entry(i);
        return entries[e + VALUE_LENGTH] == expected.length() && bytesEqual(bytes, entries[e + VALUE], expected);
    }

    /**
     * Whether value {@code i}, read as latin1, equals {@code expected} (for example
     * {@code valueEquals(vars.indexOf(REQUEST_METHOD), "GET")}). Allocates nothing.
     */
    public boolean valueEquals(int i, CharSequence expected) {
        int e = entry(i);
        return entries[e + VALUE_LENGTH] == expected.length() && charsEqual(entries[e + VALUE], expected);
    }

    // ---------------------------------------------------------------- convenience (allocates the result)

    /** The first value of {@code key} as latin1, or null when absent. */
    public String get(VarKey key) {
        int i = indexOf(key);
        return i < 0 ? null : value(i);
    }

    /** The first value of {@code key} (latin1 name) as latin1, or null when absent. */
    public String get(String key) {
        int i = indexOf(key);
        return i < 0 ? null : value(i);
    }

    /** The first value of {@code key} decoded as UTF-8, or null when absent. */
    public String getUtf8(VarKey key) {
        int i = indexOf(key);
        return i < 0 ? null : valueUtf8(i);
    }

    /** The first value of {@code key} (latin1 name) decoded as UTF-8, or null when absent. */
    public String getUtf8(String key) {
        int i = indexOf(key);
        return i < 0 ? null : valueUtf8(i);
    }

    /** Every value of {@code key} (latin1), in wire order, repeats kept; empty when absent. */
    public List<String> getAll(String key) {
        List<String> values = new ArrayList<>(2);
        for (int i = indexOf(key); i >= 0; i = indexOf(key, i + 1)) {
            values.add(value(i));
        }
        return values;
    }

    /** Every value of {@code key}, in wire order, repeats kept; empty when absent. */
    public List<String> getAll(VarKey key) {
        List<String> values = new ArrayList<>(2);
        for (int i = indexOf(key); i >= 0; i = indexOf(key, i + 1)) {
            values.add(value(i));
        }
        return values;
    }

    /** Calls {@code action} with every key and value (latin1), in wire order, repeats included. */
    public void forEach(BiConsumer<String, String> action) {
        for (int i = 0; i < count; i++) {
            action.accept(key(i), value(i));
        }
    }

    /**
     * A new map of every key (latin1) to its values in wire order, keys in order of first
     * appearance. Built on each call: meant for adapters (such as JWSGI's environ) that need one.
     */
    public Map<String, List<String>> toMap() {
        Map<String, List<String>> map = new LinkedHashMap<>(count * 2);
        for (int i = 0; i < count; i++) {
            map.computeIfAbsent(key(i), k -> new ArrayList<>(1)).add(value(i));
        }
        return map;
    }

    /**
     * The request body length announced by {@code CONTENT_LENGTH}, parsed in place.
     *
     * <p>Absent or empty means 0 (nginx sends it empty on bodyless requests). Unlike uWSGI, which
     * reads leading digits and ignores the rest, anything but plain decimal digits is refused: a
     * proxy and a backend that frame the body differently is how request smuggling starts. For the
     * same reason a repeated {@code CONTENT_LENGTH} with a different value is refused.
     *
     * @throws UwsgiProtocolException for a sign, a non-digit, a value over {@link Long#MAX_VALUE}
     *                                or conflicting repeats; the offset points at the value
     */
    public long contentLength() {
        checkAccessible();
        int first = contentLengthEntry;
        if (first < 0) {
            return 0;
        }
        long length = parseDecimal(first);
        if (!contentLengthRepeated) {
            return length;
        }
        for (int i = indexOf(StandardVars.CONTENT_LENGTH, first + 1); i >= 0;
             i = indexOf(StandardVars.CONTENT_LENGTH, i + 1)) {
            if (parseDecimal(i) != length) {
                throw new UwsgiProtocolException("conflicting CONTENT_LENGTH vars: " + describeValue(first) + " and "
                        + describeValue(i), valueOffset(i));
            }
        }
        return length;
    }

    private long parseDecimal(int i) {
        int e = entry(i);
        int from = entries[e + VALUE];
        int valueLength = entries[e + VALUE_LENGTH];
        long result = 0;
        for (int j = 0; j < valueLength; j++) {
            int digit = bytes.u8(from + j) - '0';
            if (digit < 0 || digit > 9) {
                throw new UwsgiProtocolException("CONTENT_LENGTH " + describeValue(i)
                        + " is not a non-negative decimal integer", valueOffset(i) + j);
            }
            if (result > (Long.MAX_VALUE - digit) / 10) {
                throw new UwsgiProtocolException("CONTENT_LENGTH " + describeValue(i)
                        + " overflows a 64-bit length", valueOffset(i));
            }
            result = result * 10 + digit;
        }
        return result;
    }

    private long valueOffset(int i) {
        return reportBase + entries[entry(i) + VALUE];
    }

    private String describeValue(int i) {
        int e = entry(i);
        return describe(bytes, entries[e + VALUE], entries[e + VALUE_LENGTH]);
    }

    // ---------------------------------------------------------------- byte access

    /** Checks the index and that the block is still alive (the heap fast path bypasses ByteBuf's checks). */
    private int entry(int i) {
        Objects.checkIndex(i, count);
        checkAccessible();
        return i * SLOTS;
    }

    private void checkAccessible() {
        if (block.refCnt() == 0) {
            throw new IllegalReferenceCountException("uwsgi vars used after release (refCnt 0)");
        }
    }

    private int keyLength(int e) {
        return entries[e + FINGERPRINT] & 0xFFFF;
    }

    private String string(int index, int byteLength, Charset charset) {
        return byteLength == 0 ? "" : bytes.string(index, byteLength, charset);
    }

    /** Whether the {@code wanted.length()} bytes at {@code index} are {@code wanted}'s, 8 at a time. */
    private static boolean bytesEqual(BlockBytes bytes, int index, VarKey wanted) {
        long[] words = wanted.words();
        if (words.length == 0) {
            byte[] raw = wanted.rawBytes();
            for (int j = 0; j < raw.length; j++) {
                if (bytes.u8(index + j) != (raw[j] & 0xFF)) {
                    return false;
                }
            }
            return true;
        }
        int whole = wanted.length() >>> 3;
        for (int k = 0; k < whole; k++) {
            if (bytes.longBE(index + (k << 3)) != words[k]) {
                return false;
            }
        }
        return words.length == whole || bytes.longBE(index + wanted.length() - Long.BYTES) == words[whole];
    }

    private boolean charsEqual(int index, CharSequence wanted) {
        for (int j = 0, n = wanted.length(); j < n; j++) {
            if (bytes.u8(index + j) != wanted.charAt(j)) {
                return false;
            }
        }
        return true;
    }

    // ---------------------------------------------------------------- ReferenceCounted

    @Override
    public int refCnt() {
        return block.refCnt();
    }

    @Override
    public UwsgiVars retain() {
        block.retain();
        return this;
    }

    @Override
    public UwsgiVars retain(int increment) {
        block.retain(increment);
        return this;
    }

    @Override
    public UwsgiVars touch() {
        block.touch();
        return this;
    }

    @Override
    public UwsgiVars touch(Object hint) {
        block.touch(hint);
        return this;
    }

    @Override
    public boolean release() {
        return block.release();
    }

    @Override
    public boolean release(int decrement) {
        return block.release(decrement);
    }

    /** Counts only: values may hold cookies or credentials and do not belong in logs. */
    @Override
    public String toString() {
        return "UwsgiVars(" + count + " vars, " + length + " bytes)";
    }
}
