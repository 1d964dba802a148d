package dev.gatehouse.bench.codec;

import io.netty.buffer.ByteBuf;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * The baseline: what a straightforward uwsgi decoder does, building a {@code HashMap} of every
 * var as {@code String}s before anyone asks for one (as uWSGI's JWSGI plugin hands the app a
 * {@code HashMap} environ). Repeated keys keep the last value, as a map would.
 */
final class NaiveHashMapDecoder {

    private NaiveHashMapDecoder() {
    }

    /** Decodes the vars block of the packet at {@code packet}'s reader index; no validation beyond bounds. */
    static Map<String, String> decodeVars(ByteBuf packet) {
        int start = packet.readerIndex();
        int datasize = packet.getUnsignedShortLE(start + 1);
        int pos = start + 4;
        int end = pos + datasize;
        Map<String, String> vars = new HashMap<>();
        while (pos < end) {
            int keyLength = packet.getUnsignedShortLE(pos);
            String key = packet.toString(pos + 2, keyLength, StandardCharsets.ISO_8859_1);
            pos += 2 + keyLength;
            int valueLength = packet.getUnsignedShortLE(pos);
            String value = packet.toString(pos + 2, valueLength, StandardCharsets.ISO_8859_1);
            pos += 2 + valueLength;
            vars.put(key, value);
        }
        return vars;
    }
}
