package dev.gatehouse.conf.schema;

import java.util.ArrayList;
import java.util.List;

/**
 * A dotted key path, either concrete ({@code upstream.app.servers[1].weight}, what messages and
 * command-line overrides use) or a pattern ({@code upstream.<name>.servers[].weight}, what
 * {@link Key}s are declared with).
 */
record KeyPath(List<Segment> segments) {

    /** No index: a plain table key. */
    static final int NO_INDEX = -1;
    /** The {@code []} of a pattern: any element of an array. */
    static final int ANY_INDEX = -2;

    /**
     * One step of a path.
     *
     * @param name the key; in a pattern, {@code <...>} stands for any name
     * @param index the array index, {@link #NO_INDEX}, or {@link #ANY_INDEX} in a pattern
     */
    record Segment(String name, int index) {
        boolean isWildcard() {
            return name.startsWith("<");
        }
    }

    KeyPath {
        segments = List.copyOf(segments);
    }

    /** Parses a {@link Key} pattern; a malformed pattern is a programming error. */
    static KeyPath pattern(String pattern) {
        List<Segment> out = new ArrayList<>();
        for (String part : pattern.split("\\.", -1)) {
            boolean any = part.endsWith("[]");
            String name = any ? part.substring(0, part.length() - 2) : part;
            boolean wildcard = name.startsWith("<") && name.endsWith(">") && name.length() > 2;
            if (!wildcard && !isBare(name)) {
                throw new IllegalArgumentException("bad key pattern: " + pattern);
            }
            out.add(new Segment(name, any ? ANY_INDEX : NO_INDEX));
        }
        return new KeyPath(out);
    }

    /**
     * Parses a concrete path as given on the command line: bare or double-quoted names separated
     * by dots, each optionally followed by {@code [index]}: {@code location[0].path},
     * {@code mime_types."c++"}.
     *
     * @throws IllegalArgumentException if the text is not such a path
     */
    static KeyPath parse(String text) {
        List<Segment> out = new ArrayList<>();
        int i = 0;
        int n = text.length();
        while (true) {
            String name;
            if (i < n && text.charAt(i) == '"') {
                int close = text.indexOf('"', i + 1);
                if (close < 0) {
                    throw new IllegalArgumentException("unterminated quote");
                }
                name = text.substring(i + 1, close);
                i = close + 1;
            } else {
                int start = i;
                while (i < n && isBareChar(text.charAt(i))) {
                    i++;
                }
                name = text.substring(start, i);
                if (name.isEmpty()) {
                    throw new IllegalArgumentException("empty name");
                }
            }
            int index = NO_INDEX;
            if (i < n && text.charAt(i) == '[') {
                int close = text.indexOf(']', i);
                String digits = close < 0 ? "" : text.substring(i + 1, close);
                if (digits.isEmpty() || digits.length() > 6 || !digits.chars().allMatch(c -> c >= '0' && c <= '9')) {
                    throw new IllegalArgumentException("bad index");
                }
                index = Integer.parseInt(digits);
                i = close + 1;
            }
            out.add(new Segment(name, index));
            if (i == n) {
                return new KeyPath(out);
            }
            if (text.charAt(i) != '.') {
                throw new IllegalArgumentException("expected '.' at " + i);
            }
            i++;
        }
    }

    /** Whether this concrete path is an instance of {@code pattern}. */
    boolean matches(KeyPath pattern) {
        if (segments.size() != pattern.segments.size()) {
            return false;
        }
        for (int i = 0; i < segments.size(); i++) {
            Segment s = segments.get(i);
            Segment p = pattern.segments.get(i);
            boolean nameOk = p.isWildcard() || p.name().equals(s.name());
            boolean indexOk = p.index() == ANY_INDEX ? s.index() >= 0 : s.index() == NO_INDEX;
            if (!nameOk || !indexOk) {
                return false;
            }
        }
        return true;
    }

    /**
     * Whether this path names the section {@code pattern} declares, with or without an index on
     * the last segment: {@code location} and {@code location[0]} both name {@code location[]}.
     */
    boolean namesSection(KeyPath pattern) {
        int last = segments.size() - 1;
        if (last != pattern.segments.size() - 1 || pattern.segments.get(last).index() != ANY_INDEX) {
            return false;
        }
        List<Segment> trimmed = new ArrayList<>(segments);
        trimmed.set(last, new Segment(segments.get(last).name(), 0));
        return new KeyPath(trimmed).matches(pattern);
    }

    /**
     * {@code pattern} with its wildcards filled from this path where the shapes line up, for
     * "did you mean" suggestions: {@code upstream.app.keepalve} against
     * {@code upstream.<name>.keepalive} gives {@code upstream.app.keepalive}.
     */
    String instantiate(KeyPath pattern) {
        List<Segment> out = new ArrayList<>();
        for (int i = 0; i < pattern.segments.size(); i++) {
            Segment p = pattern.segments.get(i);
            Segment s = i < segments.size() ? segments.get(i) : null;
            String name = p.isWildcard() && s != null ? s.name() : p.name();
            int index = p.index() == ANY_INDEX ? (s != null && s.index() >= 0 ? s.index() : 0) : NO_INDEX;
            out.add(new Segment(name, index));
        }
        return new KeyPath(out).toString();
    }

    /** The last segment's name. */
    String last() {
        return segments.get(segments.size() - 1).name();
    }

    /** The path as text, names quoted where TOML needs it: {@code location[0].path}. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        for (Segment s : segments) {
            if (!sb.isEmpty()) {
                sb.append('.');
            }
            sb.append(s.isWildcard() ? s.name() : quote(s.name()));
            if (s.index() >= 0) {
                sb.append('[').append(s.index()).append(']');
            } else if (s.index() == ANY_INDEX) {
                sb.append("[]");
            }
        }
        return sb.toString();
    }

    /** Appends a key to a concrete path text, quoting it if it is not a bare TOML key. */
    static String child(String parent, String name) {
        return parent.isEmpty() ? quote(name) : parent + "." + quote(name);
    }

    /** A key as TOML writes it: bare if it can be, else a quoted string. */
    static String quote(String name) {
        return isBare(name) ? name : TomlText.string(name);
    }

    /** Whether TOML accepts {@code name} as a bare key: letters, digits, '-' and '_'. */
    static boolean isBare(String name) {
        return !name.isEmpty() && name.chars().allMatch(c -> isBareChar((char) c));
    }

    private static boolean isBareChar(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    }
}
