package dev.gatehouse.conf.schema;

import java.util.List;
import java.util.Map;
import java.util.StringJoiner;

/** TOML literals: how values are written back, in rendered files and in error messages. */
final class TomlText {

    private TomlText() {
    }

    /** A TOML basic string, with quotes, backslashes and control characters escaped. */
    static String string(String s) {
        StringBuilder sb = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\t' -> sb.append("\\t");
                case '\r' -> sb.append("\\r");
                default -> {
                    if (c < 0x20 || c == 0x7f) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.append('"').toString();
    }

    /** A node as TOML text, for "key = value" in messages; tables come out inline. */
    static String of(Node node) {
        return switch (node) {
            case Node.Scalar s -> s.value() instanceof String str ? string(str) : scalar(s.value());
            case Node.Array a -> {
                StringJoiner j = new StringJoiner(", ", "[", "]");
                a.items().forEach(item -> j.add(of(item)));
                yield j.toString();
            }
            case Node.Table t -> {
                StringJoiner j = new StringJoiner(", ", "{ ", " }").setEmptyValue("{}");
                for (Map.Entry<String, Node> e : t.entries.entrySet()) {
                    j.add(KeyPath.quote(e.getKey()) + " = " + of(e.getValue()));
                }
                yield j.toString();
            }
        };
    }

    /** A list of already rendered values as a TOML array. */
    static String array(List<String> rendered) {
        return "[" + String.join(", ", rendered) + "]";
    }

    private static String scalar(Object value) {
        if (value instanceof Double d) {
            if (d.isNaN()) {
                return "nan";
            }
            if (d.isInfinite()) {
                return d > 0 ? "inf" : "-inf";
            }
        }
        return String.valueOf(value);
    }
}
