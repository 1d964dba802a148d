package dev.gatehouse.conf.schema;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class DeclaredKeysTest {

    private static Key<Integer> key(String name) {
        return Key.of(name, ValueType.integer(0, 9), 1, name);
    }

    @Test
    void listsKeysInDeclarationOrderWithAGroupsKeysInPlace() {
        DeclaredKeys all = new DeclaredKeys();
        DeclaredKeys group = all.group();
        Key<Integer> a = all.add(key("a"));
        Key<Integer> b = group.add(key("b"));
        Key<Integer> c = all.add(key("c"));
        Key<Integer> d = group.add(key("d"));
        assertEquals(List.of(b, d), group.list());
        assertEquals(List.of(a, b, c, d), all.list());
    }

    @Test
    void refusesAKeyDeclaredAfterTheListWasTaken() {
        DeclaredKeys all = new DeclaredKeys();
        all.add(key("a"));
        all.list();
        assertEquals("b declared after the key list was taken",
                assertThrows(IllegalStateException.class, () -> all.add(key("b"))).getMessage());
    }

    @Test
    void refusesAKeyDeclaredTwice() {
        DeclaredKeys all = new DeclaredKeys();
        Key<Integer> a = all.add(key("a"));
        assertEquals("a declared twice", assertThrows(IllegalStateException.class, () -> all.add(a)).getMessage());
    }
}
