package dev.gatehouse.uwsgi;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.Arrays;

import static dev.gatehouse.uwsgi.Packets.block;
import static dev.gatehouse.uwsgi.Packets.latin1;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@ExtendWith(NoLeaks.class)
class UwsgiVarsBuilderTest {

    static byte[] encoded(UwsgiVarsBuilder builder) {
        ByteBuf out = ByteBufAllocator.DEFAULT.buffer();
        try {
            builder.encodeTo(out);
            return ByteBufUtil.getBytes(out);
        } finally {
            out.release();
        }
    }

    @Test
    void rebuildsNginxVarsBlockByteForByte() {
        for (NginxPacket packet : NginxPacket.all()) {
            UwsgiVarsBuilder builder = UwsgiVars.builder();
            packet.vars().forEach(v -> builder.add(v.key(), v.value()));
            assertEquals(packet.datasize(), builder.size(), packet.name());
            assertEquals(packet.vars().size(), builder.count());
            assertArrayEquals(Arrays.copyOfRange(packet.bytes(), 4, 4 + packet.datasize()), encoded(builder),
                    packet.name());
        }
    }

    @Test
    void packetHeadIsNginxsPacketUpToTheBodyByteForByte() {
        for (NginxPacket packet : NginxPacket.all()) {
            UwsgiVarsBuilder builder = UwsgiVars.builder();
            packet.vars().forEach(v -> builder.add(v.key(), v.value()));
            ByteBuf out = ByteBufAllocator.DEFAULT.buffer();
            try {
                builder.encodePacketTo(out, packet.bytes()[0] & 0xFF, packet.bytes()[3] & 0xFF);
                assertEquals(4 + packet.datasize(), builder.packetSize(), packet.name());
                assertArrayEquals(Arrays.copyOf(packet.bytes(), 4 + packet.datasize()), ByteBufUtil.getBytes(out),
                        packet.name());
            } finally {
                out.release();
            }
        }
    }

    @Test
    void packetHeadRefusesAModifierThatIsNotAByte() {
        UwsgiVarsBuilder builder = new UwsgiVarsBuilder().add("A", "b");
        ByteBuf out = ByteBufAllocator.DEFAULT.buffer();
        try {
            assertThrows(IllegalArgumentException.class, () -> builder.encodePacketTo(out, 256, 0));
            assertThrows(IllegalArgumentException.class, () -> builder.encodePacketTo(out, 0, -1));
            builder.encodePacketTo(out, 255, 255);
            assertArrayEquals(new byte[] {(byte) 0xFF, 6, 0, (byte) 0xFF, 1, 0, 'A', 1, 0, 'b'}, ByteBufUtil.getBytes(out));
        } finally {
            out.release();
        }
    }

    @Test
    void writesKeysAndValuesInEachEncoding() {
        UwsgiVarsBuilder builder = new UwsgiVarsBuilder(0)
                .add(StandardVars.REQUEST_METHOD, "GET")
                .addUtf8("PATH_INFO", "/caf\u00e9")
                .add("X_LATIN1", "caf\u00e9")
                .add(new byte[] {'B'}, new byte[] {0, (byte) 0xFF})
                .add("EMPTY", "");
        byte[] expected = Packets.concat(Packets.entry("REQUEST_METHOD", "GET"),
                Packets.entry(latin1("PATH_INFO"), new byte[] {'/', 'c', 'a', 'f', (byte) 0xC3, (byte) 0xA9}),
                Packets.entry(latin1("X_LATIN1"), new byte[] {'c', 'a', 'f', (byte) 0xE9}),
                Packets.entry(new byte[] {'B'}, new byte[] {0, (byte) 0xFF}),
                Packets.entry("EMPTY", ""));
        assertArrayEquals(expected, encoded(builder));
        assertEquals(expected.length, builder.size());
        assertEquals(expected.length, builder.encodedSize());
        assertEquals(5, builder.count());
    }

    @Test
    void buildGivesAnIndependentView() {
        UwsgiVarsBuilder builder = UwsgiVars.builder().add("A", "1");
        UwsgiVars vars = builder.build();
        builder.add("B", "2");
        try {
            assertEquals(1, vars.size());
            assertEquals("1", vars.get("A"));
            assertArrayEquals(block("A", "1"), ByteBufUtil.getBytes(vars.content()));
        } finally {
            assertTrue(vars.release());
        }
    }

    @Test
    void blockOfExactly65535BytesIsAccepted() {
        UwsgiVarsBuilder builder = UwsgiVars.builder().add("K", "v".repeat(65535 - 4 - 1));
        assertEquals(65535, builder.size());
        UwsgiVars vars = builder.build();
        try {
            assertEquals(65530, vars.valueLength(0));
            assertEquals(65535, vars.encodedSize());
        } finally {
            vars.release();
        }
    }

    @Test
    void blockOfExactly65535BytesDecodesThroughTheDecoder() {
        byte[] value = new byte[65535 - 4 - 3 - 4 - 1];
        Arrays.fill(value, (byte) 'x');
        UwsgiVarsBuilder builder = UwsgiVars.builder().add("ABC", "").add(latin1("K"), value);
        assertEquals(65535, builder.size());
        byte[] packet = Packets.packet(encoded(builder), new byte[0]);
        assertEquals((byte) 0xFF, packet[1]);
        assertEquals((byte) 0xFF, packet[2]);
        DecoderHarness.DecodedRequest request = DecoderHarness.decode(packet).only();
        assertEquals(65535, request.datasize());
        assertEquals(new NginxPacket.Var("K", "x".repeat(value.length)), request.vars().get(1));
    }

    @Test
    void oneByteOver65535IsRefusedAndTheBuilderIsUnchanged() {
        UwsgiVarsBuilder builder = UwsgiVars.builder().add("A", "1");
        int before = builder.size();
        UwsgiVarsTooLargeException e = assertThrows(UwsgiVarsTooLargeException.class,
                () -> builder.add("K", "v".repeat(65535 - 4 - 1 - before + 1)));
        assertInstanceOf(IllegalArgumentException.class, e);
        assertEquals(65536, e.attemptedSize());
        assertEquals(65535, e.limit());
        assertEquals("adding uwsgi var 'K' would make the vars block 65536 bytes, over the 65535-byte limit of the u16"
                + " datasize field (nginx answers 500 'uwsgi request is too big' here)", e.getMessage());
        assertEquals(before, builder.size());
        assertEquals(1, builder.count());
        assertArrayEquals(block("A", "1"), encoded(builder));
    }

    @Test
    void keyOrValueOver65535BytesIsRefused() {
        UwsgiVarsBuilder builder = UwsgiVars.builder();
        UwsgiVarsTooLargeException key = assertThrows(UwsgiVarsTooLargeException.class,
                () -> builder.add(new byte[65536], new byte[0]));
        assertEquals("uwsgi var key of 65536 bytes exceeds the 65535-byte limit of its u16 length field",
                key.getMessage());
        UwsgiVarsTooLargeException value = assertThrows(UwsgiVarsTooLargeException.class,
                () -> builder.add("HTTP_COOKIE", "c".repeat(70000)));
        assertEquals("value of uwsgi var 'HTTP_COOKIE' is 70000 bytes, over the 65535-byte limit of its u16 length"
                + " field", value.getMessage());
        assertEquals(70000, value.attemptedSize());
        assertEquals(0, builder.size());
    }

    @Test
    void emptyKeyIsRefused() {
        UwsgiVarsBuilder builder = UwsgiVars.builder();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> builder.add("", "v"));
        assertFalse(e instanceof UwsgiVarsTooLargeException);
        assertEquals("a uwsgi var key must not be empty (uWSGI drops such requests)", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> builder.add(new byte[0], new byte[0]));
        assertThrows(IllegalArgumentException.class, () -> VarKey.of(""));
        assertEquals(0, builder.count());
    }

    @Test
    void charAboveLatin1IsRefusedNotReplaced() {
        UwsgiVarsBuilder builder = UwsgiVars.builder().add("A", "1");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> builder.add("X_NAME", "\u20ac5"));
        assertEquals("value of key X_NAME has character U+20AC at index 0, outside ISO-8859-1; use the UTF-8 or"
                + " byte[] variant", e.getMessage());
        assertArrayEquals(block("A", "1"), encoded(builder), "the refused var left no trace");
        assertEquals(1, builder.count());
        builder.addUtf8("X_NAME", "\u20ac5");
        assertEquals(2, builder.count());
    }

    @Test
    void varKeyCarriesBytesAndFingerprint() {
        VarKey key = VarKey.of("CONTENT_LENGTH");
        assertEquals("CONTENT_LENGTH", key.name());
        assertEquals(14, key.length());
        assertArrayEquals(latin1("CONTENT_LENGTH"), key.bytes());
        assertEquals(14 | 'C' << 16 | 'H' << 24, key.fingerprint());
        assertEquals(StandardVars.CONTENT_LENGTH, key);
        assertEquals(StandardVars.CONTENT_LENGTH.hashCode(), key.hashCode());
    }
}
