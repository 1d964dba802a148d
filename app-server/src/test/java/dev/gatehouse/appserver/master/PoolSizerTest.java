package dev.gatehouse.appserver.master;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gatehouse.appserver.control.ResponseTimes;
import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.Test;

class PoolSizerTest {

    private static final long MIB = 1024 * 1024;

    /** One second of load. */
    private static LoadSample second(int workers, double inFlight, long rejected, long queue, double cpuCores,
            double runQueue, long rssPerWorker) {
        return new LoadSample(1.0, workers, 100, (long) (inFlight * 1e6), rejected, (long) (cpuCores * 1e9),
                (long) (cpuCores * 1e9), (long) (runQueue * 1e9), ResponseTimes.EMPTY, inFlight, inFlight / Math.max(1, workers), queue,
                rssPerWorker * workers, rssPerWorker * workers / 2, rssPerWorker);
    }

    private static LoadSample busy(int workers, double inFlight) {
        return second(workers, inFlight, 0, 0, 0.2, 0, 100 * MIB);
    }

    private static PoolSizer sizer(int min, int max, int slots) {
        return new PoolSizer(new PoolSizer.Limits(min, max, 0, Duration.ofSeconds(2), Duration.ofSeconds(10),
                Duration.ofSeconds(3), slots, 2));
    }

    @Test
    void growsOnceItsSlotsWereBusyForScaleUpAfter() {
        PoolSizer s = sizer(1, 8, 1);
        s.next(busy(2, 0), 2, true);
        s.next(busy(2, 0), 2, true);
        s.next(busy(2, 0), 2, true);
        assertEquals(new PoolSizer.Decision.Hold(PoolSizer.Limit.NONE, null), s.next(busy(2, 1.9), 2, true),
                "one saturated second is not yet scale_up_after");
        PoolSizer.Decision d = s.next(busy(2, 1.95), 2, true);
        PoolSizer.Decision.Grow g = assertInstanceOf(PoolSizer.Decision.Grow.class, d);
        assertEquals(3, g.to(), "1.9 busy wants ceil(1.9 / 0.7) = 3");
        assertEquals("1.9/2 workers busy for 2.0 s", g.why());
    }

    @Test
    void growsByWhatTheQueueWantsButAtMostDoubles() {
        PoolSizer s = sizer(1, 16, 1);
        for (int i = 0; i < 3; i++) {
            s.next(busy(2, 0), 2, true);
        }
        s.next(second(2, 2, 0, 30, 0.2, 0, 100 * MIB), 2, true);
        PoolSizer.Decision.Grow g = assertInstanceOf(PoolSizer.Decision.Grow.class,
                s.next(second(2, 2, 0, 40, 0.2, 0, 100 * MIB), 2, true));
        assertEquals(4, g.to());
        assertEquals("2.0/2 workers busy, listen queue at least 30 for 2.0 s", g.why());
    }

    @Test
    void waitsScaleIntervalAfterAChangeTookEffect() {
        PoolSizer s = sizer(1, 8, 1);
        s.next(busy(1, 0), 1, true);
        s.next(busy(1, 0), 1, true);
        s.next(busy(1, 0), 1, true);
        s.next(busy(1, 1), 1, true);
        assertInstanceOf(PoolSizer.Decision.Grow.class, s.next(busy(1, 1), 1, true));
        // The new worker is starting: nothing counts.
        for (int i = 0; i < 5; i++) {
            assertEquals(PoolSizer.Limit.NONE, ((PoolSizer.Decision.Hold) s.next(busy(1, 1), 2, false)).limit());
        }
        assertInstanceOf(PoolSizer.Decision.Hold.class, s.next(busy(2, 2), 2, true));
        assertInstanceOf(PoolSizer.Decision.Hold.class, s.next(busy(2, 2), 2, true), "saturated 2 s, but 3 s interval");
        assertInstanceOf(PoolSizer.Decision.Grow.class, s.next(busy(2, 2), 2, true));
    }

    @Test
    void shedRequestsAloneMakeItGrow() {
        PoolSizer s = sizer(1, 8, 100);
        for (int i = 0; i < 3; i++) {
            s.next(busy(1, 5), 1, true);
        }
        s.next(second(1, 5, 12, 0, 0.2, 0, 100 * MIB), 1, true);
        PoolSizer.Decision.Grow g = assertInstanceOf(PoolSizer.Decision.Grow.class,
                s.next(second(1, 5, 3, 0, 0.2, 0, 100 * MIB), 1, true));
        assertEquals(2, g.to());
        assertEquals("15 request(s) shed with 503 (max_concurrency) for 2.0 s", g.why());
    }

    @Test
    void withoutASlotLimitOnlyALastingQueueCounts() {
        PoolSizer s = sizer(1, 8, 0);
        PoolSizer.Decision d = null;
        for (int i = 0; i < 4 && !(d instanceof PoolSizer.Decision.Grow); i++) {
            d = s.next(second(1, 50, 0, 10, 0.2, 0, 100 * MIB), 1, true);
        }
        PoolSizer.Decision.Grow g = assertInstanceOf(PoolSizer.Decision.Grow.class, d);
        assertEquals(2, g.to(), "without slots, one at a time");
        assertEquals("listen queue at least 10 for 2.0 s", g.why());
        PoolSizer t = sizer(1, 8, 0);
        for (int i = 0; i < 6; i++) {
            // A queue that was empty every other second did not last.
            assertInstanceOf(PoolSizer.Decision.Hold.class,
                    t.next(second(1, 50, 0, i % 2 == 0 ? 10 : 0, 0.2, 0, 100 * MIB), 1, true));
        }
    }

    @Test
    void holdsAtWorkersMaxAndSaysSo() {
        PoolSizer s = sizer(1, 2, 1);
        PoolSizer.Decision d = null;
        for (int i = 0; i < 4; i++) {
            d = s.next(busy(2, 2), 2, true);
        }
        PoolSizer.Decision.Hold h = assertInstanceOf(PoolSizer.Decision.Hold.class, d);
        assertEquals(PoolSizer.Limit.WORKERS_MAX, h.limit());
        assertEquals("2.0/2 workers busy for 2.0 s; at workers_max 2", h.why());
    }

    @Test
    void doesNotGrowWhenTheCpuIsTheLimit() {
        PoolSizer s = sizer(1, 8, 1);
        PoolSizer.Decision d = null;
        for (int i = 0; i < 4; i++) {
            d = s.next(second(2, 2, 0, 0, 1.9, 0, 100 * MIB), 2, true);
        }
        assertEquals(PoolSizer.Limit.CPU, assertInstanceOf(PoolSizer.Decision.Hold.class, d).limit());
        PoolSizer waiting = sizer(1, 8, 1);
        for (int i = 0; i < 4; i++) {
            // Another process holds a core: the requests spend their time on the CPU or waiting
            // for it, which another worker would not fix.
            d = waiting.next(second(2, 2, 0, 0, 1.2, 0.7, 100 * MIB), 2, true);
        }
        PoolSizer.Decision.Hold h = assertInstanceOf(PoolSizer.Decision.Hold.class, d);
        assertEquals(PoolSizer.Limit.CPU, h.limit());
        assertTrue(h.why().contains("1.2 of 2 cores busy, 95% of the requests' time on a CPU or waiting for one"),
                h.why());
    }

    @Test
    void memoryCeilingStopsGrowthThenRecyclesTheLargest() {
        PoolSizer s = new PoolSizer(new PoolSizer.Limits(1, 8, 1000 * MIB, Duration.ofSeconds(2), Duration.ofSeconds(10),
                Duration.ofSeconds(3), 1, 2));
        PoolSizer.Decision d = null;
        for (int i = 0; i < 4; i++) {
            d = s.next(second(3, 3, 0, 0, 0.5, 0, 300 * MIB), 3, true);
        }
        PoolSizer.Decision.Hold h = assertInstanceOf(PoolSizer.Decision.Hold.class, d);
        assertEquals(PoolSizer.Limit.MEMORY, h.limit());
        assertEquals("3.0/3 workers busy for 2.0 s; another worker of about 300 MiB would pass workers_max_rss 1000 MiB",
                h.why());
        d = s.next(second(3, 3, 0, 0, 0.5, 0, 350 * MIB), 3, true);
        PoolSizer.Decision.RecycleLargest r = assertInstanceOf(PoolSizer.Decision.RecycleLargest.class, d);
        assertEquals("the pool's resident memory 1050 MiB > workers_max_rss 1000 MiB (largest worker 350 MiB)", r.why());
        // Still over after the replacement: the next recycle waits scale_down_after.
        int seconds = 0;
        do {
            d = s.next(second(3, 1, 0, 0, 0.5, 0, 350 * MIB), 3, true);
            seconds++;
        } while (!(d instanceof PoolSizer.Decision.RecycleLargest) && seconds < 60);
        assertEquals(10, seconds);
    }

    @Test
    void shrinksByOneAfterScaleDownAfterOfLightLoadAndAgainOnlyAfterAnother() {
        PoolSizer s = sizer(1, 8, 1);
        PoolSizer.Decision d = null;
        int seconds = 0;
        while (!(d instanceof PoolSizer.Decision.Shrink)) {
            d = s.next(busy(4, 1.2), 4, true);
            seconds++;
            assertTrue(seconds <= 10, "no shrink within scale_down_after");
        }
        assertEquals(10, seconds);
        PoolSizer.Decision.Shrink sh = (PoolSizer.Decision.Shrink) d;
        assertEquals(3, sh.to());
        assertEquals("1.2/4 workers busy for 10.0 s", sh.why());
        // 1.2 busy does not fit in 2 workers at half their slots: it stays at 3.
        for (int i = 0; i < 30; i++) {
            assertInstanceOf(PoolSizer.Decision.Hold.class, s.next(busy(3, 1.2), 3, true));
        }
    }

    @Test
    void neverShrinksBelowWorkersMin() {
        PoolSizer s = sizer(2, 8, 1);
        for (int i = 0; i < 100; i++) {
            assertInstanceOf(PoolSizer.Decision.Hold.class, s.next(busy(2, 0), 2, true));
        }
    }

    @Test
    void anyLoadKeepsThePoolWithinItsBoundsAndAtMostDoublesAStep() {
        Random random = new Random(42);
        PoolSizer s = sizer(2, 7, 1);
        int current = 2;
        for (int i = 0; i < 5000; i++) {
            double load = random.nextDouble() * 12;
            long queue = random.nextInt(4) == 0 ? random.nextInt(50) : 0;
            PoolSizer.Decision d = s.next(second(current, Math.min(load, current), 0, queue, 0.3, 0, 100 * MIB),
                    current, random.nextInt(10) != 0);
            int next = switch (d) {
                case PoolSizer.Decision.Grow g -> g.to();
                case PoolSizer.Decision.Shrink sh -> sh.to();
                default -> current;
            };
            assertTrue(next >= 2 && next <= 7, "step " + i + ": " + current + " -> " + next);
            assertTrue(next <= 2 * current && next >= current - 1, "step " + i + ": " + current + " -> " + next);
            current = next;
        }
    }
}
