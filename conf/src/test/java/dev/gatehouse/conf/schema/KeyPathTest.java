package dev.gatehouse.conf.schema;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class KeyPathTest {

    @Test
    void parsesNamesIndexesAndQuotedNames() {
        assertEquals(List.of(new KeyPath.Segment("location", 0), new KeyPath.Segment("uwsgi_params", 12),
                new KeyPath.Segment("name", KeyPath.NO_INDEX)), KeyPath.parse("location[0].uwsgi_params[12].name").segments());
        assertEquals(List.of(new KeyPath.Segment("mime_types", KeyPath.NO_INDEX), new KeyPath.Segment("c++", KeyPath.NO_INDEX)),
                KeyPath.parse("mime_types.\"c++\"").segments());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", ".a", "a.", "a..b", "a[", "a[]", "a[x]", "a[-1]", "a b", "\"a", "a[0]b", "a[1234567]"})
    void rejectsMalformedPaths(String text) {
        assertThrows(IllegalArgumentException.class, () -> KeyPath.parse(text));
    }

    @Test
    void matchesPatternsWithNameWildcardsAndAnyIndex() {
        KeyPath pattern = KeyPath.pattern("upstream.<name>.servers[].weight");
        assertTrue(KeyPath.parse("upstream.app.servers[3].weight").matches(pattern));
        assertFalse(KeyPath.parse("upstream.app.servers.weight").matches(pattern));
        assertFalse(KeyPath.parse("upstream.app.servers[0].weight.x").matches(pattern));
        assertFalse(KeyPath.parse("upstream[0].app.servers[0].weight").matches(pattern));
        assertTrue(KeyPath.parse("location").namesSection(KeyPath.pattern("location[]")));
        assertTrue(KeyPath.parse("location[4]").namesSection(KeyPath.pattern("location[]")));
        assertFalse(KeyPath.parse("location").namesSection(KeyPath.pattern("listen")));
    }

    @Test
    void writesPathsWithTomlQuotingWhereNeeded() {
        assertEquals("mime_types.\"c++\"", KeyPath.parse("mime_types.\"c++\"").toString());
        assertEquals("upstream.app.servers[1]", KeyPath.parse("upstream.app.servers[1]").toString());
        assertEquals("location[].uwsgi_params[].name", KeyPath.pattern("location[].uwsgi_params[].name").toString());
        assertEquals("upstream.app.keepalive",
                KeyPath.parse("upstream.app.keepalve").instantiate(KeyPath.pattern("upstream.<name>.keepalive")));
    }

    @Test
    void refusesMalformedKeyPatterns() {
        assertThrows(IllegalArgumentException.class, () -> KeyPath.pattern("a b"));
        assertThrows(IllegalArgumentException.class, () -> KeyPath.pattern("a..b"));
    }
}
