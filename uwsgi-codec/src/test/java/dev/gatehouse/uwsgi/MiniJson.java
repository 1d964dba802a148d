package dev.gatehouse.uwsgi;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The tests' one JSON reader (RFC 8259), so that no module needs a JSON library on its test class
 * path: the codec's test vectors, the demo app's replies, the nginx captures, the gunicorn corpus
 * and the proxy's JSON access log. Shared through this module's test-jar.
 *
 * <p>Values come back as plain Java values: an object as a {@link Map} with its members in document
 * order, an array as a {@link List}, a string as a {@link String}, a number as a {@link Long} when
 * it is an integer and a {@link Double} otherwise, {@code true}/{@code false} as a {@link Boolean},
 * and {@code null} as null. Malformed input (including a duplicate member name, a raw control
 * character in a string and trailing text) is an {@link IllegalArgumentException} naming the
 * offset.
 */
public final class MiniJson {

    private final String text;
    private int pos;

    private MiniJson(String text) {
        this.text = text;
    }

    /**
     * @param text one JSON value, optionally surrounded by whitespace
     * @return the value, as described in the class comment
     * @throws IllegalArgumentException naming the offset on malformed input
     */
    public static Object parse(String text) {
        MiniJson parser = new MiniJson(text);
        Object value = parser.value();
        parser.skipWhitespace();
        if (parser.pos != text.length()) {
            throw parser.error("trailing characters");
        }
        return value;
    }

    /**
     * @param text a JSON object
     * @return its members in document order
     * @throws IllegalArgumentException on malformed input or another kind of value
     */
    public static Map<String, Object> parseObject(String text) {
        return asObject(parse(text));
    }

    /**
     * @param value a value {@link #parse} returned for a JSON object
     * @return it as a map of its members
     * @throws IllegalArgumentException if it is not an object
     */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> asObject(Object value) {
        if (!(value instanceof Map<?, ?>)) {
            throw new IllegalArgumentException("not a JSON object: " + preview(String.valueOf(value)));
        }
        return (Map<String, Object>) value;
    }

    /**
     * @param value a value {@link #parse} returned for a JSON array
     * @return it as a list of its items
     * @throws IllegalArgumentException if it is not an array
     */
    @SuppressWarnings("unchecked")
    public static List<Object> asArray(Object value) {
        if (!(value instanceof List<?>)) {
            throw new IllegalArgumentException("not a JSON array: " + preview(String.valueOf(value)));
        }
        return (List<Object>) value;
    }

    private Object value() {
        skipWhitespace();
        return switch (peek()) {
            case '{' -> object();
            case '[' -> array();
            case '"' -> string();
            case 't' -> literal("true", Boolean.TRUE);
            case 'f' -> literal("false", Boolean.FALSE);
            case 'n' -> literal("null", null);
            default -> number();
        };
    }

    private Map<String, Object> object() {
        Map<String, Object> members = new LinkedHashMap<>();
        pos++;
        skipWhitespace();
        if (peek() == '}') {
            pos++;
            return members;
        }
        while (true) {
            skipWhitespace();
            if (peek() != '"') {
                throw error("expected a member name");
            }
            int at = pos;
            String name = string();
            skipWhitespace();
            expect(':');
            Object value = value();
            if (members.containsKey(name)) {
                pos = at;
                throw error("duplicate member \"" + name + "\"");
            }
            members.put(name, value);
            skipWhitespace();
            if (peek() == ',') {
                pos++;
            } else {
                expect('}');
                return members;
            }
        }
    }

    private List<Object> array() {
        List<Object> items = new ArrayList<>();
        pos++;
        skipWhitespace();
        if (peek() == ']') {
            pos++;
            return items;
        }
        while (true) {
            items.add(value());
            skipWhitespace();
            if (peek() == ',') {
                pos++;
            } else {
                expect(']');
                return items;
            }
        }
    }

    private String string() {
        expect('"');
        StringBuilder out = new StringBuilder();
        while (true) {
            if (pos >= text.length()) {
                throw error("unterminated string");
            }
            char c = text.charAt(pos++);
            if (c == '"') {
                return out.toString();
            }
            if (c < 0x20) {
                pos--;
                throw error("unescaped control character");
            }
            if (c != '\\') {
                out.append(c);
                continue;
            }
            char e = peek();
            pos++;
            switch (e) {
                case '"', '\\', '/' -> out.append(e);
                case 'b' -> out.append('\b');
                case 'f' -> out.append('\f');
                case 'n' -> out.append('\n');
                case 'r' -> out.append('\r');
                case 't' -> out.append('\t');
                // A surrogate pair is two escapes, each appended as its UTF-16 unit.
                case 'u' -> out.append(hex4());
                default -> throw error("bad escape \\" + e);
            }
        }
    }

    private char hex4() {
        if (pos + 4 > text.length()) {
            throw error("short \\u escape");
        }
        int code = 0;
        for (int i = 0; i < 4; i++) {
            int digit = Character.digit(text.charAt(pos + i), 16);
            if (digit < 0) {
                throw error("bad \\u escape");
            }
            code = code * 16 + digit;
        }
        pos += 4;
        return (char) code;
    }

    /** RFC 8259: {@code -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?}. */
    private Object number() {
        int start = pos;
        skip('-');
        if (!skip('0') && digits() == 0) {
            throw error("unexpected character '" + text.charAt(start) + "'");
        }
        boolean integer = true;
        if (skip('.')) {
            integer = false;
            if (digits() == 0) {
                throw error("expected a digit after the decimal point");
            }
        }
        if (skip('e') || skip('E')) {
            integer = false;
            if (!skip('+')) {
                skip('-');
            }
            if (digits() == 0) {
                throw error("expected a digit in the exponent");
            }
        }
        String token = text.substring(start, pos);
        try {
            return integer ? (Object) Long.parseLong(token) : (Object) Double.parseDouble(token);
        } catch (NumberFormatException e) {
            pos = start;
            throw error("number out of range " + token);
        }
    }

    private boolean skip(char c) {
        if (pos < text.length() && text.charAt(pos) == c) {
            pos++;
            return true;
        }
        return false;
    }

    private int digits() {
        int start = pos;
        while (pos < text.length() && text.charAt(pos) >= '0' && text.charAt(pos) <= '9') {
            pos++;
        }
        return pos - start;
    }

    private Object literal(String word, Object value) {
        if (!text.startsWith(word, pos)) {
            throw error("expected " + word);
        }
        pos += word.length();
        return value;
    }

    private char peek() {
        if (pos >= text.length()) {
            throw error("unexpected end");
        }
        return text.charAt(pos);
    }

    private void expect(char c) {
        if (peek() != c) {
            throw error("expected '" + c + "'");
        }
        pos++;
    }

    private void skipWhitespace() {
        while (pos < text.length() && " \t\r\n".indexOf(text.charAt(pos)) >= 0) {
            pos++;
        }
    }

    private IllegalArgumentException error(String what) {
        return new IllegalArgumentException("bad JSON at offset " + pos + ": " + what + " in " + preview(text));
    }

    private static String preview(String text) {
        return text.length() <= 300 ? text : text.substring(0, 300) + "...";
    }
}
