package dev.gatehouse.bench.codec;

import dev.gatehouse.uwsgi.StandardVars;
import dev.gatehouse.uwsgi.UwsgiVars;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;

/**
 * A cross-check for {@link CodecBenchmark} on a shared, busy machine: the same decode-and-five-
 * lookups against the naive HashMap decoder, in alternating rounds, timed by this thread's CPU
 * time rather than the wall clock, so time spent descheduled by other processes does not count.
 * Run: {@code java -cp bench/target/benchmarks.jar dev.gatehouse.bench.codec.CpuTimeComparison}.
 */
public final class CpuTimeComparison {

    private static final int ROUNDS = 40;
    private static final int OPS_PER_ROUND = 200_000;

    /** Written to so that the JIT cannot drop the Strings being measured. */
    private static final Object[] SINK = new Object[8];

    private CpuTimeComparison() {
    }

    public static void main(String[] args) {
        byte[] bytes = CodecBenchmark.loadPacket();
        for (String memory : new String[] {"heap", "direct"}) {
            ByteBuf packet = "direct".equals(memory) ? PooledByteBufAllocator.DEFAULT.directBuffer(bytes.length)
                    : PooledByteBufAllocator.DEFAULT.heapBuffer(bytes.length);
            packet.writeBytes(bytes);
            try {
                compare(memory, packet);
            } finally {
                packet.release();
            }
        }
    }

    private static void compare(String memory, ByteBuf packet) {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        double[] gatehouse = new double[ROUNDS];
        double[] naive = new double[ROUNDS];
        for (int warm = 0; warm < 5; warm++) {
            gatehouseRound(packet);
            naiveRound(packet);
        }
        for (int r = 0; r < ROUNDS; r++) {
            long t0 = threads.getCurrentThreadCpuTime();
            gatehouseRound(packet);
            long t1 = threads.getCurrentThreadCpuTime();
            naiveRound(packet);
            long t2 = threads.getCurrentThreadCpuTime();
            gatehouse[r] = (t1 - t0) / (double) OPS_PER_ROUND;
            naive[r] = (t2 - t1) / (double) OPS_PER_ROUND;
        }
        Arrays.sort(gatehouse);
        Arrays.sort(naive);
        double g = gatehouse[ROUNDS / 2];
        double n = naive[ROUNDS / 2];
        System.out.printf(Locale.ROOT, "%-6s gatehouse %.0f ns/op (min %.0f), naive HashMap %.0f ns/op (min %.0f),"
                + " speed-up %.1fx (median CPU time per op, %d rounds)%n", memory, g, gatehouse[0], n, naive[0], n / g,
                ROUNDS);
    }

    private static void gatehouseRound(ByteBuf packet) {
        for (int i = 0; i < OPS_PER_ROUND; i++) {
            int datasize = packet.getUnsignedShortLE(1);
            ByteBuf block = packet.hasArray() ? packet.retainedSlice(4, datasize)
                    : PooledByteBufAllocator.DEFAULT.heapBuffer(datasize, datasize).writeBytes(packet, 4, datasize);
            UwsgiVars vars = UwsgiVars.parse(block);
            try {
                SINK[0] = vars.get(StandardVars.REQUEST_METHOD);
                SINK[1] = vars.get(StandardVars.PATH_INFO);
                SINK[2] = vars.get(StandardVars.QUERY_STRING);
                SINK[3] = vars.get(StandardVars.HTTP_HOST);
                SINK[4] = vars.contentLength();
            } finally {
                vars.release();
            }
        }
    }

    private static void naiveRound(ByteBuf packet) {
        for (int i = 0; i < OPS_PER_ROUND; i++) {
            Map<String, String> vars = NaiveHashMapDecoder.decodeVars(packet);
            SINK[0] = vars.get("REQUEST_METHOD");
            SINK[1] = vars.get("PATH_INFO");
            SINK[2] = vars.get("QUERY_STRING");
            SINK[3] = vars.get("HTTP_HOST");
            String contentLength = vars.get("CONTENT_LENGTH");
            SINK[4] = contentLength == null || contentLength.isEmpty() ? 0L : Long.parseLong(contentLength);
        }
    }
}
