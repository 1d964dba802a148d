package dev.gatehouse.conf.schema;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ConfigValuesTest {

    private static final Key<Integer> COUNT = Key.of("count", ValueType.integer(0, 9), 1, "a count");
    private static final Key<String> NAME = Key.optional("name", ValueType.string(), "a name");
    private static final Key<Integer> OTHER = Key.of("other", ValueType.integer(0, 9), 2, "not in the list");
    private static final List<Key<?>> KEYS = List.of(COUNT, NAME);

    private static ConfigValues read(String toml) {
        ConfigReader r = ConfigReader.parse(toml, "t.toml", KEYS, Map.of());
        ConfigValues v = r.values(KEYS);
        r.finish();
        return v;
    }

    @Test
    void holdsTheFilesValuesAndTheDefaults() {
        ConfigValues v = read("name = \"x\"\n");
        assertEquals(1, v.get(COUNT));
        assertEquals(Optional.of("x"), v.optional(NAME));
        assertEquals(Optional.empty(), read("").optional(NAME));
        assertEquals("[count=1, name=\"x\"]", v.toString());
    }

    @Test
    void refusesKeysItDoesNotHoldAndGetOfAnUnsetKey() {
        ConfigValues v = read("");
        assertThrows(IllegalArgumentException.class, () -> v.get(OTHER));
        assertEquals("name has no value; an optional key is read with optional()",
                assertThrows(IllegalStateException.class, () -> v.get(NAME)).getMessage());
    }

    @Test
    void withDefaultPutsAKeyBackAtItsDefault() {
        ConfigValues v = read("count = 5\nname = \"x\"\n");
        assertEquals(read("name = \"x\"\n"), v.withDefault(COUNT));
        assertEquals(read("count = 5\n"), v.withDefault(NAME));
    }

    @Test
    void defaultsAndWithBuildValuesWithoutAFile() {
        assertEquals(read(""), ConfigValues.defaults(KEYS));
        assertEquals(read("count = 7\nname = \"z\"\n"), ConfigValues.defaults(KEYS).with(COUNT, 7).with(NAME, "z"));
        assertThrows(IllegalArgumentException.class, () -> ConfigValues.defaults(KEYS).with(OTHER, 3));
    }

    @Test
    void comparesByValue() {
        assertEquals(read("count = 5\n"), read("count = 5\n"));
        assertEquals(read("count = 5\n").hashCode(), read("count = 5\n").hashCode());
        assertNotEquals(read("count = 5\n"), read("count = 6\n"));
        assertEquals(read("count = 5\n").only(List.of(COUNT)), read("count = 5\nname = \"y\"\n").only(List.of(COUNT)));
    }

    @Test
    void leavesSectionsToTheirOwnReads() {
        Key<Void> section = Key.section("items[]", ValueType.tableArray(), "items");
        ConfigReader r = ConfigReader.parse("count = 2\n[[items]]\n", "t.toml", List.of(COUNT, section), Map.of());
        ConfigValues v = r.values(List.of(COUNT, section));
        assertEquals(2, v.get(COUNT));
        assertEquals(Optional.empty(), v.optional(section));
        assertEquals(1, r.tableArray(section).size());
        r.finish();
    }
}
