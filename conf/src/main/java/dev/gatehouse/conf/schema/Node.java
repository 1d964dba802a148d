package dev.gatehouse.conf.schema;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The parsed configuration as a tree that knows where each value came from (file and line, or
 * the command line). The TOML document is copied into this form so that command-line overrides
 * can be merged into it and every later read works the same way whatever the value's source.
 */
sealed interface Node permits Node.Scalar, Node.Array, Node.Table {

    /** Where a node came from. */
    Origin origin();

    /**
     * A value's source, for messages and for listing errors in file order.
     *
     * @param source the file name, or {@code command line}
     * @param commandLine whether the value is an override (those sort after the file's errors)
     * @param line 1-based line in the file, or the override's position among the overrides
     * @param column 1-based column, or 0
     */
    record Origin(String source, boolean commandLine, int line, int column) {
    }

    /**
     * A leaf value.
     *
     * @param value a String, Long, Double, Boolean or java.time value from TOML, or the raw String
     *     of an override
     * @param text whether {@code value} is command-line text, to be parsed by the key's type
     *     (so that {@code --workers 4} works for an integer key)
     */
    record Scalar(Object value, boolean text, Origin origin) implements Node {
    }

    /** An array; overrides may append to it ({@code location[2].path=...}). */
    record Array(List<Node> items, Origin origin) implements Node {
        Array(Origin origin) {
            this(new ArrayList<>(), origin);
        }
    }

    /**
     * A table, with the bookkeeping that finds unknown keys: the names the config code asked
     * for ({@code known}, whether present or not) and whether it read this table at all.
     */
    final class Table implements Node {
        final Map<String, Node> entries = new LinkedHashMap<>();
        final Set<String> known = new HashSet<>();
        final Origin origin;
        /** Set when every entry is a user-chosen name ({@code [upstream.NAME]}, {@code [mime_types]}). */
        boolean openEnded;
        boolean visited;
        /**
         * For a table that stands in for a plain string element ({@code servers = ["unix:/a"]}
         * read as {@code servers = [{address = "unix:/a"}]}): the name of the key the string is
         * for, whose errors then name the element itself ({@code servers[0]}).
         */
        String shorthandKey;

        Table(Origin origin) {
            this.origin = origin;
        }

        @Override
        public Origin origin() {
            return origin;
        }
    }
}
