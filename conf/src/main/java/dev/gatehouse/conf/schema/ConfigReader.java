package dev.gatehouse.conf.schema;

import dev.gatehouse.conf.ConfigException;
import dev.gatehouse.conf.InvalidValueException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Typed reads over one table of a parsed configuration, with the command-line overrides already
 * merged in. Each read names a {@link Key}; a missing key gives its default, a bad value is
 * recorded as an error (naming source, key path, value and expectation) and gives the default
 * too, so that reading goes on and {@link #finish()} can report every problem at once. The
 * reader remembers which keys were asked for; whatever else the file holds is reported by
 * {@link #finish()} as an unknown key.
 *
 * <p>A reader is for one load on one thread; the config records it produces are immutable.
 */
public final class ConfigReader {

    private static final String NAME_EXPECTED = "a name of letters, digits, '-' and '_'";

    private final ReadContext ctx;
    private final Node.Table table;
    private final String path;
    /** The reader of the enclosing table, or null at the top level. */
    private final ConfigReader parent;
    /** Errors found in this table's values and the tables inside it, which make rules between its keys moot. */
    private int errors;

    private ConfigReader(ReadContext ctx, Node.Table table, String path, ConfigReader parent) {
        this.ctx = ctx;
        this.table = table;
        this.path = path;
        this.parent = parent;
        table.visited = true;
    }

    /**
     * Reads {@code file} (or nothing, when null: every key at its default) and merges
     * {@code overrides} into it.
     *
     * @param keys every key of the file, for matching overrides to their types
     * @throws ConfigException at once if the file cannot be read or is not valid TOML; other
     *     problems, including bad overrides, are reported by {@link #finish()}
     */
    public static ConfigReader load(Path file, List<Key<?>> keys, Map<String, String> overrides) {
        Node.Table root = file == null
                ? new Node.Table(new Node.Origin(ReadContext.COMMAND_LINE, true, 0, 0))
                : TomlSource.read(file);
        return start(root, keys, overrides);
    }

    /**
     * Like {@link #load}, over TOML text already in hand.
     *
     * @param sourceName the file name the messages give
     */
    public static ConfigReader parse(String toml, String sourceName, List<Key<?>> keys, Map<String, String> overrides) {
        return start(TomlSource.parse(toml, sourceName), keys, overrides);
    }

    private static ConfigReader start(Node.Table root, List<Key<?>> keys, Map<String, String> overrides) {
        ReadContext ctx = new ReadContext(root);
        Overrides.apply(root, Objects.requireNonNull(overrides, "overrides"), keys, ctx);
        return new ConfigReader(ctx, root, "", null);
    }

    /** This table's key path ({@code upstream.app}, {@code location[2]}), empty at the top level. */
    public String path() {
        return path;
    }

    /**
     * The value of a single-value or list key in this table: the file's or override's value,
     * else the default (null for optional and required keys; a missing required key is an error).
     * A bad value is recorded as an error and the default returned.
     */
    public <T> T get(Key<T> key) {
        String name = key.name();
        table.known.add(name);
        Node node = table.entries.get(name);
        if (node == null) {
            if (key.isRequired()) {
                missing(key);
            }
            return key.defaultValue();
        }
        T value = decode(key.type(), node, childPath(name));
        return value != null ? value : key.defaultValue();
    }

    /**
     * Reads each value key of {@code keys} in this table as {@link #get} does: the values of one
     * part of the config in one call, for a {@link ConfigView} to read from. A section among
     * {@code keys} (a group lists its sections in their place, for the order they are written in)
     * holds keys rather than a value and is left to {@link #section}, {@link #tableArray} or
     * {@link #tableMap}.
     */
    public ConfigValues values(List<Key<?>> keys) {
        Map<Key<?>, Object> out = new LinkedHashMap<>();
        for (Key<?> key : keys) {
            Object value = key.isSection() ? null : get(key);
            if (value != null) {
                out.put(key, value);
            }
        }
        return new ConfigValues(keys, out);
    }

    /** {@link #get} for a key that may be absent. */
    public <T> Optional<T> optional(Key<T> key) {
        return Optional.ofNullable(get(key));
    }

    /** Whether the file or an override sets {@code key} in this table (as opposed to its default applying). */
    public boolean isSet(Key<?> key) {
        table.known.add(key.name());
        return table.entries.containsKey(key.name());
    }

    /**
     * Whether {@code key}'s value in this table comes from a command-line override rather than
     * the file, for rules where the command line must win over a conflicting file value.
     */
    public boolean isOverride(Key<?> key) {
        Node node = table.entries.get(key.name());
        return node != null && node.origin().commandLine();
    }

    /** A reader over the table {@code key} names ({@code [open_file_cache]}); empty if absent. */
    public ConfigReader section(Key<Void> key) {
        String name = key.name();
        table.known.add(name);
        Node node = table.entries.get(name);
        if (node instanceof Node.Table t) {
            return new ConfigReader(ctx, t, childPath(name), this);
        }
        if (node != null) {
            report(node, childPath(name), key.type().expected() + ", written [" + childPath(name) + "]");
        }
        return new ConfigReader(ctx, new Node.Table(table.origin), childPath(name), this);
    }

    /**
     * Readers over each table of the array of tables {@code key} names ({@code [[location]]}),
     * in file order; empty if absent. Where the key's type allows it, a plain string element
     * reads as a table holding only the shorthand key.
     */
    public List<ConfigReader> tableArray(Key<Void> key) {
        String name = key.name();
        table.known.add(name);
        Node node = table.entries.get(name);
        String at = childPath(name);
        if (node == null) {
            if (key.isRequired()) {
                missing(key);
            }
            return List.of();
        }
        if (node instanceof Node.Scalar && key.type().shorthandKey != null) {
            // A single value where the array is expected is an array of one: listen = "127.0.0.1:8080".
            Node.Table stand = new Node.Table(node.origin());
            stand.entries.put(key.type().shorthandKey, node);
            stand.shorthandKey = key.type().shorthandKey;
            return List.of(new ConfigReader(ctx, stand, at, this));
        }
        if (!(node instanceof Node.Array array)) {
            report(node, at, key.type().expected() + (node instanceof Node.Table ? ", written [[" + at + "]]" : ""));
            return List.of();
        }
        List<ConfigReader> out = new ArrayList<>();
        for (int i = 0; i < array.items().size(); i++) {
            Node item = array.items().get(i);
            String itemAt = at + "[" + i + "]";
            if (item instanceof Node.Table t) {
                out.add(new ConfigReader(ctx, t, itemAt, this));
            } else if (item instanceof Node.Scalar && key.type().shorthandKey != null) {
                Node.Table stand = new Node.Table(item.origin());
                stand.entries.put(key.type().shorthandKey, item);
                stand.shorthandKey = key.type().shorthandKey;
                out.add(new ConfigReader(ctx, stand, itemAt, this));
            } else {
                report(item, itemAt, key.type().expected());
            }
        }
        return Collections.unmodifiableList(out);
    }

    /**
     * Readers over each table of a table of user-named tables ({@code [upstream.NAME]}, the key's
     * pattern ending in a {@code <name>} segment), by name in file order; empty if absent.
     */
    public Map<String, ConfigReader> tableMap(Key<Void> key) {
        Map<String, ConfigReader> out = new LinkedHashMap<>();
        forEachNamed(key, (name, node, at) -> {
            if (node instanceof Node.Table t) {
                out.put(name, new ConfigReader(ctx, t, at, this));
            } else {
                report(node, at, key.type().expected() + ", written [" + at + "]");
            }
        });
        return Collections.unmodifiableMap(out);
    }

    /**
     * The entries of a table of user-named values ({@code [mime_types]}, the key's pattern ending
     * in a {@code <name>} segment), each read with the key's type, in file order; empty if absent.
     */
    public <T> Map<String, T> map(Key<T> key) {
        Map<String, T> out = new LinkedHashMap<>();
        forEachNamed(key, (name, node, at) -> {
            T value = decode(key.type(), node, at);
            if (value != null) {
                out.put(name, value);
            }
        });
        return Collections.unmodifiableMap(out);
    }

    private interface NamedEntry {
        void accept(String name, Node node, String at);
    }

    private void forEachNamed(Key<?> key, NamedEntry action) {
        List<KeyPath.Segment> segments = key.path().segments();
        if (segments.size() < 2 || !segments.get(segments.size() - 1).isWildcard()) {
            throw new IllegalArgumentException(key + " does not end in a <name> segment");
        }
        String name = segments.get(segments.size() - 2).name();
        table.known.add(name);
        Node node = table.entries.get(name);
        String at = childPath(name);
        if (node == null) {
            return;
        }
        if (!(node instanceof Node.Table t)) {
            report(node, at, "a table, written [" + at + "]");
            return;
        }
        t.visited = true;
        t.openEnded = true;
        for (Map.Entry<String, Node> e : t.entries.entrySet()) {
            String entryAt = KeyPath.child(at, e.getKey());
            if (!KeyPath.isBare(e.getKey())) {
                countError();
                ctx.error(e.getValue().origin(), e.getValue().origin().source() + ": " + entryAt + ": expected "
                        + NAME_EXPECTED);
                continue;
            }
            action.accept(e.getKey(), e.getValue(), entryAt);
        }
    }

    /**
     * Whether a value read so far from this table, or from a table inside it, was bad (wrong
     * type, out of range, missing).
     * Rules between keys are checked only when it is not, since a bad value was replaced by its
     * default and the rule would report a second, misleading error for the same mistake.
     */
    public boolean hasErrors() {
        return errors > 0;
    }

    /**
     * Records that {@code key}'s value in this table breaks a rule that involves other keys
     * ({@code reuse_port} with a unix bind): the message shows the key's value as written, or its
     * default, and {@code expected}.
     */
    public void reject(Key<?> key, String expected) {
        Node node = table.entries.get(key.name());
        String at = childPath(key.name());
        if (node != null) {
            report(node, at, expected);
            return;
        }
        @SuppressWarnings("unchecked")
        Key<Object> k = (Key<Object>) key;
        Object def = k.defaultValue();
        String shown = def == null ? ": " : " = " + k.type().toToml(def) + " (the default): ";
        countError();
        ctx.error(table.origin, table.origin.source() + ": " + at + shown + "expected " + expected);
    }

    /**
     * Ends the load: records every key the file or the overrides set that no read asked for, then
     * throws if anything was wrong. Call it on the top-level reader after the config is built.
     *
     * @throws ConfigException listing every error, file errors in file order, then command-line ones
     */
    public void finish() {
        collectUnknown(ctx.root, "");
        ctx.throwIfAny();
    }

    private void collectUnknown(Node.Table t, String at) {
        if (!t.visited) {
            return;
        }
        for (Map.Entry<String, Node> e : t.entries.entrySet()) {
            String childAt = KeyPath.child(at, e.getKey());
            Node node = e.getValue();
            if (!t.openEnded && !t.known.contains(e.getKey())) {
                String value = isValue(node) ? " = " + TomlText.of(node) : "";
                String hint = NearestName.closest(e.getKey(), t.known).map(s -> ", did you mean " + s + "?").orElse("");
                ctx.error(node.origin(), node.origin().source() + ": " + childAt + value + ": unknown key" + hint);
                continue;
            }
            if (node instanceof Node.Table child) {
                collectUnknown(child, childAt);
            } else if (node instanceof Node.Array array) {
                for (int i = 0; i < array.items().size(); i++) {
                    if (array.items().get(i) instanceof Node.Table child) {
                        collectUnknown(child, childAt + "[" + i + "]");
                    }
                }
            }
        }
    }

    /** Whether a node is a plain value (or list of them), shown with "= value" in messages. */
    private static boolean isValue(Node node) {
        return node instanceof Node.Scalar
                || node instanceof Node.Array a && a.items().stream().allMatch(i -> i instanceof Node.Scalar);
    }

    private String childPath(String name) {
        return name.equals(table.shorthandKey) ? path : KeyPath.child(path, name);
    }

    /** Decodes a node with a value type; records an error and returns null if it does not fit. */
    private <T> T decode(ValueType<T> type, Node node, String at) {
        return switch (type.shape) {
            case SCALAR -> decodeScalar(type, node, at);
            case LIST -> decodeList(type, node, at);
            case TABLE, TABLE_ARRAY -> throw new IllegalArgumentException(
                    at + " is a section: read it with section, tableArray or tableMap");
        };
    }

    private <T> T decodeScalar(ValueType<T> type, Node node, String at) {
        if (!(node instanceof Node.Scalar s)) {
            report(node, at, type.expected());
            return null;
        }
        try {
            return type.decode(s.value(), s.text());
        } catch (InvalidValueException e) {
            report(node, at, e.expected());
        } catch (IllegalArgumentException e) {
            report(node, at, type.expected());
        }
        return null;
    }

    private <T> T decodeList(ValueType<T> type, Node node, String at) {
        @SuppressWarnings("unchecked")
        ValueType<Object> element = (ValueType<Object>) type.element;
        List<Object> out = new ArrayList<>();
        boolean ok = true;
        if (node instanceof Node.Array array) {
            for (int i = 0; i < array.items().size(); i++) {
                Object v = decode(element, array.items().get(i), at + "[" + i + "]");
                ok &= v != null;
                out.add(v);
            }
        } else if (node instanceof Node.Scalar s && s.value() instanceof String str && type.fileSplit != null) {
            // One string holding several values, as on a java command line: "a.jar:b.jar".
            for (String part : type.fileSplit.split(str)) {
                if (!part.isEmpty()) {
                    Object v = decode(element, new Node.Scalar(part, s.text(), s.origin()), at);
                    ok &= v != null;
                    out.add(v);
                }
            }
        } else if (node instanceof Node.Scalar) {
            // A single value where a list is expected is a list of one: listen = "127.0.0.1:8080".
            Object v = decode(element, node, at);
            ok &= v != null;
            out.add(v);
        } else {
            report(node, at, type.expected());
            return null;
        }
        if (!ok) {
            return null;
        }
        if (type.nonEmpty && out.isEmpty()) {
            report(node, at, type.expected());
            return null;
        }
        @SuppressWarnings("unchecked")
        T list = (T) List.copyOf(out);
        return list;
    }

    private void countError() {
        for (ConfigReader r = this; r != null; r = r.parent) {
            r.errors++;
        }
    }

    private void missing(Key<?> key) {
        countError();
        ctx.error(table.origin, table.origin.source() + ": " + childPath(key.name()) + ": missing, expected "
                + key.type().expected());
    }

    private void report(Node node, String at, String expected) {
        countError();
        ctx.error(node.origin(), node.origin().source() + ": " + at + " = " + TomlText.of(node) + ": expected " + expected);
    }
}
