package dev.gatehouse.conf.schema;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A config object whose accessors read its {@link ConfigValues}: a key's accessor is one line,
 * {@code public int workers() { return get(WORKERS); }}, and equality, hash code and text come
 * from the values, so adding a key to such an object is its declaration and its accessor.
 *
 * <p>A view may also hold what was read with it besides its keys' values: sections (a proxy
 * location's {@code uwsgi_params}, an upstream's servers), each an immutable list, map or view
 * of its own, and the name of a user-named table; they count for equality too. Two views are equal when they are of the same class and hold equal values and
 * equal sections.
 */
public abstract class ConfigView {

    private final ConfigValues values;
    private final List<?> sections;

    /** A view over {@code values} alone. */
    protected ConfigView(ConfigValues values) {
        this(values, List.of());
    }

    /**
     * A view over {@code values} and the sections read with them.
     *
     * @param sections immutable, in the order {@link #toString()} shows them
     */
    protected ConfigView(ConfigValues values, List<?> sections) {
        this.values = Objects.requireNonNull(values, "values");
        this.sections = List.copyOf(sections);
    }

    /** The value of a key that always has one; see {@link ConfigValues#get}. */
    protected final <T> T get(Key<T> key) {
        return values.get(key);
    }

    /** The value of a key that may be unset; see {@link ConfigValues#optional}. */
    protected final <T> Optional<T> optional(Key<T> key) {
        return values.optional(key);
    }

    /** The values this view reads, for writing them back ({@link TomlWriter#put(ConfigValues, Key)}). */
    public final ConfigValues values() {
        return values;
    }

    @Override
    public final boolean equals(Object o) {
        return o != null && o.getClass() == getClass() && values.equals(((ConfigView) o).values)
                && sections.equals(((ConfigView) o).sections);
    }

    @Override
    public final int hashCode() {
        return 31 * values.hashCode() + sections.hashCode();
    }

    /** The class's simple name, its values and its sections: {@code AppServerConfig[bind="...", ...]}. */
    @Override
    public String toString() {
        return getClass().getSimpleName() + values + (sections.isEmpty() ? "" : sections.toString());
    }
}
