package dev.gatehouse.conf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class TimeSpanTest {

    @ParameterizedTest
    @CsvSource({"0, 0", "0s, 0", "250ms, 250", "30s, 30000", "2m, 120000", "1h, 3600000", "7d, 604800000",
            "1500ms, 1500"})
    void parsesNumberAndUnit(String text, long millis) {
        assertEquals(Duration.ofMillis(millis), TimeSpan.parse(text).duration());
    }

    @ParameterizedTest
    @CsvSource({"0, 0", "250, 250ms", "1500, 1500ms", "30000, 30s", "90000, 90s", "120000, 2m", "3600000, 1h",
            "172800000, 2d"})
    void writesTheLargestExactUnit(long millis, String text) {
        assertEquals(text, new TimeSpan(Duration.ofMillis(millis)).toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "1ms", "999ms", "61s", "60m", "25h", "3d"})
    void toStringRoundTrips(String text) {
        TimeSpan t = TimeSpan.parse(text);
        assertEquals(t, TimeSpan.parse(t.toString()));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "30", "s", "-1s", "+1s", "1.5s", "30 s", " 30s", "30S", "1M", "1w", "1y", "1h30m",
            "00", "1sec"})
    void rejectsJunk(String text) {
        var e = assertThrows(InvalidValueException.class, () -> TimeSpan.parse(text));
        assertEquals("invalid duration \"" + text + "\": expected a duration such as 250ms, 30s, 2m or 1h "
                + "(units ms, s, m, h, d; 0 = none)", e.getMessage());
    }

    @Test
    void rejectsDurationsPastLongMaxValueMilliseconds() {
        assertEquals(Long.MAX_VALUE, TimeSpan.parse(Long.MAX_VALUE + "ms").duration().toMillis());
        var e = assertThrows(InvalidValueException.class, () -> TimeSpan.parse("9223372036854776s"));
        assertEquals("a duration of at most 9223372036854775807ms", e.expected());
        assertThrows(InvalidValueException.class, () -> TimeSpan.parse("99999999999999999999d"));
    }

    @Test
    void zeroIsOff() {
        assertTrue(TimeSpan.parse("0").isZero());
    }

    @Test
    void refusesNegativeAndSubMillisecondDurations() {
        assertThrows(InvalidValueException.class, () -> new TimeSpan(Duration.ofSeconds(-1)));
        assertThrows(InvalidValueException.class, () -> new TimeSpan(Duration.ofNanos(1500)));
    }
}
