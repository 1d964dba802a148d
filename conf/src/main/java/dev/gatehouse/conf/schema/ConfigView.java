package dev.gatehouse.conf.schema;

import java.util.Objects;
import java.util.Optional;

/**
 * A config object whose accessors read its {@link ConfigValues}: a key's accessor is one line,
 * {@code public int workers() { return get(WORKERS); }}, and equality, hash code and text come
 * from the values, so adding a key to such an object is its declaration and its accessor.
 * Two views are equal when they are of the same class and hold equal values.
 */
public abstract class ConfigView {

    private final ConfigValues values;

    /** A view over {@code values}. */
    protected ConfigView(ConfigValues values) {
        this.values = Objects.requireNonNull(values, "values");
    }

    /** The value of a key that always has one; see {@link ConfigValues#get}. */
    protected final <T> T get(Key<T> key) {
        return values.get(key);
    }

    /** The value of a key that may be unset; see {@link ConfigValues#optional}. */
    protected final <T> Optional<T> optional(Key<T> key) {
        return values.optional(key);
    }

    /** The values this view reads. */
    protected final ConfigValues values() {
        return values;
    }

    @Override
    public final boolean equals(Object o) {
        return o != null && o.getClass() == getClass() && values.equals(((ConfigView) o).values);
    }

    @Override
    public final int hashCode() {
        return values.hashCode();
    }

    /** The class's simple name and its values, {@code AppServerConfig[bind="...", ...]}. */
    @Override
    public String toString() {
        return getClass().getSimpleName() + values;
    }
}
