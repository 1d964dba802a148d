package dev.gatehouse.conf.schema;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.StringJoiner;

/**
 * The values one load found for a list of keys: each key's value from the file or the command
 * line, else its default, and no value for an optional key left unset. Immutable. Two are equal
 * when they hold the same keys with equal values, which is what makes the config objects built
 * over them ({@link ConfigView}) compare by value.
 *
 * <p>Made by {@link ConfigReader#values}; the values are the keys' own types, since the reader
 * decoded them with those keys (or {@link #with} took them typed).
 */
public final class ConfigValues {

    private final List<Key<?>> keys;
    /** The same keys, for the check that a key read is one of them (a key compares by identity). */
    private final Set<Key<?>> known;
    /** Only the keys that have a value: an unset optional key is absent. */
    private final Map<Key<?>, Object> values;

    ConfigValues(List<Key<?>> keys, Map<Key<?>, Object> values) {
        this.keys = List.copyOf(keys);
        this.known = Set.copyOf(keys);
        this.values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
    }

    /**
     * Every key of {@code keys} at its default (no value for optional and required keys), for a
     * config object made without a file, such as the proxy's default listener; sections hold no value.
     */
    public static ConfigValues defaults(List<Key<?>> keys) {
        Map<Key<?>, Object> values = new LinkedHashMap<>();
        for (Key<?> k : keys) {
            Object def = k.isSection() ? null : k.defaultValue();
            if (def != null) {
                values.put(k, def);
            }
        }
        return new ConfigValues(keys, values);
    }

    /** The keys these values are for, in declaration order. */
    public List<Key<?>> keys() {
        return keys;
    }

    /**
     * The value of a key that always has one (a key with a default, or a required one).
     *
     * @throws IllegalArgumentException if {@code key} is not one of {@link #keys()}
     * @throws IllegalStateException if it has no value: read an optional key with {@link #optional}
     */
    public <T> T get(Key<T> key) {
        T value = valueOrNull(key);
        if (value == null) {
            throw new IllegalStateException(key + " has no value; an optional key is read with optional()");
        }
        return value;
    }

    /**
     * The value of {@code key}, empty when it is unset.
     *
     * @throws IllegalArgumentException if {@code key} is not one of {@link #keys()}
     */
    public <T> Optional<T> optional(Key<T> key) {
        return Optional.ofNullable(valueOrNull(key));
    }

    /**
     * The proxy's request path reads its config through here, several keys per request: one
     * hash lookup, and the check that the key belongs only when it has no value (a scan of the
     * key list on every read was 3% of the proxy's CPU samples under load).
     */
    private <T> T valueOrNull(Key<T> key) {
        @SuppressWarnings("unchecked") // put there by the reader that decoded it with this key
        T value = (T) values.get(key);
        if (value == null) {
            requireKnown(key);
        }
        return value;
    }

    /**
     * A copy with {@code key} back at its default (unset, for an optional key): the hook for
     * rules where one key's value makes another's moot.
     */
    public ConfigValues withDefault(Key<?> key) {
        requireKnown(key);
        Map<Key<?>, Object> copy = new LinkedHashMap<>(values);
        Object def = key.defaultValue();
        if (def == null) {
            copy.remove(key);
        } else {
            copy.put(key, def);
        }
        return new ConfigValues(keys, copy);
    }

    /**
     * A copy with {@code key} set to {@code value}: for a key whose default depends on another
     * key's value ({@code listen[].http2} follows {@code tls}), and for {@link #defaults}.
     */
    public <T> ConfigValues with(Key<T> key, T value) {
        requireKnown(key);
        Map<Key<?>, Object> copy = new LinkedHashMap<>(values);
        copy.put(key, Objects.requireNonNull(value, "value"));
        return new ConfigValues(keys, copy);
    }

    /** The values of {@code part} alone, the keys of one part of a config (a {@link DeclaredKeys#group()}). */
    public ConfigValues only(List<Key<?>> part) {
        Map<Key<?>, Object> subset = new LinkedHashMap<>();
        for (Key<?> k : part) {
            requireKnown(k);
            if (values.containsKey(k)) {
                subset.put(k, values.get(k));
            }
        }
        return new ConfigValues(part, subset);
    }

    private void requireKnown(Key<?> key) {
        if (!known.contains(Objects.requireNonNull(key, "key"))) {
            throw new IllegalArgumentException(key + " is not one of " + keys);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ConfigValues other && keys.equals(other.keys) && values.equals(other.values);
    }

    @Override
    public int hashCode() {
        return values.hashCode();
    }

    /** {@code [name=value, ...]} with values as TOML literals, unset keys left out. */
    @Override
    public String toString() {
        StringJoiner out = new StringJoiner(", ", "[", "]");
        for (Key<?> k : keys) {
            optional(k).ifPresent(v -> out.add(k.name() + "=" + toToml(k, v)));
        }
        return out.toString();
    }

    @SuppressWarnings("unchecked")
    private static String toToml(Key<?> key, Object value) {
        return ((ValueType<Object>) key.type()).toToml(value);
    }
}
