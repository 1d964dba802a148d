package dev.gatehouse.conf.schema;

import dev.gatehouse.conf.KeySpec;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * One configuration key: its path pattern, type, default and one-line description, declared
 * once, so that reading, writing back and the documentation ({@link #spec()}) cannot disagree.
 *
 * <p>The pattern is the key's full path, with {@code <name>} for a table name the user picks and
 * {@code []} for an element of an array of tables: {@code workers},
 * {@code upstream.<name>.servers[].weight}, {@code location[].root}. A {@link ConfigReader}
 * positioned at the parent table reads the key by its last segment.
 *
 * @param <T> the Java type of the value
 */
public final class Key<T> {

    /** Whether a key must be present, may be absent, or falls back to a default. */
    private enum Presence { DEFAULTED, OPTIONAL, REQUIRED }

    private final String pattern;
    private final KeyPath path;
    private final ValueType<T> type;
    private final Supplier<T> defaultValue;
    private final String defaultDoc;
    private final Presence presence;
    private final String description;
    /** A password or the like: what shows a config to people says it is set, not what it is. */
    private final boolean secret;

    private Key(String pattern, ValueType<T> type, Supplier<T> defaultValue, String defaultDoc,
            Presence presence, String description) {
        this(pattern, type, defaultValue, defaultDoc, presence, description, false);
    }

    private Key(String pattern, ValueType<T> type, Supplier<T> defaultValue, String defaultDoc,
            Presence presence, String description, boolean secret) {
        this.secret = secret;
        this.pattern = pattern;
        this.path = KeyPath.pattern(pattern);
        this.type = Objects.requireNonNull(type, "type");
        this.defaultValue = defaultValue;
        this.defaultDoc = defaultDoc;
        this.presence = presence;
        this.description = Objects.requireNonNull(description, "description");
    }

    /** A key that falls back to {@code defaultValue} when absent. */
    public static <T> Key<T> of(String pattern, ValueType<T> type, T defaultValue, String description) {
        Objects.requireNonNull(defaultValue, "defaultValue");
        return new Key<>(pattern, type, () -> defaultValue, null, Presence.DEFAULTED, description);
    }

    /**
     * A key whose default is worked out at load time ({@code workers}: the CPU count).
     *
     * @param defaultDoc the default as the docs describe it, e.g. {@code (the number of CPUs)}
     */
    public static <T> Key<T> computed(String pattern, ValueType<T> type, Supplier<T> defaultValue,
            String defaultDoc, String description) {
        return new Key<>(pattern, type, defaultValue, defaultDoc, Presence.DEFAULTED, description);
    }

    /** A key that may be absent; {@link ConfigReader#get} then returns null. */
    public static <T> Key<T> optional(String pattern, ValueType<T> type, String description) {
        return new Key<>(pattern, type, () -> null, null, Presence.OPTIONAL, description);
    }

    /** A key that must be present; its absence is an error. */
    public static <T> Key<T> required(String pattern, ValueType<T> type, String description) {
        return new Key<>(pattern, type, () -> null, null, Presence.REQUIRED, description);
    }

    /** A table or array of tables holding other keys ({@code [open_file_cache]}, {@code [[location]]}). */
    public static Key<Void> section(String pattern, ValueType<Void> type, String description) {
        requireSectionType(pattern, type);
        return new Key<>(pattern, type, () -> null, null, Presence.OPTIONAL, description);
    }

    /**
     * An array of tables that falls back to entries of its own when absent ({@code listen}); the
     * caller supplies them, {@code defaultDoc} describes them for the docs.
     */
    public static Key<Void> section(String pattern, ValueType<Void> type, String defaultDoc, String description) {
        requireSectionType(pattern, type);
        return new Key<>(pattern, type, () -> null, defaultDoc, Presence.OPTIONAL, description);
    }

    private static void requireSectionType(String pattern, ValueType<Void> type) {
        if (type.shape != ValueType.Shape.TABLE && type.shape != ValueType.Shape.TABLE_ARRAY) {
            throw new IllegalArgumentException(pattern + ": a section needs a table type");
        }
    }

    /** A section that must be present ({@code upstream.<name>.servers}). */
    public static Key<Void> requiredSection(String pattern, ValueType<Void> type, String description) {
        requireSectionType(pattern, type);
        return new Key<>(pattern, type, () -> null, null, Presence.REQUIRED, description);
    }

    /**
     * This key, marked as a secret (a password): {@link TomlWriter#forPeople()} writes that it is
     * set instead of its value, so that {@code check-config} and {@code ctl config} never print it.
     */
    public Key<T> secret() {
        return new Key<>(pattern, type, defaultValue, defaultDoc, presence, description, true);
    }

    /** Whether the value is a secret. */
    public boolean isSecret() {
        return secret;
    }

    /** The path pattern, e.g. {@code upstream.<name>.keepalive}. */
    public String pattern() {
        return pattern;
    }

    /** The last segment of the pattern: the name the key has inside its table. */
    public String name() {
        return path.last();
    }

    /** The value's type. */
    public ValueType<T> type() {
        return type;
    }

    /** The default, or null for optional and required keys. */
    public T defaultValue() {
        return defaultValue.get();
    }

    /** The one-line description. */
    public String description() {
        return description;
    }

    /** The key as the docs list it. */
    public KeySpec spec() {
        String def;
        if (defaultDoc != null) {
            def = defaultDoc;
        } else if (presence == Presence.REQUIRED) {
            def = "(required)";
        } else if (type.shape == ValueType.Shape.TABLE && !path.segments().get(path.segments().size() - 1).isWildcard()) {
            def = "(see its keys)";
        } else if (type.shape == ValueType.Shape.TABLE || type.shape == ValueType.Shape.TABLE_ARRAY) {
            def = "(none)";
        } else if (presence == Presence.OPTIONAL) {
            def = "(not set)";
        } else {
            def = type.toToml(defaultValue.get());
        }
        return new KeySpec(pattern, type.name(), def, description);
    }

    boolean isRequired() {
        return presence == Presence.REQUIRED;
    }

    /** Whether this key is a table or an array of tables rather than a value. */
    boolean isSection() {
        return type.shape == ValueType.Shape.TABLE || type.shape == ValueType.Shape.TABLE_ARRAY;
    }

    KeyPath path() {
        return path;
    }

    @Override
    public String toString() {
        return pattern;
    }
}
