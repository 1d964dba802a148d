package dev.gatehouse.uwsgi;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Random var lists (empty values, repeated keys, binary bytes, long keys and values up to the
 * limits) go through builder, packet and decoder, in random writes, and come back unchanged.
 */
@ExtendWith(NoLeaks.class)
class RandomizedRoundTripTest {

    record Var(byte[] key, byte[] value) {
        NginxPacket.Var asLatin1() {
            return new NginxPacket.Var(new String(key, StandardCharsets.ISO_8859_1),
                    new String(value, StandardCharsets.ISO_8859_1));
        }
    }

    static byte[] randomKey(Random random, List<Var> earlier) {
        if (!earlier.isEmpty() && random.nextInt(4) == 0) {
            return earlier.get(random.nextInt(earlier.size())).key(); // a repeat, as nginx 1.22 sends
        }
        int length = switch (random.nextInt(10)) {
            case 0 -> 1 + random.nextInt(4000);
            case 1 -> 1;
            default -> 1 + random.nextInt(24);
        };
        return Seeds.bytes(random, length);
    }

    static byte[] randomValue(Random random) {
        int length = switch (random.nextInt(10)) {
            case 0, 1 -> 0;
            case 2 -> random.nextInt(20000);
            default -> random.nextInt(64);
        };
        return Seeds.bytes(random, length);
    }

    /** Adds random vars until the builder refuses one, checking the refusal leaves it unchanged. */
    static List<Var> fill(Random random, UwsgiVarsBuilder builder, int wanted) {
        List<Var> vars = new ArrayList<>();
        while (vars.size() < wanted) {
            Var var = new Var(randomKey(random, vars), randomValue(random));
            int fits = UwsgiVars.MAX_BLOCK_SIZE - builder.size();
            if (4 + var.key().length + var.value().length > fits) {
                int before = builder.size();
                assertThrows(UwsgiVarsTooLargeException.class, () -> builder.add(var.key(), var.value()));
                assertEquals(before, builder.size());
                break;
            }
            builder.add(var.key(), var.value());
            vars.add(var);
        }
        return vars;
    }

    static byte[] packet(Random random, UwsgiVarsBuilder builder, byte[] body) {
        ByteBuf out = ByteBufAllocator.DEFAULT.buffer();
        try {
            out.writeByte(random.nextBoolean() ? 0 : 8).writeShortLE(builder.size()).writeByte(0);
            builder.encodeTo(out);
            out.writeBytes(body);
            return ByteBufUtil.getBytes(out);
        } finally {
            out.release();
        }
    }

    @Test
    void randomVarListsSurviveBuilderAndDecoderInAnySplit() {
        Seeds.forEachTry(400, random -> {
            UwsgiVarsBuilder builder = UwsgiVars.builder();
            List<Var> vars = fill(random, builder, random.nextInt(40));
            byte[] body = random.nextInt(3) == 0 ? Seeds.bytes(random, random.nextInt(3000)) : new byte[0];
            if (body.length > 0 || random.nextBoolean()) {
                String length = body.length == 0 && random.nextBoolean() ? "" : Integer.toString(body.length);
                if (builder.size() + 4 + 14 + length.length() <= UwsgiVars.MAX_BLOCK_SIZE) {
                    builder.add(StandardVars.CONTENT_LENGTH, length);
                    vars.add(new Var(StandardVars.CONTENT_LENGTH.bytes(), length.getBytes(StandardCharsets.US_ASCII)));
                } else {
                    body = new byte[0];
                }
            }
            byte[] packet = packet(random, builder, body);
            DecoderHarness.DecodedRequest decoded = DecoderHarness.decode(UwsgiDecoderConfig.defaults()
                    .withMaxChunkSize(1 + random.nextInt(4096)).withCopyVarsToHeap(random.nextBoolean()),
                    Seeds.randomWrites(random, packet)).only();
            assertEquals(vars.stream().map(Var::asLatin1).toList(), decoded.vars());
            assertEquals(builder.size(), decoded.datasize());
            assertArrayEquals(body, decoded.body());
        });
    }

    @Test
    void blocksFilledToTheLimitRoundTrip() {
        Seeds.forEachTry(40, random -> {
            UwsgiVarsBuilder builder = UwsgiVars.builder();
            List<Var> vars = fill(random, builder, Integer.MAX_VALUE);
            int room = UwsgiVars.MAX_BLOCK_SIZE - builder.size();
            if (room >= 5) {
                // Top up to exactly 65535 bytes with one more var.
                int keyLength = 1 + random.nextInt(room - 4);
                Var last = new Var(Seeds.bytes(random, keyLength), Seeds.bytes(random, room - 4 - keyLength));
                builder.add(last.key(), last.value());
                vars.add(last);
                assertEquals(UwsgiVars.MAX_BLOCK_SIZE, builder.size());
                assertThrows(UwsgiVarsTooLargeException.class, () -> builder.add(new byte[] {'K'}, new byte[0]));
            }
            DecoderHarness.DecodedRequest decoded = DecoderHarness.decode(UwsgiDecoderConfig.defaults(),
                    Seeds.randomWrites(random, packet(random, builder, new byte[0]))).only();
            assertEquals(vars.stream().map(Var::asLatin1).toList(), decoded.vars());
        });
    }

    @Test
    void builtVarsViewMatchesWhatWasAdded() {
        Seeds.forEachTry(300, random -> {
            UwsgiVarsBuilder builder = UwsgiVars.builder();
            List<Var> vars = fill(random, builder, random.nextInt(30));
            UwsgiVars view = builder.build();
            try {
                assertEquals(vars.size(), view.size());
                for (int i = 0; i < vars.size(); i++) {
                    Var var = vars.get(i);
                    assertArrayEquals(var.value(), ByteBufUtil.getBytes(view.valueSlice(i)));
                    String key = new String(var.key(), StandardCharsets.ISO_8859_1);
                    int first = view.indexOf(key);
                    assertEquals(firstIndexOf(vars, var.key()), first);
                    assertEquals(first, view.indexOf(VarKey.of(key)));
                }
                assertNull(view.get("\u0100"));
            } finally {
                view.release();
            }
        });
    }

    private static int firstIndexOf(List<Var> vars, byte[] key) {
        for (int i = 0; i < vars.size(); i++) {
            if (java.util.Arrays.equals(vars.get(i).key(), key)) {
                return i;
            }
        }
        return -1;
    }
}
