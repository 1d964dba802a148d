package dev.gatehouse.appserver.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ResponseTimesTest {

    @Test
    void everyTimeFallsInTheBucketWhoseBoundsHoldIt() {
        for (long micros = 0; micros < 5_000_000; micros = micros < 64 ? micros + 1 : micros * 17 / 16) {
            int b = ResponseTimes.bucket(micros);
            assertTrue(ResponseTimes.lowerBound(b) <= micros, micros + " below bucket " + b);
            assertTrue(micros < ResponseTimes.lowerBound(b + 1), micros + " above bucket " + b);
        }
    }

    @Test
    void bucketsAreAtMostAQuarterWide() {
        for (int b = 8; b < ResponseTimes.BUCKETS - 1; b++) {
            long low = ResponseTimes.lowerBound(b);
            assertTrue(ResponseTimes.lowerBound(b + 1) - low <= low / 4, "bucket " + b);
        }
    }

    @Test
    void timesPastTheLastBoundLandInTheLastBucket() {
        assertEquals(ResponseTimes.BUCKETS - 1, ResponseTimes.bucket(Long.MAX_VALUE / 1000));
    }

    @Test
    void quantileIsTheUpperEndOfItsBucket() {
        ResponseTimes.Recorder r = new ResponseTimes.Recorder();
        for (int i = 0; i < 95; i++) {
            r.record(10_000_000); // 10 ms
        }
        for (int i = 0; i < 5; i++) {
            r.record(200_000_000); // 200 ms
        }
        ResponseTimes t = r.snapshot();
        assertEquals(100, t.count());
        long p95 = t.quantileMicros(0.95);
        assertTrue(p95 > 10_000 && p95 <= 12_500, "p95 " + p95);
        long p99 = t.quantileMicros(0.99);
        assertTrue(p99 > 200_000 && p99 <= 250_000, "p99 " + p99);
        assertEquals(0, ResponseTimes.EMPTY.quantileMicros(0.95));
    }

    @Test
    void anIntervalIsTheDifferenceOfTwoSnapshots() {
        ResponseTimes.Recorder r = new ResponseTimes.Recorder();
        r.record(1_000_000);
        ResponseTimes before = r.snapshot();
        r.record(1_000_000);
        r.record(50_000_000);
        ResponseTimes interval = r.snapshot().minus(before);
        assertEquals(2, interval.count());
        assertEquals(before.plus(interval), r.snapshot());
    }

    @Test
    void wireFormReadsBackEqual() {
        ResponseTimes.Recorder r = new ResponseTimes.Recorder();
        r.record(3_000);
        r.record(3_000);
        r.record(90_000_000_000L);
        ResponseTimes t = r.snapshot();
        assertEquals(t, ResponseTimes.parse(t.encode()));
        assertEquals("-", ResponseTimes.EMPTY.encode());
        assertEquals(ResponseTimes.EMPTY, ResponseTimes.parse("-"));
    }

    @Test
    void malformedWireFormIsRefusedWithTheBadPart() {
        assertEquals("response time bucket without ':': 12",
                assertThrows(IllegalArgumentException.class, () -> ResponseTimes.parse("12")).getMessage());
        assertEquals("response time bucket out of range: 128:1",
                assertThrows(IllegalArgumentException.class, () -> ResponseTimes.parse("128:1")).getMessage());
        assertEquals("response time bucket with a bad number: 1:x",
                assertThrows(IllegalArgumentException.class, () -> ResponseTimes.parse("1:x")).getMessage());
    }
}
