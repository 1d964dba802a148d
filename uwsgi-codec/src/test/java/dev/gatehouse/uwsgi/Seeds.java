package dev.gatehouse.uwsgi;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Reproducible randomness for the randomized tests: each try gets its own seed, printed in any
 * failure, and {@code -Dgatehouse.test.seed=N} replays exactly that try.
 */
final class Seeds {

    private static final long BASE = Long.getLong("gatehouse.test.seed", 0x6A7E_4005_E5EEDL);

    private Seeds() {
    }

    interface Try {
        void run(Random random) throws Throwable;
    }

    static void forEachTry(int tries, Try body) {
        boolean replay = System.getProperty("gatehouse.test.seed") != null;
        Random seeds = new Random(BASE);
        for (int i = 0; i < (replay ? 1 : tries); i++) {
            long seed = replay ? BASE : seeds.nextLong();
            try {
                body.run(new Random(seed));
            } catch (Throwable t) {
                throw new AssertionError("try " + i + " failed; replay with -Dgatehouse.test.seed=" + seed, t);
            }
        }
    }

    static byte[] bytes(Random random, int length) {
        byte[] bytes = new byte[length];
        random.nextBytes(bytes);
        return bytes;
    }

    /** Cuts {@code bytes} into 1..6 writes at random points (empty writes included). */
    static List<byte[]> randomWrites(Random random, byte[] bytes) {
        int cuts = random.nextInt(6);
        int[] points = new int[cuts + 2];
        for (int i = 1; i <= cuts; i++) {
            points[i] = random.nextInt(bytes.length + 1);
        }
        points[cuts + 1] = bytes.length;
        Arrays.sort(points);
        List<byte[]> writes = new ArrayList<>();
        for (int i = 0; i + 1 < points.length; i++) {
            writes.add(Arrays.copyOfRange(bytes, points[i], points[i + 1]));
        }
        return writes;
    }
}
