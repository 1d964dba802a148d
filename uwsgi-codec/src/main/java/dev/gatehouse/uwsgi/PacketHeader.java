package dev.gatehouse.uwsgi;

import io.netty.buffer.ByteBuf;

/**
 * The 4-byte uwsgi packet header: {@code modifier1} (u8), {@code datasize} (u16 little-endian,
 * the vars block only, never the body), {@code modifier2} (u8). nginx writes the size low byte
 * first ({@code ngx_http_uwsgi_create_request}); uWSGI swaps it only on big-endian hosts.
 */
final class PacketHeader {

    static final int SIZE = 4;
    static final int MODIFIER1_OFFSET = 0;
    static final int DATASIZE_OFFSET = 1;
    static final int MODIFIER2_OFFSET = 3;

    private PacketHeader() {
    }

    static void write(ByteBuf out, int modifier1, int datasize, int modifier2) {
        out.writeByte(modifier1);
        out.writeShortLE(datasize);
        out.writeByte(modifier2);
    }

    static void checkModifier(String name, int value) {
        if (value < 0 || value > 0xFF) {
            throw new IllegalArgumentException(name + " is a u8 (0..255), got " + value);
        }
    }
}
