package dev.gatehouse.conf.schema;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Collects keys as they are declared, so that a config's key list is its declarations in
 * declaration order and no second list has to be kept in step with them:
 *
 * <pre>{@code
 * private static final DeclaredKeys DECLARED = new DeclaredKeys();
 * static final Key<Integer> WORKERS = DECLARED.add(Key.of("workers", ...));
 * static final List<Key<?>> ALL = DECLARED.list();
 * }</pre>
 *
 * <p>A {@link #group()} names the keys that land in one part of the config (the servlet keys of
 * the app-server, the keys of a proxy location) while still being listed, in the same order, by
 * its parent. {@link #list()} freezes a collector, so it is filled while the declaring class
 * initializes and never after; a key declared after the list was taken is a programming error
 * caught at once.
 */
public final class DeclaredKeys {

    private final List<Key<?>> keys = new ArrayList<>();
    private final DeclaredKeys parent;
    private boolean frozen;

    /** An empty collector. */
    public DeclaredKeys() {
        this(null);
    }

    private DeclaredKeys(DeclaredKeys parent) {
        this.parent = parent;
    }

    /**
     * Adds {@code key} to this collector and to every enclosing one.
     *
     * @return {@code key}, for a declaration that is also the registration
     * @throws IllegalStateException if the list was already taken, or the key added twice
     */
    public <T> Key<T> add(Key<T> key) {
        Objects.requireNonNull(key, "key");
        if (frozen) {
            throw new IllegalStateException(key + " declared after the key list was taken");
        }
        if (keys.contains(key)) {
            throw new IllegalStateException(key + " declared twice");
        }
        keys.add(key);
        if (parent != null) {
            parent.add(key);
        }
        return key;
    }

    /** A collector for a part of the config whose keys this one lists too, in declaration order. */
    public DeclaredKeys group() {
        if (frozen) {
            throw new IllegalStateException("group made after the key list was taken");
        }
        return new DeclaredKeys(this);
    }

    /** Every key added so far, in order; no key can be added afterwards. */
    public List<Key<?>> list() {
        frozen = true;
        return List.copyOf(keys);
    }
}
