package dev.gatehouse.uwsgi;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.ReferenceCountUtil;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;

import static dev.gatehouse.uwsgi.Packets.block;
import static dev.gatehouse.uwsgi.Packets.concat;
import static dev.gatehouse.uwsgi.Packets.header;
import static dev.gatehouse.uwsgi.Packets.latin1;
import static dev.gatehouse.uwsgi.Packets.packet;
import static dev.gatehouse.uwsgi.Packets.u16le;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@ExtendWith(NoLeaks.class)
class UwsgiRequestDecoderTest {

    static final byte[] GET = block("REQUEST_METHOD", "GET", "CONTENT_LENGTH", "");

    /** Records what reaches the end of the pipeline, in order, releasing messages as it goes. */
    static final class Recorder extends ChannelInboundHandlerAdapter {
        final List<String> events = new ArrayList<>();
        final List<Throwable> errors = new ArrayList<>();

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            events.add(msg instanceof UwsgiContent c ? (c.isLast() ? "last:" : "chunk:")
                    + new String(ByteBufUtil.getBytes(c.content()), java.nio.charset.StandardCharsets.ISO_8859_1)
                    : "request");
            ReferenceCountUtil.release(msg);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            events.add("error");
            errors.add(cause);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            events.add("inactive");
        }
    }

    static void write(EmbeddedChannel channel, byte[] bytes) {
        channel.writeInbound(ByteBufAllocator.DEFAULT.buffer(Math.max(1, bytes.length)).writeBytes(bytes));
    }

    static UwsgiProtocolException decodeFails(UwsgiDecoderConfig config, byte[] bytes) {
        DecoderHarness.Outcome outcome = DecoderHarness.decode(config, bytes);
        assertTrue(outcome.error() instanceof UwsgiProtocolException, "expected a protocol error, got " + outcome);
        assertEquals(UwsgiProtocolException.class, outcome.error().getClass());
        return (UwsgiProtocolException) outcome.error();
    }

    static UwsgiProtocolException decodeFails(byte[] bytes) {
        return decodeFails(UwsgiDecoderConfig.defaults(), bytes);
    }

    // ---- header: modifiers and datasize

    @Test
    void acceptsNginxDefaultModifierWithAnyModifier2AndJwsgi() {
        assertEquals(0, DecoderHarness.decode(packet(0, 0, GET, new byte[0])).only().modifier1());
        assertEquals(7, DecoderHarness.decode(packet(0, 7, GET, new byte[0])).only().modifier2());
        DecoderHarness.DecodedRequest jwsgi = DecoderHarness.decode(packet(8, 0, GET, new byte[0])).only();
        assertEquals(8, jwsgi.modifier1());
        assertEquals(0, jwsgi.modifier2());
    }

    @Test
    void refusesUnknownModifier1NamingTheValues() {
        UwsgiProtocolException e = decodeFails(packet(5, 0, GET, new byte[0]));
        assertEquals(0, e.offset());
        assertEquals("refused uwsgi packet with modifier1=5 modifier2=0: this server accepts modifier1 0 (WSGI-style,"
                + " any modifier2) or modifier1 8 with modifier2 0 (JWSGI) (behind nginx, check"
                + " uwsgi_modifier1/uwsgi_modifier2) (at byte offset 0)", e.getMessage());
    }

    @Test
    void refusesJvmModifierWithRingModifier2() {
        UwsgiProtocolException e = decodeFails(packet(8, 1, GET, new byte[0]));
        assertTrue(e.getMessage().startsWith("refused uwsgi packet with modifier1=8 modifier2=1: "), e.getMessage());
        assertEquals(0, e.offset());
    }

    @Test
    void customModifierRuleDecidesWhatIsAccepted() {
        UwsgiDecoderConfig any = UwsgiDecoderConfig.defaults().withModifierRule(UwsgiDecoderConfig.ModifierRule.any());
        assertEquals(5, DecoderHarness.decode(any, packet(5, 0, GET, new byte[0])).only().modifier1());
        UwsgiDecoderConfig onlyJwsgi = UwsgiDecoderConfig.defaults().withModifierRule((m1, m2) -> m1 == 8 && m2 == 0);
        UwsgiProtocolException e = decodeFails(onlyJwsgi, packet(0, 0, GET, new byte[0]));
        assertTrue(e.getMessage().contains("this server accepts the configured modifier rule"), e.getMessage());
    }

    @Test
    void acceptsDatasizeEqualToMaxVarsSize() {
        UwsgiDecoderConfig config = UwsgiDecoderConfig.defaults().withMaxVarsSize(GET.length);
        assertEquals(GET.length, DecoderHarness.decode(config, packet(GET, new byte[0])).only().datasize());
    }

    @Test
    void refusesDatasizeOneOverMaxVarsSizeFromTheHeaderAlone() {
        UwsgiDecoderConfig config = UwsgiDecoderConfig.defaults().withMaxVarsSize(GET.length - 1);
        EmbeddedChannel channel = new EmbeddedChannel(new UwsgiRequestDecoder(config));
        // Only the header arrives: the refusal must not wait for (or buffer) the block.
        UwsgiProtocolException e = assertThrows(UwsgiProtocolException.class,
                () -> write(channel, header(0, GET.length, 0)));
        assertEquals(1, e.offset());
        assertEquals("uwsgi vars block of " + GET.length + " bytes (header datasize) exceeds the configured maximum of "
                + (GET.length - 1) + " bytes (at byte offset 1)", e.getMessage());
        assertFalse(channel.finish());
    }

    @Test
    void defaultConfigAllowsTheWholeU16Range() {
        UwsgiDecoderConfig config = UwsgiDecoderConfig.defaults();
        assertEquals(65536, config.maxVarsSize());
        assertEquals(65536, config.maxChunkSize());
        assertThrows(IllegalArgumentException.class, () -> config.withMaxVarsSize(0));
        assertThrows(IllegalArgumentException.class, () -> config.withMaxVarsSize(65537));
        assertThrows(IllegalArgumentException.class, () -> config.withMaxChunkSize(0));
    }

    @Test
    void decodesPacketWithEmptyVarsBlock() {
        DecoderHarness.DecodedRequest request = DecoderHarness.decode(packet(new byte[0], new byte[0])).only();
        assertEquals(0, request.datasize());
        assertEquals(List.of(), request.vars());
    }

    @Test
    void copiesDirectVarsBlockToTheHeapUnlessToldToSlice() {
        for (boolean copy : new boolean[] {true, false}) {
            EmbeddedChannel channel = new EmbeddedChannel(
                    new UwsgiRequestDecoder(UwsgiDecoderConfig.defaults().withCopyVarsToHeap(copy)));
            channel.writeInbound(ByteBufAllocator.DEFAULT.directBuffer().writeBytes(packet(GET, new byte[0])));
            UwsgiRequest request = channel.readInbound();
            try {
                assertEquals(!copy, request.vars().content().isDirect(), "copy=" + copy);
                assertEquals("GET", request.vars().get(StandardVars.REQUEST_METHOD));
            } finally {
                request.release();
            }
            assertSame(UwsgiContent.EMPTY_LAST, channel.readInbound());
            assertFalse(channel.finish());
        }
    }

    @Test
    void neverCopiesAHeapVarsBlock() {
        EmbeddedChannel channel = new EmbeddedChannel(new UwsgiRequestDecoder());
        io.netty.buffer.ByteBuf in = ByteBufAllocator.DEFAULT.heapBuffer().writeBytes(packet(GET, new byte[0]));
        byte[] array = in.array();
        channel.writeInbound(in);
        UwsgiRequest request = channel.readInbound();
        try {
            assertSame(array, request.vars().content().unwrap().unwrap().array(), "a slice of the read buffer");
        } finally {
            request.release();
        }
        channel.readInbound();
        assertFalse(channel.finish());
    }

    // ---- malformed vars and CONTENT_LENGTH: offsets count from the packet's first byte

    @Test
    void malformedVarsReportPacketOffsets() {
        assertEquals("malformed uwsgi vars: empty key in vars entry 1 (uwsgi keys must not be empty) of the 25-byte"
                        + " vars block (at byte offset 25)",
                decodeFails(packet(concat(block("REQUEST_METHOD", "GET"), u16le(0), u16le(0)), new byte[0]))
                        .getMessage());
        assertEquals(4, decodeFails(packet(concat(u16le(9), latin1("KEY")), new byte[0])).offset());
        assertEquals(9, decodeFails(packet(concat(u16le(3), latin1("KEY"), u16le(2), latin1("v")), new byte[0]))
                .offset());
    }

    @Test
    void refusesNonNumericContentLength() {
        UwsgiProtocolException e = decodeFails(packet(block("CONTENT_LENGTH", "abc"), latin1("abc")));
        assertEquals("CONTENT_LENGTH 'abc' is not a non-negative decimal integer (at byte offset 22)", e.getMessage());
    }

    @Test
    void refusesNegativeContentLength() {
        UwsgiProtocolException e = decodeFails(packet(block("CONTENT_LENGTH", "-1"), new byte[0]));
        assertEquals("CONTENT_LENGTH '-1' is not a non-negative decimal integer (at byte offset 22)", e.getMessage());
    }

    @Test
    void refusesOverflowingContentLength() {
        UwsgiProtocolException e = decodeFails(packet(block("CONTENT_LENGTH", "99999999999999999999"), new byte[0]));
        assertEquals("CONTENT_LENGTH '99999999999999999999' overflows a 64-bit length (at byte offset 22)",
                e.getMessage());
    }

    // ---- body framing

    @Test
    void emptyContentLengthMeansNoBodyAndTheNextBytesAreTheNextRequest() {
        DecoderHarness.Outcome outcome = DecoderHarness.decode(concat(packet(GET, new byte[0]),
                packet(block("CONTENT_LENGTH", "2"), latin1("hi"))));
        assertNull(outcome.error());
        assertEquals(2, outcome.requests().size());
        assertEquals(0, outcome.requests().get(0).body().length);
        assertArrayEquals(latin1("hi"), outcome.requests().get(1).body());
    }

    @Test
    void absentContentLengthMeansNoBody() {
        // uWSGI reads no body without CONTENT_LENGTH; bytes that follow are the next packet's.
        UwsgiProtocolException e = decodeFails(packet(block("REQUEST_METHOD", "POST"), latin1("xyzw")));
        assertTrue(e.getMessage().startsWith("refused uwsgi packet with modifier1=120 modifier2=119"), e.getMessage());
    }

    @Test
    void emitsBodyChunksAsTheyArriveAndKeepsTheRestForTheNextRequest() {
        Recorder recorder = new Recorder();
        UwsgiRequestDecoder decoder = new UwsgiRequestDecoder();
        EmbeddedChannel channel = new EmbeddedChannel(decoder, recorder);
        byte[] first = packet(block("CONTENT_LENGTH", "9"), latin1("a=1&b=two"));
        int bodyStart = first.length - 9;
        write(channel, java.util.Arrays.copyOfRange(first, 0, bodyStart + 3));
        assertEquals(List.of("request", "chunk:a=1"), recorder.events);
        assertTrue(decoder.isMidRequest());
        assertEquals(6, decoder.bodyBytesRemaining());
        byte[] second = packet(GET, new byte[0]);
        write(channel, concat(java.util.Arrays.copyOfRange(first, bodyStart + 3, first.length),
                java.util.Arrays.copyOfRange(second, 0, 2)));
        assertEquals(List.of("request", "chunk:a=1", "last:&b=two"), recorder.events);
        assertTrue(decoder.isMidRequest(), "two bytes of the next header are buffered");
        assertEquals(0, decoder.bodyBytesRemaining());
        write(channel, java.util.Arrays.copyOfRange(second, 2, second.length));
        assertEquals(List.of("request", "chunk:a=1", "last:&b=two", "request", "last:"), recorder.events);
        assertFalse(decoder.isMidRequest());
        assertFalse(channel.finish());
        assertEquals(List.of(), recorder.errors);
    }

    @Test
    void splitsBodyIntoChunksOfAtMostMaxChunkSize() {
        UwsgiDecoderConfig config = UwsgiDecoderConfig.defaults().withMaxChunkSize(4);
        DecoderHarness.DecodedRequest request = DecoderHarness.decode(config,
                packet(block("CONTENT_LENGTH", "10"), latin1("0123456789"))).only();
        assertEquals(3, request.chunks());
        assertArrayEquals(latin1("0123456789"), request.body());
    }

    // ---- end of input

    @Test
    void connectionClosedMidBodyDeliversTheChunkThenTheError() {
        Recorder recorder = new Recorder();
        UwsgiRequestDecoder decoder = new UwsgiRequestDecoder();
        EmbeddedChannel channel = new EmbeddedChannel(decoder, recorder);
        byte[] whole = packet(block("CONTENT_LENGTH", "9"), latin1("a=1&b=two"));
        write(channel, java.util.Arrays.copyOf(whole, whole.length - 5));
        assertTrue(decoder.isMidRequest());
        assertEquals(5, decoder.bodyBytesRemaining());
        channel.finish();
        assertEquals(List.of("request", "chunk:a=1&", "error", "inactive"), recorder.events);
        UwsgiProtocolException e = (UwsgiProtocolException) recorder.errors.get(0);
        assertEquals("connection closed with 5 of 9 body bytes missing (at byte offset " + (whole.length - 5) + ")",
                e.getMessage());
        assertFalse(decoder.isMidRequest());
    }

    @Test
    void connectionClosedMidHeaderOrVarsIsAnError() {
        byte[] whole = packet(GET, new byte[0]);
        UwsgiProtocolException header = decodeFails(java.util.Arrays.copyOf(whole, 3));
        assertEquals("connection closed after 3 of the 4 uwsgi header bytes (at byte offset 3)", header.getMessage());
        UwsgiProtocolException vars = decodeFails(java.util.Arrays.copyOf(whole, 10));
        assertEquals("connection closed after 6 of the " + GET.length + "-byte uwsgi vars block (at byte offset 10)",
                vars.getMessage());
    }

    @Test
    void connectionClosedBetweenRequestsIsClean() {
        Recorder recorder = new Recorder();
        EmbeddedChannel channel = new EmbeddedChannel(new UwsgiRequestDecoder(), recorder);
        write(channel, packet(GET, new byte[0]));
        assertFalse(channel.finish());
        assertEquals(List.of("request", "last:", "inactive"), recorder.events);
    }

    // ---- after an error

    @Test
    void deliversEarlierRequestsThenDiscardsEverythingAfterAnError() {
        Recorder recorder = new Recorder();
        UwsgiRequestDecoder decoder = new UwsgiRequestDecoder();
        EmbeddedChannel channel = new EmbeddedChannel(decoder, recorder);
        write(channel, concat(packet(GET, new byte[0]), packet(5, 0, GET, new byte[0]), packet(GET, new byte[0])));
        assertEquals(List.of("request", "last:", "error"), recorder.events);
        assertEquals(UwsgiProtocolException.class, recorder.errors.get(0).getClass());
        write(channel, packet(GET, new byte[0]));
        write(channel, new byte[] {1, 2, 3});
        assertFalse(decoder.isMidRequest());
        assertFalse(channel.finish());
        assertEquals(List.of("request", "last:", "error", "inactive"), recorder.events, "silent after the error");
    }

    @Test
    void emptyLastIsSharedAndSurvivesAnyNumberOfReleases() {
        EmbeddedChannel channel = new EmbeddedChannel(new UwsgiRequestDecoder());
        write(channel, concat(packet(GET, new byte[0]), packet(GET, new byte[0])));
        UwsgiRequest first = channel.readInbound();
        UwsgiContent firstEnd = channel.readInbound();
        UwsgiRequest second = channel.readInbound();
        UwsgiContent secondEnd = channel.readInbound();
        assertSame(UwsgiContent.EMPTY_LAST, firstEnd);
        assertSame(firstEnd, secondEnd);
        first.release();
        second.release();
        firstEnd.release();
        secondEnd.release();
        UwsgiContent.EMPTY_LAST.release();
        assertEquals(1, UwsgiContent.EMPTY_LAST.refCnt());
        assertTrue(UwsgiContent.EMPTY_LAST.isLast());
        assertEquals(0, UwsgiContent.EMPTY_LAST.content().readableBytes());
        assertFalse(channel.finish());
    }
}
