package dev.gatehouse.cli.reference;

import dev.gatehouse.conf.KeySpec;
import java.util.ArrayList;
import java.util.List;

/**
 * The keys of one config file laid out as TOML tables: which keys are tables ({@code
 * open_file_cache}, {@code upstream.<name>}) or arrays of tables ({@code location[]}), and which
 * keys each table holds. A key is a table when other keys sit under its path; it is an array of
 * tables when they sit under {@code path[]}.
 *
 * <p>TOML assigns a key to the last table header above it, so a table's own keys must be written
 * before its sub-tables: {@link #root()} gives that order.
 */
final class KeyLayout {

    /** A table (or the file's top level, with a null spec) and what it holds, in key order. */
    record Table(KeySpec spec, boolean array, List<KeySpec> keys, List<Table> tables) {

        /** The header as TOML writes it: {@code [open_file_cache]}, {@code [[location.uwsgi_params]]}. */
        String header() {
            String name = tomlName(spec.path());
            return array ? "[[" + name + "]]" : "[" + name + "]";
        }

        /** The key path relative to this table, as written under its header. */
        String leaf(KeySpec key) {
            if (spec == null) {
                return tomlName(key.path());
            }
            String prefix = spec.path() + (array && !spec.path().endsWith("[]") ? "[]." : ".");
            return tomlName(key.path().substring(prefix.length()));
        }
    }

    private final Table root;

    private KeyLayout(Table root) {
        this.root = root;
    }

    /** Lays out {@code keys} (in file order, as {@code keys()} returns them). */
    static KeyLayout of(List<KeySpec> keys) {
        Table root = new Table(null, false, new ArrayList<>(), new ArrayList<>());
        List<Table> tables = new ArrayList<>();
        for (KeySpec key : keys) {
            Table parent = parentOf(key, tables, root);
            if (isTable(key, keys)) {
                Table t = new Table(key, isArray(key, keys), new ArrayList<>(), new ArrayList<>());
                tables.add(t);
                parent.tables().add(t);
            } else {
                parent.keys().add(key);
            }
        }
        return new KeyLayout(root);
    }

    /** The top level: plain keys first, then each table with its keys and sub-tables. */
    Table root() {
        return root;
    }

    /**
     * A path as TOML text: {@code location[].uwsgi_params[]} to {@code location.uwsgi_params},
     * and a placeholder such as {@code <name>} to {@code NAME}, a bare key the reader replaces.
     */
    static String tomlName(String path) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < path.length(); i++) {
            char c = path.charAt(i);
            if (c == '<') {
                int end = path.indexOf('>', i);
                out.append(path.substring(i + 1, end).toUpperCase(java.util.Locale.ROOT));
                i = end;
            } else if (c == '[' && path.startsWith("[]", i)) {
                i++;
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    private static Table parentOf(KeySpec key, List<Table> tables, Table root) {
        Table best = root;
        for (Table t : tables) {
            if (isUnder(key.path(), t.spec().path())
                    && (best.spec() == null || t.spec().path().length() > best.spec().path().length())) {
                best = t;
            }
        }
        return best;
    }

    private static boolean isTable(KeySpec key, List<KeySpec> keys) {
        return keys.stream().anyMatch(k -> k != key && isUnder(k.path(), key.path()));
    }

    private static boolean isArray(KeySpec key, List<KeySpec> keys) {
        return key.path().endsWith("[]")
                || keys.stream().anyMatch(k -> k.path().startsWith(key.path() + "[]."));
    }

    private static boolean isUnder(String path, String table) {
        return path.startsWith(table + ".") || path.startsWith(table + "[].");
    }
}
