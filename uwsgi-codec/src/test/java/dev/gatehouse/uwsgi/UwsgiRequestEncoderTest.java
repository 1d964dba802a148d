package dev.gatehouse.uwsgi;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.EncoderException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import static dev.gatehouse.uwsgi.Packets.block;
import static dev.gatehouse.uwsgi.Packets.latin1;
import static dev.gatehouse.uwsgi.Packets.packet;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

@ExtendWith(NoLeaks.class)
class UwsgiRequestEncoderTest {

    static UwsgiRequest request(int modifier1, int modifier2, String... keysAndValues) {
        UwsgiVarsBuilder builder = UwsgiVars.builder();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            builder.add(keysAndValues[i], keysAndValues[i + 1]);
        }
        return new UwsgiRequest(modifier1, modifier2, builder.build());
    }

    static ByteBuf body(String text) {
        return ByteBufAllocator.DEFAULT.buffer().writeBytes(latin1(text));
    }

    @Test
    void writesHeaderWithLittleEndianDatasizeThenVars() {
        EmbeddedChannel channel = new EmbeddedChannel(new UwsgiRequestEncoder());
        channel.writeOutbound(request(8, 0, "REQUEST_METHOD", "GET", "CONTENT_LENGTH", ""));
        channel.writeOutbound(UwsgiContent.EMPTY_LAST);
        byte[] expected = packet(8, 0, block("REQUEST_METHOD", "GET", "CONTENT_LENGTH", ""), new byte[0]);
        assertArrayEquals(expected, NginxPacketDecodingTest.drainOutbound(channel));
        assertEquals(8, expected[0]);
        assertEquals(39, expected[1]);
        assertEquals(0, expected[2]);
        assertFalse(channel.finish());
    }

    @Test
    void passesBodyBuffersOnWithoutCopying() {
        UwsgiRequestEncoder encoder = new UwsgiRequestEncoder();
        EmbeddedChannel channel = new EmbeddedChannel(encoder);
        channel.writeOutbound(request(0, 0, "CONTENT_LENGTH", "9"));
        ByteBuf head = channel.readOutbound();
        head.release();
        ByteBuf part = body("a=1&");
        channel.writeOutbound(UwsgiContent.of(part));
        assertEquals(5, encoder.bodyBytesRemaining());
        ByteBuf written = channel.readOutbound();
        assertSame(part, written, "the chunk's own buffer goes out");
        assertEquals(1, written.refCnt());
        written.release();
        channel.writeOutbound(UwsgiContent.last(body("b=two")));
        assertArrayEquals(latin1("b=two"), NginxPacketDecodingTest.drainOutbound(channel));
        assertEquals(0, encoder.bodyBytesRemaining());
        assertFalse(channel.finish());
    }

    @Test
    void refusesBodyChunkOverrunningContentLength() {
        EmbeddedChannel channel = new EmbeddedChannel(new UwsgiRequestEncoder());
        channel.writeOutbound(request(0, 0, "CONTENT_LENGTH", "2"));
        EncoderException e = assertThrows(EncoderException.class,
                () -> channel.writeOutbound(UwsgiContent.last(body("abc"))));
        assertEquals("uwsgi body chunk of 3 bytes overruns CONTENT_LENGTH: only 2 bytes remain", e.getMessage());
        NginxPacketDecodingTest.drainOutbound(channel);
        channel.finishAndReleaseAll();
    }

    @Test
    void refusesLastChunkThatLeavesBodyBytesOwed() {
        EmbeddedChannel channel = new EmbeddedChannel(new UwsgiRequestEncoder());
        channel.writeOutbound(request(0, 0, "CONTENT_LENGTH", "4"));
        EncoderException e = assertThrows(EncoderException.class,
                () -> channel.writeOutbound(UwsgiContent.last(body("ab"))));
        assertEquals("last uwsgi body chunk leaves 2 bytes of CONTENT_LENGTH unsent", e.getMessage());
        NginxPacketDecodingTest.drainOutbound(channel);
        channel.finishAndReleaseAll();
    }

    @Test
    void refusesNewRequestWhileTheBodyIsIncomplete() {
        EmbeddedChannel channel = new EmbeddedChannel(new UwsgiRequestEncoder());
        channel.writeOutbound(request(0, 0, "CONTENT_LENGTH", "4"));
        EncoderException e = assertThrows(EncoderException.class,
                () -> channel.writeOutbound(request(0, 0, "CONTENT_LENGTH", "")));
        assertEquals("uwsgi request written while 4 body bytes of the previous request are still owed",
                e.getMessage());
        NginxPacketDecodingTest.drainOutbound(channel);
        channel.finishAndReleaseAll();
    }

    @Test
    void bodylessRequestsMayFollowEachOtherWithoutEmptyLast() {
        EmbeddedChannel channel = new EmbeddedChannel(new UwsgiRequestEncoder());
        channel.writeOutbound(request(0, 0, "A", "1"));
        channel.writeOutbound(request(0, 0, "B", "2"));
        assertArrayEquals(Packets.concat(packet(block("A", "1"), new byte[0]), packet(block("B", "2"), new byte[0])),
                NginxPacketDecodingTest.drainOutbound(channel));
        assertFalse(channel.finish());
    }

    @Test
    void otherMessagesPassThrough() {
        EmbeddedChannel channel = new EmbeddedChannel(new UwsgiRequestEncoder());
        ByteBuf raw = body("raw");
        channel.writeOutbound(raw);
        ByteBuf out = channel.readOutbound();
        assertSame(raw, out);
        out.release();
        assertFalse(channel.finish());
    }

    @Test
    void requestRefusesModifiersOutsideU8() {
        UwsgiVars vars = UwsgiVars.builder().add("A", "1").build();
        try {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> new UwsgiRequest(256, 0, vars));
            assertEquals("modifier1 is a u8 (0..255), got 256", e.getMessage());
        } finally {
            vars.release();
        }
    }

    @Test
    void contentHolderKeepsItsLastFlagThroughCopies() {
        UwsgiContent last = UwsgiContent.last(body("xy"));
        UwsgiContent copy = last.copy();
        UwsgiContent duplicate = last.retainedDuplicate();
        try {
            assertEquals(last, copy);
            assertEquals(true, copy.isLast());
            assertEquals(true, duplicate.isLast());
            assertEquals(false, UwsgiContent.of(body("")).release() && false);
            assertEquals("UwsgiContent(last, 2 bytes)", last.toString());
        } finally {
            copy.release();
            duplicate.release();
            last.release();
        }
    }
}
