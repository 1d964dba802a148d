package dev.gatehouse.conf.schema;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class TomlWriterTest {

    private static final Key<String> NAME = Key.of("name", ValueType.string(), "x", "a name");
    private static final Key<Integer> COUNT = Key.of("count", ValueType.integer(0, 9), 1, "a count");
    private static final Key<Void> ITEMS = Key.section("items[]", ValueType.tableArray(), "items");
    private static final Key<String> ITEM_NAME = Key.of("items[].name", ValueType.string(), "x", "an item's name");

    @Test
    void escapesStringsSoTheyReadBackUnchanged() {
        String awkward = "quote \" backslash \\ newline \n tab \t bell \u0007 del \u007f é 😀";
        String toml = new TomlWriter().put(NAME, awkward).toString();
        assertEquals("name = \"quote \\\" backslash \\\\ newline \\n tab \\t bell \\u0007 del \\u007f é 😀\"\n", toml);
        ConfigReader r = ConfigReader.parse(toml, "t.toml", List.of(NAME), Map.of());
        assertEquals(awkward, r.get(NAME));
        r.finish();
    }

    @Test
    void writesTablesInlineTablesAndUnsetKeys() {
        String toml = new TomlWriter()
                .put(COUNT, Optional.empty())
                .table("upstream", "my app")
                .inlineTables(ITEMS, List.of(TomlWriter.inline().put(ITEM_NAME, "a").put(COUNT, 2)))
                .tableArray("location")
                .putIfPresent(NAME, Optional.empty())
                .put(COUNT, 3)
                .toString();
        assertEquals("""
                # count is not set

                [upstream."my app"]
                items = [
                  { name = "a", count = 2 },
                ]

                [[location]]
                count = 3
                """, toml);
    }

    @Test
    void writesATablesValuesInOrderWithItsSectionsInPlace() {
        Key<String> label = Key.optional("label", ValueType.string(), "a label");
        List<Key<?>> keys = List.of(COUNT, ITEMS, label, NAME);
        ConfigValues values = ConfigValues.defaults(keys).with(COUNT, 4);
        String toml = new TomlWriter()
                .putPresent(values, section -> List.of(TomlWriter.inline().put(ITEM_NAME, "a")))
                .toString();
        assertEquals("""
                count = 4
                items = [
                  { name = "a" },
                ]
                name = "x"
                """, toml);
    }

    @Test
    void inlineTablesLeaveOutUnsetKeysAndEmptySections() {
        Key<String> label = Key.optional("label", ValueType.string(), "a label");
        ConfigValues values = ConfigValues.defaults(List.of(NAME, label, ITEMS));
        assertEquals("{ name = \"x\" }", TomlWriter.inline().putPresent(values, section -> List.of()).toString());
        assertEquals("{ name = \"x\", items = [{ name = \"b\" }] }", TomlWriter.inline()
                .putPresent(values, section -> List.of(TomlWriter.inline().put(ITEM_NAME, "b"))).toString());
    }
}
