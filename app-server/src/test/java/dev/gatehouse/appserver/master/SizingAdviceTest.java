package dev.gatehouse.appserver.master;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gatehouse.appserver.control.ResponseTimes;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalDouble;
import org.junit.jupiter.api.Test;

class SizingAdviceTest {

    private static final long MIB = 1024 * 1024;

    /**
     * A minute of steady load.
     *
     * @param rate requests a second
     * @param millis service time of each
     * @param cpuMillis CPU time of each
     * @param cpuWaitMillis time each waited for a CPU
     */
    private static List<LoadSample> minute(int workers, int rate, double millis, double cpuMillis,
            double cpuWaitMillis, double busiest) {
        ResponseTimes.Recorder r = new ResponseTimes.Recorder();
        for (int i = 0; i < rate; i++) {
            r.record((long) (millis * 1e6));
        }
        List<LoadSample> samples = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            samples.add(new LoadSample(1.0, workers, rate, (long) (rate * millis * 1e3), 0, (long) (rate * cpuMillis * 1e6),
                    (long) (rate * cpuMillis * 1e6), (long) (rate * cpuWaitMillis * 1e6), r.snapshot(), rate * millis / 1e3, busiest, 0,
                    workers * 120 * MIB, workers * 80 * MIB, 120 * MIB));
        }
        return samples;
    }

    @Test
    void sleepingEndpointNeedsRateTimesLatencyOverSlots() {
        SizingAdvice a = SizingAdvice.of(minute(3, 40, 50, 0.5, 0, 1), 1, "dispatch = event-loop", 2, OptionalDouble.of(100));
        assertEquals(40, a.rate(), 1e-9);
        assertEquals(50, a.meanMillis(), 1e-9);
        assertEquals(2, a.workers(), "40/s x 50 ms = 2 in flight, 1 per worker");
        assertEquals(5, a.targetWorkers(), "100/s x 50 ms = 5");
        assertEquals(0.05, a.targetCores(), 1e-9);
        assertEquals(2400, a.requests());
        assertTrue(a.p95Millis() >= 50 && a.p95Millis() <= 62.5, "p95 " + a.p95Millis());
        assertEquals(80 * MIB, a.pssPerWorker());
        String text = a.toText();
        assertTrue(text.contains("By Little's law 40.0/s x 50.0 ms = 2.0 requests in flight; one worker runs 1 request"),
                text);
        assertTrue(text.contains("this load needs 2 worker(s), 3 with 25% headroom (3 serve now)"), text);
        assertTrue(text.contains("For 100/s: 5.0 in flight, 5 worker(s) (7 with headroom), 0.1 cores of CPU,"
                + " about 400 MiB of memory (80 MiB PSS per worker)."), text);
    }

    @Test
    void maxConcurrencyDividesTheCount() {
        SizingAdvice a = SizingAdvice.of(minute(2, 200, 100, 1, 0, 10), 8, "max_concurrency", 2, OptionalDouble.of(1000));
        assertEquals(3, a.workers(), "200/s x 100 ms = 20 in flight, 8 per worker");
        assertEquals(13, a.targetWorkers(), "1000/s x 100 ms = 100 in flight, 8 per worker");
        assertTrue(a.toText().contains("one worker runs 8 requests (max_concurrency)"), a.toText());
    }

    @Test
    void cpuBoundLoadIsSizedByItsCpuTimeNotByTheTimeItWaitedForACpu() {
        // Four event-loop workers on two cores, one of them taken by another process: each
        // request needs 10 ms of CPU and waits 20 ms for it.
        SizingAdvice a = SizingAdvice.of(minute(4, 133, 30, 10, 20, 1), 1, "dispatch = event-loop", 2, OptionalDouble.empty());
        assertEquals(2, a.workers(), "133/s x 10 ms = 1.33 in flight");
        String text = a.toText();
        assertTrue(text.contains("20.0 ms waiting for one (a busy CPU, not counted below)"), text);
        assertTrue(text.contains("133.0/s x 10.0 ms = 1.3 requests in flight"), text);
    }

    @Test
    void aTargetBeyondTheCpuIsSaidToBeOutOfReach() {
        SizingAdvice a = SizingAdvice.of(minute(2, 190, 10, 10, 0, 1), 1, "dispatch = event-loop", 2, OptionalDouble.of(1000));
        assertEquals(10, a.targetCores(), 1e-9);
        String text = a.toText();
        assertTrue(text.contains("The CPU is the limit: 1.9 of 2 cores are busy"), text);
        assertTrue(text.contains("more than the 2 this machine has: no worker count reaches that rate here"), text);
    }

    @Test
    void withoutALimitTheSlotsAreTheMostOneWorkerHeld() {
        SizingAdvice a = SizingAdvice.of(minute(2, 400, 50, 0.2, 0, 12.5), 0, "max_concurrency", 2, OptionalDouble.empty());
        assertEquals(12.5, a.slots(), 1e-9);
        assertTrue(a.slotsMeasured());
        assertEquals(2, a.workers(), "400/s x 50 ms = 20 in flight, 12.5 seen in one worker");
        assertTrue(a.toText().contains("12.5 request(s) (the most one held; no max_concurrency)"), a.toText());
    }

    @Test
    void noRequestsGivesNoCountAndSaysWhy() {
        SizingAdvice a = SizingAdvice.of(List.of(), 1, "dispatch = event-loop", 2, OptionalDouble.of(100));
        assertEquals(0, a.workers());
        assertEquals("No requests in the last 0 s: nothing to size from yet. Run this while the app takes its usual load."
                + System.lineSeparator(), a.toText());
    }

    @Test
    void jsonCarriesTheFigures() {
        String json = SizingAdvice.of(minute(3, 40, 50, 0.5, 0, 1), 1, "dispatch = event-loop", 2, OptionalDouble.of(100)).toJson();
        assertTrue(json.startsWith("{\"window_seconds\":60.0,\"requests\":2400,\"rate\":40.000,\"mean_ms\":50.000,"), json);
        assertTrue(json.contains("\"workers\":2,\"target_rate\":100.000,\"target_workers\":5"), json);
    }

    @Test
    void historyKeepsTheNewestSamples() {
        LoadHistory h = new LoadHistory(3);
        List<LoadSample> m = minute(1, 10, 10, 1, 0, 1);
        for (int i = 0; i < 5; i++) {
            h.add(m.get(i));
        }
        assertEquals(3, h.last(100).size());
        assertEquals(2, h.last(2).size());
        assertEquals(List.of(m.get(4)), h.last(1));
    }
}
