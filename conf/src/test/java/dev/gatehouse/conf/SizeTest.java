package dev.gatehouse.conf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class SizeTest {

    @ParameterizedTest
    @CsvSource({
        "0, 0", "4096, 4096", "512k, 524288", "512K, 524288", "1m, 1048576", "1M, 1048576",
        "2g, 2147483648", "2G, 2147483648", "9223372036854775807, 9223372036854775807",
        "8589934591g, 9223372035781033984"})
    void parsesBytesWithOptionalSuffix(String text, long bytes) {
        assertEquals(bytes, Size.parse(text).bytes());
    }

    @ParameterizedTest
    @CsvSource({"0, 0", "1000, 1000", "1024, 1k", "524288, 512k", "1048576, 1m", "1572864, 1536k", "2147483648, 2g"})
    void writesTheLargestExactUnit(long bytes, String text) {
        assertEquals(text, Size.ofBytes(bytes).toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "1", "1023", "64k", "65536", "3m", "5g", "9223372036854775807"})
    void toStringRoundTrips(String text) {
        Size s = Size.parse(text);
        assertEquals(s, Size.parse(s.toString()));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "-1", "+1", "1.5m", "1 m", " 1", "1t", "k", "1kb", "0x10", "1_000", "١٢"})
    void rejectsJunk(String text) {
        var e = assertThrows(InvalidValueException.class, () -> Size.parse(text));
        assertEquals("invalid size \"" + text + "\": expected a size in bytes with an optional k, m or g suffix "
                + "(1024-based), such as 512k or 1m", e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"9223372036854775808", "8589934592g", "99999999999999999999k"})
    void rejectsSizesPastLongMaxValue(String text) {
        var e = assertThrows(InvalidValueException.class, () -> Size.parse(text));
        assertEquals("a size of at most 9223372036854775807 bytes", e.expected());
    }

    @Test
    void refusesNegativeBytes() {
        assertThrows(InvalidValueException.class, () -> Size.ofBytes(-1));
    }

    @Test
    void intBytesFailsAt2GiB() {
        assertEquals(Integer.MAX_VALUE, Size.ofBytes(Integer.MAX_VALUE).intBytes());
        assertThrows(ArithmeticException.class, () -> Size.parse("2g").intBytes());
    }
}
