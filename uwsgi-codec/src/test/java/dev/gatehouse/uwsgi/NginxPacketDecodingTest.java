package dev.gatehouse.uwsgi;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The 14 packets real nginx 1.22.1 sent decode exactly to what their .json files say, however they arrive. */
@ExtendWith(NoLeaks.class)
class NginxPacketDecodingTest {

    static List<NginxPacket> packets() {
        return NginxPacket.all();
    }

    static void assertDecodedAs(NginxPacket expected, DecoderHarness.DecodedRequest actual) {
        assertEquals(expected.modifier1(), actual.modifier1(), expected + " modifier1");
        assertEquals(expected.modifier2(), actual.modifier2(), expected + " modifier2");
        assertEquals(expected.datasize(), actual.datasize(), expected + " datasize");
        assertEquals(expected.vars(), actual.vars(), expected + " vars in wire order");
        assertEquals(expected.body().length, actual.contentLength(), expected + " CONTENT_LENGTH");
        assertArrayEquals(expected.body(), actual.body(), expected + " body");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("packets")
    void decodesPacketExactlyAsItsJsonSays(NginxPacket packet) {
        DecoderHarness.DecodedRequest request = DecoderHarness.decode(packet.bytes()).only();
        assertDecodedAs(packet, request);
        assertEquals(1, request.chunks(), "a packet read at once gives its body as one chunk (or EMPTY_LAST)");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("packets")
    void decodesPacketSplitInTwoWritesAtEveryPoint(NginxPacket packet) {
        for (int at = 0; at <= packet.bytes().length; at++) {
            DecoderHarness.Outcome outcome = DecoderHarness.decodeSplit(packet.bytes(), at);
            assertNull(outcome.error(), packet + " split at " + at);
            assertDecodedAs(packet, outcome.only());
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("packets")
    void decodesPacketFedOneByteAtATime(NginxPacket packet) {
        DecoderHarness.DecodedRequest request = DecoderHarness.decodeByteByByte(packet.bytes()).only();
        assertDecodedAs(packet, request);
        // Every body byte arrived in its own read, and the decoder emitted it without waiting.
        assertEquals(Math.max(packet.body().length, 1), request.chunks());
    }

    /** The default copies a direct vars block to the heap; the alternative keeps a slice of the read buffer. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("packets")
    void decodesPacketWithVarsKeptAsSlicesOfTheReadBuffer(NginxPacket packet) {
        UwsgiDecoderConfig slices = UwsgiDecoderConfig.defaults().withCopyVarsToHeap(false);
        assertDecodedAs(packet, DecoderHarness.decode(slices, packet.bytes()).only());
        List<byte[]> bytes = new ArrayList<>();
        for (byte b : packet.bytes()) {
            bytes.add(new byte[] {b});
        }
        assertDecodedAs(packet, DecoderHarness.decode(slices, bytes).only());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("packets")
    void reencodingTheDecodedPacketGivesTheSameBytes(NginxPacket packet) {
        EmbeddedChannel decoder = new EmbeddedChannel(new UwsgiRequestDecoder());
        EmbeddedChannel encoder = new EmbeddedChannel(new UwsgiRequestEncoder());
        decoder.writeInbound(ByteBufAllocator.DEFAULT.buffer().writeBytes(packet.bytes()));
        for (Object msg; (msg = decoder.readInbound()) != null; ) {
            encoder.writeOutbound(msg);
        }
        assertArrayEquals(packet.bytes(), drainOutbound(encoder));
        assertFalse(decoder.finish());
        assertFalse(encoder.finish());
    }

    static byte[] drainOutbound(EmbeddedChannel channel) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (ByteBuf buf; (buf = channel.readOutbound()) != null; ) {
            out.writeBytes(ByteBufUtil.getBytes(buf));
            buf.release();
        }
        return out.toByteArray();
    }

    @Test
    void decodesEveryPairOfPacketsSentBackToBackAsTwoRequests() {
        List<NginxPacket> all = packets();
        for (NginxPacket first : all) {
            for (NginxPacket second : all) {
                DecoderHarness.Outcome outcome = DecoderHarness.decode(concat(List.of(first, second)));
                assertNull(outcome.error());
                assertFalse(outcome.incomplete());
                assertEquals(2, outcome.requests().size(), first + " then " + second);
                assertDecodedAs(first, outcome.requests().get(0));
                assertDecodedAs(second, outcome.requests().get(1));
            }
        }
    }

    /**
     * Every split point of each single packet is covered above; on a stream of all 14 packets the
     * interesting points are near where one part ends and the next begins (header, vars, body,
     * next packet), so split within 6 bytes of each of those.
     */
    @Test
    void decodesAllPacketsOnOneConnectionSplitInTwoWritesAroundEveryPartBoundary() {
        List<NginxPacket> all = packets();
        byte[] stream = concat(all);
        java.util.TreeSet<Integer> splits = new java.util.TreeSet<>();
        int packetStart = 0;
        for (NginxPacket p : all) {
            for (int boundary : new int[] {packetStart, packetStart + 4, packetStart + 4 + p.datasize(),
                    packetStart + p.bytes().length}) {
                for (int d = -6; d <= 6; d++) {
                    if (boundary + d >= 0 && boundary + d <= stream.length) {
                        splits.add(boundary + d);
                    }
                }
            }
            packetStart += p.bytes().length;
        }
        for (int at : splits) {
            DecoderHarness.Outcome outcome = DecoderHarness.decodeSplit(stream, at);
            assertNull(outcome.error(), "split at " + at);
            assertEquals(all.size(), outcome.requests().size(), "split at " + at);
            for (int i = 0; i < all.size(); i++) {
                assertDecodedAs(all.get(i), outcome.requests().get(i));
            }
        }
    }

    @Test
    void decodesAllPacketsOnOneConnectionFedOneByteAtATime() {
        List<NginxPacket> all = packets();
        DecoderHarness.Outcome outcome = DecoderHarness.decodeByteByByte(concat(all));
        assertNull(outcome.error());
        assertEquals(all.size(), outcome.requests().size());
        for (int i = 0; i < all.size(); i++) {
            assertDecodedAs(all.get(i), outcome.requests().get(i));
        }
    }

    static byte[] concat(List<NginxPacket> packets) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        packets.forEach(p -> out.writeBytes(p.bytes()));
        return out.toByteArray();
    }

    // ---- facts the README lists about these packets

    @Test
    void bodylessRequestHasEmptyContentLengthAndEndsWithEmptyLast() {
        EmbeddedChannel channel = new EmbeddedChannel(new UwsgiRequestDecoder());
        channel.writeInbound(ByteBufAllocator.DEFAULT.buffer().writeBytes(NginxPacket.named("pkt01").bytes()));
        UwsgiRequest request = channel.readInbound();
        try {
            UwsgiVars vars = request.vars();
            assertEquals("", vars.get(StandardVars.CONTENT_LENGTH));
            assertEquals("", vars.get(StandardVars.CONTENT_TYPE));
            assertEquals(0, request.contentLength());
        } finally {
            request.release();
        }
        assertSame(UwsgiContent.EMPTY_LAST, channel.readInbound());
        assertNull(channel.readInbound());
        assertFalse(channel.finish());
    }

    @Test
    void dechunkedBodyIsFramedByContentLengthDespiteTransferEncodingVar() {
        NginxPacket packet = NginxPacket.named("pkt05");
        byte[] withNextRequest = concat(List.of(packet, NginxPacket.named("pkt01")));
        DecoderHarness.Outcome outcome = DecoderHarness.decode(withNextRequest);
        assertEquals(2, outcome.requests().size());
        DecoderHarness.DecodedRequest chunked = outcome.requests().get(0);
        assertTrue(chunked.vars().contains(new NginxPacket.Var("HTTP_TRANSFER_ENCODING", "chunked")));
        assertEquals(19, chunked.contentLength());
        assertArrayEquals(packet.body(), chunked.body());
        assertDecodedAs(NginxPacket.named("pkt01"), outcome.requests().get(1));
    }

    @Test
    void repeatedHeadersArriveAsRepeatedVarsInWireOrder() {
        withVars("pkt06", vars -> {
            List<String> cookies = vars.getAll("HTTP_COOKIE");
            assertEquals(2, cookies.size());
            assertEquals(cookies.get(0), vars.get("HTTP_COOKIE"), "get() returns the first occurrence");
            assertEquals(cookies, vars.toMap().get("HTTP_COOKIE"));
            List<String> expected = new ArrayList<>();
            NginxPacket.named("pkt06").vars().stream().filter(v -> v.key().equals("HTTP_COOKIE"))
                    .forEach(v -> expected.add(v.value()));
            assertEquals(expected, cookies);
        });
    }

    @Test
    void sixThousandByteCookieFitsInOneVarsBlock() {
        withVars("pkt08", vars -> {
            assertEquals(6373, vars.encodedSize());
            assertTrue(vars.get("HTTP_COOKIE").length() >= 6000);
        });
    }

    @Test
    void rawUtf8HeaderValueDecodesWithGetUtf8() {
        withVars("pkt13", vars -> {
            assertEquals("caf\u00e9", vars.getUtf8("HTTP_X_NAME"));
            assertEquals("caf\u00c3\u00a9", vars.get("HTTP_X_NAME"), "latin1 keeps the raw bytes");
        });
    }

    @Test
    void pathInfoIsPercentDecodedAndRequestUriIsRaw() {
        withVars("pkt02", vars -> {
            assertEquals("/search/caf\u00e9", vars.getUtf8(StandardVars.PATH_INFO));
            assertEquals("/search/caf%C3%A9?q=a%20b&x=1&x=2", vars.get(StandardVars.REQUEST_URI));
            assertEquals("q=a%20b&x=1&x=2", vars.get(StandardVars.QUERY_STRING));
            assertEquals("127.0.0.1", vars.get(StandardVars.HTTP_HOST));
        });
    }

    private static void withVars(String packet, java.util.function.Consumer<UwsgiVars> check) {
        byte[] bytes = NginxPacket.named(packet).bytes();
        int datasize = (bytes[1] & 0xFF) | (bytes[2] & 0xFF) << 8;
        UwsgiVars vars = UwsgiVars.parse(ByteBufAllocator.DEFAULT.directBuffer().writeBytes(bytes, 4, datasize));
        try {
            check.accept(vars);
        } finally {
            assertTrue(vars.release());
        }
    }
}
