package dev.gatehouse.appserver.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class HeartbeatTest {

    @Test
    void lineReadsBackEqualWithTheRequestLineLast() {
        ResponseTimes.Recorder r = new ResponseTimes.Recorder();
        r.record(2_000_000);
        Heartbeat hb = new Heartbeat(10, 2, 1, 3, 7, 1_700_000_000_000L, 1, 20_000, r.snapshot(), "GET /a b");
        assertEquals(hb, Heartbeat.parse(hb.toLine()));
        assertEquals(2000, hb.avgResponseMicros());
        assertEquals(0, Heartbeat.NONE.avgResponseMicros());
        assertEquals(Heartbeat.NONE, Heartbeat.parse(Heartbeat.NONE.toLine()));
    }

    @Test
    void controlCharactersInTheRequestLineAreReplaced() {
        Heartbeat hb = new Heartbeat(1, 1, 0, 0, 1, 1, 0, 5, ResponseTimes.EMPTY, "GET /\n\u007f");
        assertEquals("GET /??", Heartbeat.parse(hb.toLine()).oldestRequest());
    }

    @Test
    void aShortOrBadLineIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> Heartbeat.parse("hb 1 2 3"));
        assertThrows(IllegalArgumentException.class, () -> Heartbeat.parse("hb 1 2 3 4 5 6 7 x - GET"));
        assertThrows(IllegalArgumentException.class, () -> Heartbeat.parse("ready"));
    }
}
