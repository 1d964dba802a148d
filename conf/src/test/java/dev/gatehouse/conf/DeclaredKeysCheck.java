package dev.gatehouse.conf;

import dev.gatehouse.conf.schema.Key;
import dev.gatehouse.conf.schema.ValueType;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/** What the tests of the one-declaration property need: the keys a class declares and how they are spelled. */
public final class DeclaredKeysCheck {

    private static final Pattern SNAKE = Pattern.compile("_([a-z0-9])");

    private DeclaredKeysCheck() {
    }

    /** Every {@code static final Key} field of {@code keys}, found by reflection rather than by its list. */
    public static Set<Key<?>> declaredIn(Class<?> keys) throws IllegalAccessException {
        Set<Key<?>> out = new HashSet<>();
        for (Field f : keys.getDeclaredFields()) {
            if (Modifier.isStatic(f.getModifiers()) && f.getType() == Key.class) {
                f.setAccessible(true);
                out.add((Key<?>) f.get(null));
            }
        }
        return out;
    }

    /** The accessor name of a key: {@code max_requests_jitter} to {@code maxRequestsJitter}. */
    public static String accessorName(Key<?> key) {
        return SNAKE.matcher(key.name()).replaceAll(r -> r.group(1).toUpperCase());
    }

    /**
     * The line {@code toToml()} writes for an accessor's value: {@code name = value}, or the
     * comment of an unset optional key.
     */
    public static String tomlLine(Key<?> key, Object accessorValue) {
        if (accessorValue instanceof Optional<?> o) {
            return o.isEmpty() ? "# " + key.name() + " is not set" : tomlLine(key, o.get());
        }
        @SuppressWarnings("unchecked")
        ValueType<Object> type = (ValueType<Object>) key.type();
        return key.name() + " = " + type.toToml(accessorValue);
    }
}
