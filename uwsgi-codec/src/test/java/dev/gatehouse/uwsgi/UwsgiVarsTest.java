package dev.gatehouse.uwsgi;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.util.IllegalReferenceCountException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import static dev.gatehouse.uwsgi.Packets.block;
import static dev.gatehouse.uwsgi.Packets.concat;
import static dev.gatehouse.uwsgi.Packets.latin1;
import static dev.gatehouse.uwsgi.Packets.u16le;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@ExtendWith(NoLeaks.class)
class UwsgiVarsTest {

    /** Both memory kinds: the view has a heap-array fast path and a ByteBuf path for direct memory. */
    enum Memory {
        HEAP, DIRECT;

        ByteBuf wrap(byte[] bytes) {
            ByteBuf buf = this == HEAP ? ByteBufAllocator.DEFAULT.heapBuffer(bytes.length + 8)
                    : ByteBufAllocator.DEFAULT.directBuffer(bytes.length + 8);
            // Start at a non-zero reader index so that block-relative offsets are really tested.
            buf.writeBytes(new byte[] {9, 9, 9}).skipBytes(3);
            return buf.writeBytes(bytes);
        }
    }

    static void withVars(Memory memory, byte[] block, Consumer<UwsgiVars> check) {
        UwsgiVars vars = UwsgiVars.parse(memory.wrap(block));
        try {
            check.accept(vars);
        } finally {
            assertTrue(vars.release(), "the view owned the only reference");
        }
    }

    static UwsgiProtocolException parseFails(Memory memory, byte[] block) {
        ByteBuf buf = memory.wrap(block);
        try {
            return assertThrows(UwsgiProtocolException.class, () -> UwsgiVars.parse(buf));
        } finally {
            assertEquals(1, buf.refCnt(), "a failed parse leaves the buffer with the caller");
            buf.release();
        }
    }

    @ParameterizedTest
    @EnumSource(Memory.class)
    void keepsEntriesInWireOrderWithRepeats(Memory memory) {
        withVars(memory, block("HTTP_COOKIE", "a=1", "QUERY_STRING", "", "HTTP_COOKIE", "b=2"), vars -> {
            assertEquals(3, vars.size());
            assertEquals("HTTP_COOKIE", vars.key(0));
            assertEquals("a=1", vars.value(0));
            assertEquals("QUERY_STRING", vars.key(1));
            assertEquals("", vars.value(1));
            assertEquals("b=2", vars.value(2));
            assertEquals(List.of("a=1", "b=2"), vars.getAll("HTTP_COOKIE"));
            assertEquals(List.of(""), vars.getAll(VarKey.of("QUERY_STRING")));
            assertEquals(List.of(), vars.getAll("MISSING"));
            assertEquals(18 + 16 + 18, vars.encodedSize());
        });
    }

    @ParameterizedTest
    @EnumSource(Memory.class)
    void lookupsFindTheFirstOccurrenceOrReportAbsence(Memory memory) {
        withVars(memory, block("PATH_INFO", "/a", "PATH", "x", "AXB", "1", "AYB", "2", "PATH_INFO", "/b"), vars -> {
            assertEquals(0, vars.indexOf(StandardVars.PATH_INFO));
            assertEquals(0, vars.indexOf("PATH_INFO"));
            assertEquals(4, vars.indexOf(StandardVars.PATH_INFO, 1));
            assertEquals(4, vars.indexOf("PATH_INFO", 1));
            assertEquals(1, vars.indexOf("PATH"), "a prefix of another key is its own key");
            assertEquals(3, vars.indexOf(VarKey.of("AYB")), "same length, first and last byte: middle decides");
            assertEquals(-1, vars.indexOf("AZB"));
            assertEquals(-1, vars.indexOf(StandardVars.QUERY_STRING));
            assertEquals(-1, vars.indexOf(""));
            assertEquals(-1, vars.indexOf("PATH_INF\u0130"), "a char above U+00FF matches no byte");
            assertEquals(-1, vars.indexOf("path_info"), "keys are case-sensitive bytes");
            assertTrue(vars.contains("AXB"));
            assertFalse(vars.contains(StandardVars.HTTPS));
            assertEquals("/a", vars.get(StandardVars.PATH_INFO));
            assertEquals("/a", vars.get("PATH_INFO"));
            assertNull(vars.get("NOPE"));
            assertNull(vars.getUtf8(StandardVars.HTTP_HOST));
        });
    }

    /** Keys of 8+ bytes are compared a word at a time, the last word overlapping: a difference anywhere counts. */
    @ParameterizedTest
    @EnumSource(Memory.class)
    void keysDifferingInAnySingleByteDoNotMatch(Memory memory) {
        for (String wanted : List.of("HTTP_X_FORWARDED_F", "SERVER_P", "SERVER_PROTOCOL", "HTTP_ACCEPT_ENCODING_X")) {
            VarKey key = VarKey.of(wanted);
            for (int j = 0; j < wanted.length(); j++) {
                char[] chars = wanted.toCharArray();
                chars[j] = (char) (chars[j] ^ 0x01);
                withVars(memory, block(new String(chars), "v", wanted, "w"), vars -> {
                    assertEquals(1, vars.indexOf(key), wanted);
                    assertEquals(1, vars.indexOf(wanted), wanted);
                    assertTrue(vars.valueEquals(0, "v"));
                });
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Memory.class)
    void readsValuesAsLatin1OrUtf8(Memory memory) {
        byte[] utf8Cafe = {'c', 'a', 'f', (byte) 0xC3, (byte) 0xA9};
        byte[] raw = {0, (byte) 0xFF, '\n', (byte) 0x80};
        withVars(memory, concat(Packets.entry(latin1("X_NAME"), utf8Cafe), Packets.entry(latin1("BIN"), raw)), vars -> {
            assertEquals("caf\u00c3\u00a9", vars.value(0));
            assertEquals("caf\u00e9", vars.valueUtf8(0));
            assertEquals("caf\u00e9", vars.getUtf8("X_NAME"));
            assertArrayEquals(raw, latin1(vars.get("BIN")), "latin1 round-trips every byte");
            assertEquals(4, vars.valueLength(1));
        });
    }

    @ParameterizedTest
    @EnumSource(Memory.class)
    void valueSliceIsAReadOnlyViewOfTheBlock(Memory memory) {
        withVars(memory, block("REQUEST_METHOD", "POST"), vars -> {
            ByteBuf slice = vars.valueSlice(0);
            assertArrayEquals(latin1("POST"), ByteBufUtil.getBytes(slice));
            assertTrue(slice.isReadOnly());
            assertThrows(java.nio.ReadOnlyBufferException.class, () -> slice.setByte(0, 'X'));
            assertEquals(vars.refCnt(), slice.refCnt(), "no retain: the slice shares the view's count");
            assertArrayEquals(block("REQUEST_METHOD", "POST"), ByteBufUtil.getBytes(vars.content()));
        });
    }

    @ParameterizedTest
    @EnumSource(Memory.class)
    void comparesValuesInPlace(Memory memory) {
        withVars(memory, block("REQUEST_METHOD", "GET", "HTTPS", "", "X", "\u00e9"), vars -> {
            assertTrue(vars.valueEquals(0, "GET"));
            assertTrue(vars.valueEquals(0, VarKey.of("GET")));
            assertFalse(vars.valueEquals(0, "GE"));
            assertFalse(vars.valueEquals(0, "get"));
            assertFalse(vars.valueEquals(0, VarKey.of("PUT")));
            assertTrue(vars.valueEquals(1, ""));
            assertTrue(vars.valueEquals(2, "\u00e9"));
        });
    }

    @ParameterizedTest
    @EnumSource(Memory.class)
    void toMapAndForEachKeepWireOrder(Memory memory) {
        withVars(memory, block("B", "1", "A", "2", "B", "3"), vars -> {
            Map<String, List<String>> expected = new LinkedHashMap<>();
            expected.put("B", List.of("1", "3"));
            expected.put("A", List.of("2"));
            assertEquals(expected, vars.toMap());
            assertEquals(List.of("B", "A"), new ArrayList<>(vars.toMap().keySet()));
            List<String> seen = new ArrayList<>();
            vars.forEach((k, v) -> seen.add(k + "=" + v));
            assertEquals(List.of("B=1", "A=2", "B=3"), seen);
        });
    }

    @ParameterizedTest
    @EnumSource(Memory.class)
    void parsesManyTinyVarsBeyondTheFirstTableSize(Memory memory) {
        String[] keysAndValues = new String[2 * 300];
        for (int i = 0; i < 300; i++) {
            keysAndValues[2 * i] = "K" + (char) ('A' + i % 26);
            keysAndValues[2 * i + 1] = i % 2 == 0 ? "" : Integer.toString(i);
        }
        withVars(memory, block(keysAndValues), vars -> {
            assertEquals(300, vars.size());
            assertEquals("KN", vars.key(299));
            assertEquals("299", vars.value(299));
            assertEquals(25, vars.indexOf("KZ"));
            assertEquals(12, vars.getAll("KA").size());
        });
    }

    @Test
    void emptyBlockHoldsNoVars() {
        withVars(Memory.HEAP, new byte[0], vars -> {
            assertEquals(0, vars.size());
            assertEquals(0, vars.encodedSize());
            assertEquals(-1, vars.indexOf("ANY"));
            assertEquals(0, vars.contentLength());
            assertThrows(IndexOutOfBoundsException.class, () -> vars.key(0));
        });
    }

    // ---- malformed blocks: exact message and offset

    @ParameterizedTest
    @EnumSource(Memory.class)
    void refusesEmptyKeyWithItsOffset(Memory memory) {
        UwsgiProtocolException e = parseFails(memory, concat(block("A", "1"), u16le(0), u16le(1), latin1("x")));
        assertEquals(6, e.offset());
        assertEquals("malformed uwsgi vars: empty key in vars entry 1 (uwsgi keys must not be empty) of the 11-byte"
                + " vars block (at byte offset 6)", e.getMessage());
    }

    @ParameterizedTest
    @EnumSource(Memory.class)
    void refusesKeyLengthRunningPastTheBlock(Memory memory) {
        UwsgiProtocolException e = parseFails(memory, concat(u16le(10), latin1("ABCDE")));
        assertEquals(0, e.offset());
        assertEquals("malformed uwsgi vars: key length 10 in vars entry 0 runs 5 bytes past the end of the 7-byte"
                + " vars block (at byte offset 0)", e.getMessage());
    }

    @ParameterizedTest
    @EnumSource(Memory.class)
    void refusesValueLengthRunningPastTheBlock(Memory memory) {
        UwsgiProtocolException e = parseFails(memory,
                concat(block("OK", "1"), u16le(3), latin1("KEY"), u16le(4), latin1("ab")));
        assertEquals(12, e.offset());
        assertEquals("malformed uwsgi vars: value length 4 of key 'KEY' runs 2 bytes past the end of the 16-byte"
                + " vars block (at byte offset 12)", e.getMessage());
    }

    @Test
    void refusesBlockEndingInsideALengthField() {
        UwsgiProtocolException keyLength = parseFails(Memory.HEAP, concat(block("A", "1"), new byte[] {5}));
        assertEquals(6, keyLength.offset());
        assertTrue(keyLength.getMessage().startsWith("malformed uwsgi vars: vars block ends inside a key length field"),
                keyLength.getMessage());
        UwsgiProtocolException valueLength = parseFails(Memory.HEAP, concat(u16le(1), latin1("K"), new byte[] {0}));
        assertEquals(3, valueLength.offset());
        assertEquals("malformed uwsgi vars: key 'K' has no complete value length field of the 4-byte vars block"
                + " (at byte offset 3)", valueLength.getMessage());
    }

    @Test
    void quotesLongOrBinaryKeysShortAndPrintable() {
        byte[] key = new byte[100];
        java.util.Arrays.fill(key, (byte) 'k');
        key[0] = 0x01;
        UwsgiProtocolException e = parseFails(Memory.HEAP, concat(u16le(100), key, u16le(9)));
        assertTrue(e.getMessage().contains("of key '\\x01" + "k".repeat(39) + "'... (100 bytes) runs"),
                e.getMessage());
    }

    @Test
    void refusesBlockOverTheU16Limit() {
        UwsgiProtocolException e = parseFails(Memory.HEAP, new byte[65536]);
        assertEquals("uwsgi vars block of 65536 bytes exceeds the 65535-byte limit of the u16 datasize field"
                + " (at byte offset 0)", e.getMessage());
    }

    // ---- CONTENT_LENGTH

    static long contentLengthOf(String... keysAndValues) {
        UwsgiVars vars = UwsgiVars.parse(Memory.HEAP.wrap(block(keysAndValues)));
        try {
            return vars.contentLength();
        } finally {
            vars.release();
        }
    }

    static UwsgiProtocolException contentLengthFails(String... keysAndValues) {
        UwsgiVars vars = UwsgiVars.parse(Memory.DIRECT.wrap(block(keysAndValues)));
        try {
            return assertThrows(UwsgiProtocolException.class, vars::contentLength);
        } finally {
            vars.release();
        }
    }

    @Test
    void contentLengthAbsentOrEmptyMeansNoBody() {
        assertEquals(0, contentLengthOf("QUERY_STRING", ""));
        assertEquals(0, contentLengthOf("CONTENT_LENGTH", ""));
        assertEquals(0, contentLengthOf("CONTENT_LENGTH", "0"));
    }

    @Test
    void contentLengthParsesDecimalsUpToLongMax() {
        assertEquals(19, contentLengthOf("HTTP_CONTENT_LENGTH", "7", "CONTENT_LENGTH", "19"));
        assertEquals(7, contentLengthOf("CONTENT_LENGTH", "007"));
        assertEquals(Long.MAX_VALUE, contentLengthOf("CONTENT_LENGTH", "9223372036854775807"));
        assertEquals(5, contentLengthOf("CONTENT_LENGTH", "5", "X", "y", "CONTENT_LENGTH", "5"));
    }

    @Test
    void contentLengthRefusesNonDigits() {
        UwsgiProtocolException e = contentLengthFails("A", "b", "CONTENT_LENGTH", "abc");
        assertEquals("CONTENT_LENGTH 'abc' is not a non-negative decimal integer (at byte offset 24)", e.getMessage());
        assertEquals(24, e.offset(), "offset of the 'a'");
        assertEquals(26, contentLengthFails("A", "b", "CONTENT_LENGTH", "12x").offset(), "offset of the 'x'");
        assertEquals(18, contentLengthFails("CONTENT_LENGTH", " 5").offset());
        assertEquals(18, contentLengthFails("CONTENT_LENGTH", "+5").offset());
    }

    @Test
    void contentLengthRefusesNegative() {
        UwsgiProtocolException e = contentLengthFails("CONTENT_LENGTH", "-1");
        assertEquals("CONTENT_LENGTH '-1' is not a non-negative decimal integer (at byte offset 18)", e.getMessage());
    }

    @Test
    void contentLengthRefusesOverflow() {
        UwsgiProtocolException e = contentLengthFails("CONTENT_LENGTH", "99999999999999999999");
        assertEquals("CONTENT_LENGTH '99999999999999999999' overflows a 64-bit length (at byte offset 18)",
                e.getMessage());
        assertEquals(18, contentLengthFails("CONTENT_LENGTH", "9223372036854775808").offset());
    }

    @ParameterizedTest
    @EnumSource(Memory.class)
    void keyThatOnlyLooksLikeContentLengthIsNotIt(Memory memory) {
        // Same length, first and last byte as CONTENT_LENGTH: the fingerprint matches, the bytes do not.
        withVars(memory, block("CXNTENT_LENGTH", "abc"), vars -> assertEquals(0, vars.contentLength()));
        withVars(memory, block("CXNTENT_LENGTH", "abc", "CONTENT_LENGTH", "5", "CONTENT_LENGXH", "x"),
                vars -> assertEquals(5, vars.contentLength()));
    }

    @Test
    void contentLengthRefusesConflictingRepeats() {
        UwsgiProtocolException e = contentLengthFails("CONTENT_LENGTH", "5", "CONTENT_LENGTH", "6");
        assertEquals("conflicting CONTENT_LENGTH vars: '5' and '6' (at byte offset 37)", e.getMessage());
    }

    // ---- ownership and cost

    @Test
    void viewSharesTheBlocksReferenceCount() {
        ByteBuf buf = Memory.DIRECT.wrap(block("A", "1"));
        UwsgiVars vars = UwsgiVars.parse(buf);
        assertEquals(1, vars.refCnt());
        vars.retain();
        assertEquals(2, buf.refCnt());
        assertFalse(vars.release());
        assertTrue(vars.release());
        assertEquals(0, buf.refCnt());
        assertThrows(IllegalReferenceCountException.class, () -> vars.indexOf("A"));
        assertThrows(IllegalReferenceCountException.class, () -> vars.value(0));
    }

    /**
     * Measured on buffers outside leak detection: under PARANOID every ByteBuf access of a tracked
     * buffer records a stack trace, which would be counted here.
     */
    @ParameterizedTest
    @EnumSource(Memory.class)
    void lookupsAllocateNothing(Memory memory) {
        byte[] bytes = NginxPacket.named("pkt02").bytes();
        ByteBufAllocator untracked = new io.netty.buffer.UnpooledByteBufAllocator(memory == Memory.DIRECT, true);
        ByteBuf buf = memory == Memory.DIRECT ? untracked.directBuffer() : untracked.heapBuffer();
        UwsgiVars vars = UwsgiVars.parse(buf.writeBytes(bytes, 4, bytes.length - 4));
        try {
            com.sun.management.ThreadMXBean threads =
                    (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
            lookups(vars, 20_000); // warm up so that measuring sees steady state
            long tid = Thread.currentThread().threadId();
            long before = threads.getThreadAllocatedBytes(tid);
            long sink = lookups(vars, 100_000);
            long allocated = threads.getThreadAllocatedBytes(tid) - before;
            // Indexes 1 + 5 + 0 + 13 + 3, plus 4 for the GET match, CONTENT_LENGTH empty = 0.
            assertEquals(26L * 100_000, sink, "lookups found the vars");
            assertTrue(allocated < 1024, "100k rounds of 7 lookups allocated " + allocated + " bytes");
        } finally {
            assertTrue(vars.release());
        }
    }

    private static long lookups(UwsgiVars vars, int rounds) {
        long sink = 0;
        for (int r = 0; r < rounds; r++) {
            sink += vars.indexOf(StandardVars.REQUEST_METHOD) + vars.indexOf(StandardVars.PATH_INFO)
                    + vars.indexOf(StandardVars.QUERY_STRING) + vars.indexOf(StandardVars.HTTP_HOST)
                    + vars.indexOf("CONTENT_LENGTH") + (vars.valueEquals(1, "GET") ? 4 : 0)
                    + vars.contentLength();
        }
        return sink;
    }

    @Test
    void toStringShowsCountsNotValues() {
        withVars(Memory.HEAP, block("HTTP_COOKIE", "secret"), vars ->
                assertEquals("UwsgiVars(1 vars, 21 bytes)", vars.toString()));
    }
}
