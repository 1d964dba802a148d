package dev.gatehouse.conf.schema;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Merges command-line overrides into the parsed file. An override is a key path and a string
 * ({@code workers=4}, {@code upstream.app.keepalive=8}, {@code location[0].root=/srv/www}); it
 * replaces the file's value, creating the tables on the way, and is parsed later by the key's
 * type like any other value, so a bad override gets the same kind of message as a bad file value.
 */
final class Overrides {

    private final Node.Table root;
    private final List<Key<?>> keys;
    private final ReadContext ctx;

    private Overrides(Node.Table root, List<Key<?>> keys, ReadContext ctx) {
        this.root = root;
        this.keys = keys;
        this.ctx = ctx;
    }

    /** Applies {@code overrides} in their iteration order; problems go to {@code ctx}. */
    static void apply(Node.Table root, Map<String, String> overrides, List<Key<?>> keys, ReadContext ctx) {
        Overrides o = new Overrides(root, keys, ctx);
        int position = 0;
        for (Map.Entry<String, String> e : overrides.entrySet()) {
            position++;
            o.apply(e.getKey(), e.getValue(), new Node.Origin(ReadContext.COMMAND_LINE, true, position, 0));
        }
    }

    private void apply(String pathText, String raw, Node.Origin origin) {
        if (raw == null) {
            ctx.error(origin, ReadContext.COMMAND_LINE + ": " + pathText + ": expected a value");
            return;
        }
        String prefix = ReadContext.COMMAND_LINE + ": " + pathText + " = " + TomlText.string(raw) + ": ";
        KeyPath path;
        try {
            path = KeyPath.parse(pathText);
        } catch (IllegalArgumentException e) {
            ctx.error(origin, prefix + "expected a key path such as workers or upstream.app.keepalive");
            return;
        }
        Optional<Key<?>> key = keys.stream().filter(k -> path.matches(k.path())).findFirst()
                .or(() -> keys.stream().filter(k -> path.namesSection(k.path())).findFirst());
        if (key.isEmpty()) {
            ctx.error(origin, prefix + "unknown key" + suggestion(path));
            return;
        }
        Node value = textNode(key.get().type(), raw, origin);
        if (value == null) {
            ctx.error(origin, prefix + "expected one of its keys, such as " + exampleInside(key.get(), path));
            return;
        }
        insert(path, value, origin, prefix);
    }

    /** The override as a node of the shape the key's type reads; null if it has no text form. */
    private static Node textNode(ValueType<?> type, String raw, Node.Origin origin) {
        return switch (type.shape) {
            case SCALAR -> new Node.Scalar(raw, true, origin);
            case LIST, TABLE_ARRAY -> {
                if (type.textSplit == null) {
                    yield null;
                }
                Node.Array array = new Node.Array(origin);
                Arrays.stream(type.textSplit.split(raw))
                        .map(String::strip)
                        .filter(s -> !s.isEmpty())
                        .forEach(s -> array.items().add(new Node.Scalar(s, true, origin)));
                yield array;
            }
            case TABLE -> null;
        };
    }

    private void insert(KeyPath path, Node value, Node.Origin origin, String prefix) {
        Node.Table table = root;
        List<KeyPath.Segment> segments = path.segments();
        StringBuilder at = new StringBuilder();
        for (int i = 0; i < segments.size() - 1; i++) {
            KeyPath.Segment s = segments.get(i);
            String name = KeyPath.quote(s.name());
            at.append(at.isEmpty() ? "" : ".").append(name);
            Node next = table.entries.get(s.name());
            if (s.index() == KeyPath.NO_INDEX) {
                if (next == null) {
                    next = new Node.Table(origin);
                    table.entries.put(s.name(), next);
                }
                if (!(next instanceof Node.Table t)) {
                    ctx.error(origin, prefix + "expected " + at + " to be a table, but " + next.origin().source()
                            + " sets it to " + TomlText.of(next));
                    return;
                }
                table = t;
                continue;
            }
            if (next == null) {
                next = new Node.Array(origin);
                table.entries.put(s.name(), next);
            }
            if (!(next instanceof Node.Array array)) {
                ctx.error(origin, prefix + "expected " + at + " to be an array of tables, but "
                        + next.origin().source() + " sets it to " + TomlText.of(next));
                return;
            }
            int size = array.items().size();
            if (s.index() > size) {
                ctx.error(origin, prefix + "expected an index from 0 to " + size + " for " + at
                        + " (" + size + " defined; " + size + " adds one)");
                return;
            }
            if (s.index() == size) {
                array.items().add(new Node.Table(origin));
            }
            String shorthand = shorthandKey(at.toString());
            if (shorthand != null && array.items().get(s.index()) instanceof Node.Scalar scalar) {
                // A plain string element ("127.0.0.1:8080") stands for a table holding only the
                // shorthand key: setting another key in it makes that table explicit.
                Node.Table t = new Node.Table(scalar.origin());
                t.entries.put(shorthand, scalar);
                array.items().set(s.index(), t);
            }
            at.append('[').append(s.index()).append(']');
            if (!(array.items().get(s.index()) instanceof Node.Table t)) {
                ctx.error(origin, prefix + "expected " + at + " to be a table, but "
                        + array.items().get(s.index()).origin().source() + " sets it to "
                        + TomlText.of(array.items().get(s.index())));
                return;
            }
            table = t;
        }
        table.entries.put(path.last(), value);
    }

    /** The shorthand key of the array of tables at {@code at} ({@code listen}: address), or null. */
    private String shorthandKey(String at) {
        KeyPath p;
        try {
            p = KeyPath.parse(at);
        } catch (IllegalArgumentException e) {
            return null;
        }
        return keys.stream().filter(k -> k.type().shorthandKey != null && p.matches(k.path()))
                .map(k -> k.type().shorthandKey).findFirst().orElse(null);
    }

    private String suggestion(KeyPath path) {
        List<String> candidates = keys.stream()
                .filter(k -> k.type().shape != ValueType.Shape.TABLE && k.type().shape != ValueType.Shape.TABLE_ARRAY
                        || k.type().textSplit != null)
                .map(k -> path.instantiate(k.path()))
                .toList();
        return NearestName.closest(path.toString(), candidates).map(s -> ", did you mean " + s + "?").orElse("");
    }

    /** A settable key inside a section, for the message that tells how to set a section from the command line. */
    private String exampleInside(Key<?> section, KeyPath path) {
        String p = section.pattern();
        return keys.stream()
                .filter(k -> k.pattern().startsWith(p + ".") || k.pattern().startsWith(p + "[]."))
                .findFirst()
                .map(k -> path.instantiate(k.path()))
                .orElse(p);
    }
}
