package dev.gatehouse.uwsgi;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Random bytes and random damage to the real nginx packets: the decoder raises nothing but
 * {@link UwsgiProtocolException}, at most once per connection, and always finishes promptly.
 */
@ExtendWith(NoLeaks.class)
class DecoderRobustnessTest {

    static final Duration BOUND = Duration.ofSeconds(60);

    static UwsgiDecoderConfig randomConfig(Random random) {
        UwsgiDecoderConfig config = UwsgiDecoderConfig.defaults().withMaxChunkSize(1 + random.nextInt(2048))
                .withCopyVarsToHeap(random.nextBoolean());
        if (random.nextBoolean()) {
            // Let random headers past the modifier check so the vars and body states get exercised.
            config = config.withModifierRule(UwsgiDecoderConfig.ModifierRule.any());
        }
        if (random.nextInt(4) == 0) {
            config = config.withMaxVarsSize(1 + random.nextInt(65536));
        }
        return config;
    }

    /** Checks the outcome and names it, so a test can show that random input reached every state. */
    static String classify(DecoderHarness.Outcome outcome) {
        Throwable error = outcome.error();
        if (error == null) {
            assertEquals(false, outcome.incomplete(), "a request without its last chunk needs an error at close");
            return outcome.requests().isEmpty() ? "nothing" : "decoded";
        }
        if (error.getClass() != UwsgiProtocolException.class) {
            throw new AssertionError("decoder raised " + error.getClass().getName(), error);
        }
        String message = error.getMessage();
        for (String kind : KINDS) {
            if (message.startsWith(kind)) {
                return kind;
            }
        }
        throw new AssertionError("unclassified protocol error: " + message);
    }

    static final List<String> KINDS = List.of("refused uwsgi packet", "uwsgi vars block of", "malformed uwsgi vars",
            "CONTENT_LENGTH", "conflicting CONTENT_LENGTH", "connection closed after", "connection closed with");

    @Test
    void randomBytesRaiseOnlyProtocolErrors() {
        Map<String, Integer> seen = new TreeMap<>();
        assertTimeoutPreemptively(BOUND, () -> Seeds.forEachTry(3000, random -> {
            byte[] input = Seeds.bytes(random, random.nextInt(400));
            if (input.length >= 4 && random.nextBoolean()) {
                // A small datasize makes it likely that the vars parser, not the header check, sees the bytes.
                input[1] = (byte) random.nextInt(input.length);
                input[2] = 0;
            }
            seen.merge(classify(DecoderHarness.decode(randomConfig(random), Seeds.randomWrites(random, input))), 1,
                    Integer::sum);
        }));
        for (String kind : List.of("refused uwsgi packet", "uwsgi vars block of", "malformed uwsgi vars",
                "connection closed after")) {
            assertTrue(seen.getOrDefault(kind, 0) > 0, "random input never ended in '" + kind + "': " + seen);
        }
    }

    @Test
    void damagedNginxPacketsRaiseOnlyProtocolErrors() {
        var packets = NginxPacket.all();
        Map<String, Integer> seen = new TreeMap<>();
        assertTimeoutPreemptively(BOUND, () -> Seeds.forEachTry(3000, random -> {
            byte[] original = packets.get(random.nextInt(packets.size())).bytes();
            byte[] damaged = damage(random, original);
            seen.merge(classify(DecoderHarness.decode(randomConfig(random), Seeds.randomWrites(random, damaged))), 1,
                    Integer::sum);
        }));
        for (String kind : List.of("decoded", "refused uwsgi packet", "malformed uwsgi vars", "CONTENT_LENGTH",
                "connection closed after", "connection closed with")) {
            assertTrue(seen.getOrDefault(kind, 0) > 0, "damaged packets never ended in '" + kind + "': " + seen);
        }
    }

    /** One to four kinds of damage: bit flips, random bytes, extreme u16 lengths, cuts, insertions, repeats. */
    static byte[] damage(Random random, byte[] original) {
        byte[] bytes = original.clone();
        for (int round = 1 + random.nextInt(4); round > 0; round--) {
            int at = random.nextInt(Math.max(bytes.length, 1));
            switch (random.nextInt(6)) {
                case 0 -> {
                    if (bytes.length > 0) {
                        bytes[at] ^= (byte) (1 << random.nextInt(8));
                    }
                }
                case 1 -> {
                    if (bytes.length > 0) {
                        bytes[at] = (byte) random.nextInt(256);
                    }
                }
                case 2 -> {
                    if (at + 1 < bytes.length) {
                        int value = new int[] {0, 1, 0xFFFF, 0x7FFF, 0x0100}[random.nextInt(5)];
                        bytes[at] = (byte) value;
                        bytes[at + 1] = (byte) (value >>> 8);
                    }
                }
                case 3 -> bytes = Arrays.copyOf(bytes, at);
                case 4 -> {
                    byte[] inserted = Seeds.bytes(random, 1 + random.nextInt(16));
                    bytes = Packets.concat(Arrays.copyOf(bytes, at), inserted,
                            Arrays.copyOfRange(bytes, at, bytes.length));
                }
                default -> bytes = Packets.concat(bytes, Arrays.copyOf(original, random.nextInt(original.length)));
            }
        }
        return bytes;
    }
}
