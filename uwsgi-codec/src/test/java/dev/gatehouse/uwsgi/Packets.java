package dev.gatehouse.uwsgi;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** Hand-built uwsgi bytes for tests, written field by field so that malformed ones are easy too. */
final class Packets {

    private Packets() {
    }

    static byte[] latin1(String text) {
        return text.getBytes(StandardCharsets.ISO_8859_1);
    }

    static byte[] u16le(int value) {
        return new byte[] {(byte) value, (byte) (value >>> 8)};
    }

    /** One well-formed vars entry. */
    static byte[] entry(String key, String value) {
        return entry(latin1(key), latin1(value));
    }

    static byte[] entry(byte[] key, byte[] value) {
        return concat(u16le(key.length), key, u16le(value.length), value);
    }

    /** A vars block from alternating keys and values. */
    static byte[] block(String... keysAndValues) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            out.writeBytes(entry(keysAndValues[i], keysAndValues[i + 1]));
        }
        return out.toByteArray();
    }

    static byte[] header(int modifier1, int datasize, int modifier2) {
        return new byte[] {(byte) modifier1, (byte) datasize, (byte) (datasize >>> 8), (byte) modifier2};
    }

    /** Header with the block's size, the block, then the body. */
    static byte[] packet(int modifier1, int modifier2, byte[] block, byte[] body) {
        return concat(header(modifier1, block.length, modifier2), block, body);
    }

    static byte[] packet(byte[] block, byte[] body) {
        return packet(0, 0, block, body);
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }
}
