package dev.gatehouse.uwsgi;

import static dev.gatehouse.uwsgi.Packets.block;
import static dev.gatehouse.uwsgi.Packets.concat;
import static dev.gatehouse.uwsgi.Packets.latin1;
import static dev.gatehouse.uwsgi.Packets.packet;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(NoLeaks.class)
class DecodeWholeTest {

    private static final byte[] GET = block("REQUEST_METHOD", "GET", "CONTENT_LENGTH", "");
    private static final byte[] POST5 = block("REQUEST_METHOD", "POST", "CONTENT_LENGTH", "5");

    private static ByteBuf direct(byte[] bytes) {
        return ByteBufAllocator.DEFAULT.directBuffer(Math.max(1, bytes.length)).writeBytes(bytes);
    }

    private static UwsgiRequest decode(ByteBuf in) {
        return UwsgiRequestDecoder.decodeWhole(in, UwsgiDecoderConfig.defaults(), ByteBufAllocator.DEFAULT);
    }

    @Test
    void wholeBodylessPacketIsDecodedWithItsVarsOnTheHeap() {
        ByteBuf in = direct(packet(0, 0, GET, new byte[0]));
        UwsgiRequest request = decode(in);
        try {
            assertEquals("GET", request.vars().get("REQUEST_METHOD"));
            assertEquals(0, request.contentLength());
            assertFalse(request.vars().content().isDirect(), "vars copied to the heap, as the decoder does");
            assertFalse(in.isReadable());
        } finally {
            request.release();
            in.release();
        }
    }

    @Test
    void bodyIsLeftReadableAfterTheVars() {
        ByteBuf in = direct(packet(8, 0, POST5, latin1("hello")));
        UwsgiRequest request = decode(in);
        try {
            assertEquals(8, request.modifier1());
            assertEquals(5, request.contentLength());
            assertEquals("hello", in.toString(StandardCharsets.ISO_8859_1));
        } finally {
            request.release();
            in.release();
        }
    }

    @Test
    void anythingButExactlyOneWholeAcceptedPacketIsLeftUntouched() {
        byte[] whole = packet(0, 0, POST5, latin1("hello"));
        byte[][] notWhole = {
            new byte[] {0, 1},                                               // header incomplete
            java.util.Arrays.copyOf(whole, whole.length - 1),               // body incomplete
            java.util.Arrays.copyOf(whole, 4 + POST5.length - 1),           // vars incomplete
            concat(whole, new byte[] {0}),                                   // bytes past the body
            packet(9, 0, GET, new byte[0]),                                  // refused modifier
            packet(0, 0, block("CONTENT_LENGTH", "x"), new byte[0]),         // bad CONTENT_LENGTH
            concat(new byte[] {0, 3, 0, 0}, new byte[] {0, 0, 0}),           // malformed vars block
        };
        for (byte[] bytes : notWhole) {
            ByteBuf in = direct(bytes);
            try {
                assertNull(decode(in), ByteBufUtil.hexDump(bytes));
                assertEquals(0, in.readerIndex());
                assertEquals(bytes.length, in.readableBytes());
            } finally {
                in.release();
            }
        }
    }

    @Test
    void varsBlockPastTheConfiguredLimitIsLeftToTheDecoder() {
        byte[] bytes = packet(0, 0, GET, new byte[0]);
        ByteBuf in = Unpooled.wrappedBuffer(bytes);
        try {
            assertNull(UwsgiRequestDecoder.decodeWhole(in, UwsgiDecoderConfig.defaults().withMaxVarsSize(GET.length - 1),
                    ByteBufAllocator.DEFAULT));
            assertEquals(0, in.readerIndex());
        } finally {
            in.release();
        }
    }
}
