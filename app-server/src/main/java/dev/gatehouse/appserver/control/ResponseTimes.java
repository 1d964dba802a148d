package dev.gatehouse.appserver.control;

import java.util.Arrays;
import java.util.concurrent.atomic.LongAdder;

/**
 * A histogram of response times on a log scale, four buckets per power of two of microseconds
 * (each bucket at most 25% wide): small enough to ride in every heartbeat, fine enough for the
 * p95 the sizing advice quotes. Instances are immutable counts; a worker records into a
 * {@link Recorder}, the master subtracts two heartbeats' counts to get one interval's.
 */
public final class ResponseTimes {

    /** The last bucket starts near two hours (7 x 2^30 microseconds) and holds everything longer. */
    static final int BUCKETS = 128;

    /** No responses. */
    public static final ResponseTimes EMPTY = new ResponseTimes(new long[BUCKETS]);

    private final long[] counts;

    private ResponseTimes(long[] counts) {
        this.counts = counts;
    }

    /** The bucket a response time falls in. */
    static int bucket(long micros) {
        if (micros < 4) {
            return (int) Math.max(micros, 0);
        }
        int octave = 63 - Long.numberOfLeadingZeros(micros);
        int quarter = (int) (micros >>> (octave - 2)) & 3;
        return Math.min(BUCKETS - 1, 4 * (octave - 1) + quarter);
    }

    /** The smallest response time, in microseconds, that falls in a bucket. */
    static long lowerBound(int bucket) {
        if (bucket < 4) {
            return bucket;
        }
        int octave = bucket / 4 + 1;
        return (1L << octave) + (long) (bucket % 4) * (1L << (octave - 2));
    }

    /** Responses counted. */
    public long count() {
        long n = 0;
        for (long c : counts) {
            n += c;
        }
        return n;
    }

    /**
     * The response time at or below which a fraction {@code q} of the responses fall, in
     * microseconds: the upper end of the bucket the quantile lands in (an overestimate of at
     * most 25%); 0 when there are none.
     */
    public long quantileMicros(double q) {
        long total = count();
        if (total == 0) {
            return 0;
        }
        long rank = (long) Math.ceil(q * total);
        long seen = 0;
        for (int i = 0; i < BUCKETS; i++) {
            seen += counts[i];
            if (seen >= rank && counts[i] > 0) {
                return i + 1 < BUCKETS ? lowerBound(i + 1) : lowerBound(i);
            }
        }
        return lowerBound(BUCKETS - 1);
    }

    /** The counts of this minus an earlier snapshot of the same recorder; a bucket never goes below 0. */
    public ResponseTimes minus(ResponseTimes earlier) {
        long[] d = new long[BUCKETS];
        for (int i = 0; i < BUCKETS; i++) {
            d[i] = Math.max(0, counts[i] - earlier.counts[i]);
        }
        return new ResponseTimes(d);
    }

    /** The counts of both together. */
    public ResponseTimes plus(ResponseTimes other) {
        long[] s = new long[BUCKETS];
        for (int i = 0; i < BUCKETS; i++) {
            s[i] = counts[i] + other.counts[i];
        }
        return new ResponseTimes(s);
    }

    /** The wire form: {@code bucket:count} for each non-empty bucket, comma-separated; {@code -} when empty. */
    public String encode() {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < BUCKETS; i++) {
            if (counts[i] != 0) {
                if (!sb.isEmpty()) {
                    sb.append(',');
                }
                sb.append(i).append(':').append(counts[i]);
            }
        }
        return sb.isEmpty() ? "-" : sb.toString();
    }

    /**
     * Reads the form {@link #encode} writes.
     *
     * @throws IllegalArgumentException when it is not that form
     */
    public static ResponseTimes parse(String s) {
        if (s.equals("-")) {
            return EMPTY;
        }
        long[] counts = new long[BUCKETS];
        for (String pair : s.split(",")) {
            int colon = pair.indexOf(':');
            if (colon < 0) {
                throw new IllegalArgumentException("response time bucket without ':': " + pair);
            }
            int bucket;
            long count;
            try {
                bucket = Integer.parseInt(pair, 0, colon, 10);
                count = Long.parseLong(pair, colon + 1, pair.length(), 10);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("response time bucket with a bad number: " + pair, e);
            }
            if (bucket < 0 || bucket >= BUCKETS || count < 0) {
                throw new IllegalArgumentException("response time bucket out of range: " + pair);
            }
            counts[bucket] = count;
        }
        return new ResponseTimes(counts);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ResponseTimes r && Arrays.equals(counts, r.counts);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(counts);
    }

    @Override
    public String toString() {
        return "ResponseTimes[" + encode() + "]";
    }

    /**
     * Where a worker counts its response times: one adder per bucket, so that requests ending on
     * several threads at once do not contend on one counter.
     */
    public static final class Recorder {

        private final LongAdder[] counts = new LongAdder[BUCKETS];

        /** An empty recorder. */
        public Recorder() {
            for (int i = 0; i < BUCKETS; i++) {
                counts[i] = new LongAdder();
            }
        }

        /** Counts one response that took {@code nanos}. */
        public void record(long nanos) {
            counts[bucket(nanos / 1000)].increment();
        }

        /** The counts so far. */
        public ResponseTimes snapshot() {
            long[] c = new long[BUCKETS];
            for (int i = 0; i < BUCKETS; i++) {
                c[i] = counts[i].sum();
            }
            return new ResponseTimes(c);
        }
    }
}
