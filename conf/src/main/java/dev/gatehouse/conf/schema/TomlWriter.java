package dev.gatehouse.conf.schema;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.StringJoiner;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Writes a configuration back as TOML text, key by key, through the keys' own types, so that
 * reading the text back gives an equal config. Top-level keys must come before the first table,
 * as TOML requires; the caller writes them in that order.
 */
public final class TomlWriter {

    private final StringBuilder out = new StringBuilder();
    private final boolean hideSecrets;

    /** An empty document, every value written: it reads back to an equal config. */
    public TomlWriter() {
        this(false);
    }

    private TomlWriter(boolean hideSecrets) {
        this.hideSecrets = hideSecrets;
    }

    /**
     * An empty document for people to read: a secret key's value is left out (a comment says it
     * is set), so the text reads back equal except for the secrets.
     */
    public static TomlWriter forPeople() {
        return new TomlWriter(true);
    }

    /** A {@code # comment} line. */
    public TomlWriter comment(String text) {
        out.append("# ").append(text).append('\n');
        return this;
    }

    /** {@code name = value} for {@code key}; for people ({@link #forPeople()}), a secret only says it is set. */
    public <T> TomlWriter put(Key<T> key, T value) {
        if (hideSecrets && key.isSecret()) {
            out.append("# ").append(KeyPath.quote(key.name())).append(" is set; not shown\n");
            return this;
        }
        return entry(key.name(), key.type(), value);
    }

    /** {@code name = value} if present; else a comment saying the key is not set. */
    public <T> TomlWriter put(Key<T> key, Optional<T> value) {
        if (value.isPresent()) {
            return put(key, value.get());
        }
        out.append("# ").append(KeyPath.quote(key.name())).append(" is not set\n");
        return this;
    }

    /** {@code name = value} if present; nothing otherwise. */
    public <T> TomlWriter putIfPresent(Key<T> key, Optional<T> value) {
        value.ifPresent(v -> put(key, v));
        return this;
    }

    /** {@code name = value} for {@code key}'s value in {@code values}; a comment saying it is not set if it has none. */
    public TomlWriter put(ConfigValues values, Key<?> key) {
        return putValue(values, key);
    }

    private <T> TomlWriter putValue(ConfigValues values, Key<T> key) {
        return put(key, values.optional(key));
    }

    /**
     * {@code name = value} for each key of {@code values} that has a value, in order; a section
     * among the keys is written as {@code name = [{...}, {...}]}, with the tables {@code inline}
     * gives for it. The body of a table such as {@code [[location]]}.
     */
    public TomlWriter putPresent(ConfigValues values, Function<Key<Void>, List<Inline>> inline) {
        forEachEntry(values, this::put, section -> inlineTables(section, inline.apply(section)));
        return this;
    }

    /** Hands each value of {@code values} to {@code value} and each section key among them to {@code section}, in order. */
    private static void forEachEntry(ConfigValues values, BiConsumer<Key<Object>, Object> value,
            Consumer<Key<Void>> section) {
        for (Key<?> key : values.keys()) {
            if (key.isSection()) {
                @SuppressWarnings("unchecked") // every section key is made by Key.section
                Key<Void> s = (Key<Void>) key;
                section.accept(s);
            } else {
                @SuppressWarnings("unchecked") // the value was read with this key
                Key<Object> k = (Key<Object>) key;
                values.optional(k).ifPresent(v -> value.accept(k, v));
            }
        }
    }

    /** {@code name = value} for an entry of a user-named table ({@code [mime_types]}). */
    public <T> TomlWriter entry(String name, ValueType<T> type, T value) {
        out.append(KeyPath.quote(name)).append(" = ").append(type.toToml(value)).append('\n');
        return this;
    }

    /** A {@code [a.b]} header, after a blank line; each segment is quoted if TOML needs it. */
    public TomlWriter table(String... segments) {
        return header("[", segments, "]");
    }

    /** A {@code [[a]]} header, after a blank line. */
    public TomlWriter tableArray(String... segments) {
        return header("[[", segments, "]]");
    }

    /** {@code name = [{...}, {...}]}: an array of inline tables, one per line. */
    public TomlWriter inlineTables(Key<Void> key, List<Inline> tables) {
        out.append(KeyPath.quote(key.name())).append(" = [");
        if (!tables.isEmpty()) {
            out.append('\n');
            for (Inline t : tables) {
                out.append("  ").append(t).append(",\n");
            }
        }
        out.append("]\n");
        return this;
    }

    /** A new, empty inline table for {@link #inlineTables}. */
    public static Inline inline() {
        return new Inline();
    }

    /** The text written so far. */
    @Override
    public String toString() {
        return out.toString();
    }

    private TomlWriter header(String open, String[] segments, String close) {
        if (!out.isEmpty()) {
            out.append('\n');
        }
        out.append(open)
                .append(Arrays.stream(segments).map(KeyPath::quote).collect(Collectors.joining(".")))
                .append(close).append('\n');
        return this;
    }

    /** An inline table, {@code { a = 1, b = "x" }}, built key by key. */
    public static final class Inline {
        private final StringJoiner entries = new StringJoiner(", ", "{ ", " }").setEmptyValue("{}");

        private Inline() {
        }

        /** Adds {@code name = value} for each key of {@code values} that has a value, in order. */
        public Inline putPresent(ConfigValues values) {
            return putPresent(values, section -> List.of());
        }

        /**
         * Adds {@code name = value} for each key of {@code values} that has a value, in order, and
         * {@code name = [{...}, {...}]} for a section among them that {@code inline} gives tables
         * for (an empty one is left out: absent reads back as empty).
         */
        public Inline putPresent(ConfigValues values, Function<Key<Void>, List<Inline>> inline) {
            forEachEntry(values, this::put, section -> {
                List<Inline> tables = inline.apply(section);
                if (!tables.isEmpty()) {
                    inlineTables(section, tables);
                }
            });
            return this;
        }

        /** Adds {@code name = value} for {@code key}. */
        public <T> Inline put(Key<T> key, T value) {
            entries.add(KeyPath.quote(key.name()) + " = " + key.type().toToml(value));
            return this;
        }

        /** Adds {@code name = [{...}, {...}]}, an array of inline tables inside this one. */
        public Inline inlineTables(Key<Void> key, List<Inline> tables) {
            entries.add(KeyPath.quote(key.name()) + " = "
                    + tables.stream().map(Inline::toString).collect(Collectors.joining(", ", "[", "]")));
            return this;
        }

        @Override
        public String toString() {
            return entries.toString();
        }
    }
}
