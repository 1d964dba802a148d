package dev.gatehouse.demo;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;

/**
 * CPU-bound work of a known cost, for sizing tests and benchmarks: it computes until its thread
 * has used the asked CPU time, so a busy machine makes it take longer on the clock, as real
 * CPU-bound work does, rather than burn less.
 */
final class Spin {

    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private Spin() {
    }

    /**
     * Computes for {@code millis} of this thread's CPU time (of wall time where the JVM cannot
     * tell a thread's CPU time, as on a virtual thread).
     *
     * @return the result of the computation, so that the JIT cannot drop it
     */
    static long forCpuMillis(long millis) {
        long budget = millis * 1_000_000;
        boolean cpuClock = THREADS.isCurrentThreadCpuTimeSupported() && THREADS.getCurrentThreadCpuTime() >= 0;
        long start = cpuClock ? THREADS.getCurrentThreadCpuTime() : System.nanoTime();
        long x = 1;
        while (true) {
            for (int i = 0; i < 10_000; i++) {
                x = x * 6364136223846793005L + 1442695040888963407L;
            }
            long now = cpuClock ? THREADS.getCurrentThreadCpuTime() : System.nanoTime();
            if (now - start >= budget) {
                return x;
            }
        }
    }
}
