package dev.gatehouse.conf.schema;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class NearestNameTest {

    private static final List<String> KEYS = List.of("workers", "backlog", "bind", "timeout", "read_timeout");

    @Test
    void suggestsKeyWithinTwoEdits() {
        assertEquals(Optional.of("workers"), NearestName.closest("wrkers", KEYS));
        assertEquals(Optional.of("workers"), NearestName.closest("worker", KEYS));
        assertEquals(Optional.of("read_timeout"), NearestName.closest("read-timeout", KEYS));
    }

    @Test
    void suggestsNothingWhenEveryKeyIsFar() {
        assertEquals(Optional.empty(), NearestName.closest("colour", KEYS));
        // Two edits turn any two-letter word into any other; that is no hint.
        assertEquals(Optional.empty(), NearestName.closest("ab", List.of("xy")));
    }

    @Test
    void computesEditDistance() {
        assertEquals(0, NearestName.distance("abc", "abc"));
        assertEquals(3, NearestName.distance("", "abc"));
        assertEquals(3, NearestName.distance("kitten", "sitting"));
    }
}
