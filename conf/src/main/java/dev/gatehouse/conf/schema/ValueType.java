package dev.gatehouse.conf.schema;

import dev.gatehouse.conf.Address;
import dev.gatehouse.conf.ConfigWord;
import dev.gatehouse.conf.FileMode;
import dev.gatehouse.conf.InvalidValueException;
import dev.gatehouse.conf.Size;
import dev.gatehouse.conf.TimeSpan;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The type of a configuration value: how a TOML value or a command-line string becomes a Java
 * value, what an error says was expected, and how the value is written back as TOML. Immutable;
 * instances are built with the static factories and shared freely.
 *
 * @param <T> the Java type the value becomes
 */
public final class ValueType<T> {

    /** What a key holds. */
    enum Shape {
        /** One value. */
        SCALAR,
        /** A list of one element type. */
        LIST,
        /** A table whose keys are declared with their own {@link Key}s ({@code [open_file_cache]}, {@code [upstream.NAME]}). */
        TABLE,
        /** An array of tables ({@code [[location]]}). */
        TABLE_ARRAY
    }

    /** Turns one TOML value, or command-line text when {@code text} is true, into a Java value. */
    @FunctionalInterface
    interface Decoder<T> {
        T decode(Object value, boolean text);
    }

    private static final Pattern COMMA = Pattern.compile(",");

    final String name;
    final String expected;
    final Shape shape;
    private final Decoder<T> decoder;
    private final Function<? super T, String> format;
    /** LIST: the element type. */
    final ValueType<?> element;
    /** LIST: a single string in the file is split on this, or taken as one element when null. */
    final Pattern fileSplit;
    /** LIST, TABLE_ARRAY: command-line text is split on this into elements; null: not settable. */
    final Pattern textSplit;
    /** LIST: whether an empty list is an error. */
    final boolean nonEmpty;
    /** TABLE_ARRAY: the key a plain string element stands for ({@code address} for upstream servers). */
    final String shorthandKey;

    private ValueType(String name, String expected, Shape shape, Decoder<T> decoder,
            Function<? super T, String> format, ValueType<?> element, Pattern fileSplit,
            Pattern textSplit, boolean nonEmpty, String shorthandKey) {
        this.name = name;
        this.expected = expected;
        this.shape = shape;
        this.decoder = decoder;
        this.format = format;
        this.element = element;
        this.fileSplit = fileSplit;
        this.textSplit = textSplit;
        this.nonEmpty = nonEmpty;
        this.shorthandKey = shorthandKey;
    }

    private static <T> ValueType<T> scalar(String name, String expected, Decoder<T> decoder,
            Function<? super T, String> format) {
        return new ValueType<>(name, expected, Shape.SCALAR, decoder, format, null, null, null, false, null);
    }

    /** {@code true} or {@code false}. */
    public static ValueType<Boolean> bool() {
        String expected = "true or false";
        return scalar("boolean", expected, (v, text) -> {
            if (v instanceof Boolean b) {
                return b;
            }
            if (text && (v.equals("true") || v.equals("false"))) {
                return v.equals("true");
            }
            throw mismatch("boolean", v, expected);
        }, String::valueOf);
    }

    /** An integer from {@code min} to {@code max}, both included. */
    public static ValueType<Integer> integer(int min, int max) {
        String expected = max == Integer.MAX_VALUE
                ? (min == 0 ? "a non-negative integer" : min == 1 ? "a positive integer" : "an integer of at least " + min)
                : "an integer from " + min + " to " + max;
        return scalar("integer", expected, (v, text) -> {
            long n;
            if (v instanceof Long l) {
                n = l;
            } else if (text) {
                try {
                    n = Long.parseLong((String) v);
                } catch (NumberFormatException e) {
                    throw mismatch("integer", v, expected);
                }
            } else {
                throw mismatch("integer", v, expected);
            }
            if (n < min || n > max) {
                throw mismatch("integer", v, expected);
            }
            return (int) n;
        }, String::valueOf);
    }

    /** Any string. */
    public static ValueType<String> string() {
        return string("string", "a string", s -> true);
    }

    /**
     * A string that {@code valid} accepts.
     *
     * @param name the type's name in the docs
     * @param expected what a valid string is, as a phrase that follows "expected"
     */
    public static ValueType<String> string(String name, String expected, Predicate<String> valid) {
        return scalar(name, expected, (v, text) -> {
            if (v instanceof String s && valid.test(s)) {
                return s;
            }
            throw mismatch(name, v, expected);
        }, TomlText::string);
    }

    /** A file system path: not empty, no NUL byte. */
    public static ValueType<Path> path() {
        return pathType("path", "a file path", p -> true);
    }

    /** An absolute file system path ({@code /srv/www}). */
    public static ValueType<Path> absolutePath() {
        return pathType("absolute path", "an absolute path, such as /srv/www", Path::isAbsolute);
    }

    private static ValueType<Path> pathType(String name, String expected, Predicate<Path> valid) {
        return scalar(name, expected, (v, text) -> {
            if (v instanceof String s && !s.isEmpty() && s.indexOf('\0') < 0) {
                Path p = Path.of(s);
                if (valid.test(p)) {
                    return p;
                }
            }
            throw mismatch(name, v, expected);
        }, p -> TomlText.string(p.toString()));
    }

    /** An {@link Address}: {@code unix:/path}, {@code host:port}, {@code [v6]:port}. */
    public static ValueType<Address> address() {
        return parsed("address", "an address such as unix:/run/gatehouse/app.sock, 127.0.0.1:3031 or [::1]:3031",
                Address::parse, Address::toString);
    }

    /** Any {@link Size}; a TOML integer is taken as bytes. */
    public static ValueType<Size> size() {
        return size(Size.ZERO, null);
    }

    /**
     * A {@link Size} from {@code min} to {@code max} (null: no maximum); a TOML integer is taken
     * as bytes.
     */
    public static ValueType<Size> size(Size min, Size max) {
        String format = "a size in bytes with an optional k, m or g suffix (1024-based), such as 512k or 1m";
        String range = max != null ? "a size from " + min + " to " + max
                : min.isZero() ? format : "a size of at least " + min;
        return scalar("size", range, (v, text) -> {
            Size s;
            if (v instanceof Long l && !text) {
                if (l < 0) {
                    throw mismatch("size", v, range);
                }
                s = Size.ofBytes(l);
            } else if (v instanceof String str) {
                s = Size.parse(str);
            } else {
                throw mismatch("size", v, format);
            }
            if (s.compareTo(min) < 0 || (max != null && s.compareTo(max) > 0)) {
                throw mismatch("size", v, range);
            }
            return s;
        }, s -> TomlText.string(s.toString()));
    }

    /** A duration of zero or more ({@code 0} usually meaning "off"). */
    public static ValueType<Duration> duration() {
        return durationType(false);
    }

    /** A duration greater than zero. */
    public static ValueType<Duration> positiveDuration() {
        return durationType(true);
    }

    private static ValueType<Duration> durationType(boolean positive) {
        String format = "a duration such as 250ms, 30s, 2m or 1h (units ms, s, m, h, d; 0 = none)";
        String expected = positive ? "a duration greater than 0, such as 250ms, 30s, 2m or 1h" : format;
        return scalar("duration", expected, (v, text) -> {
            Duration d;
            if (v instanceof String s) {
                d = TimeSpan.parse(s).duration();
            } else if (v instanceof Long l && l == 0) {
                // A bare 0 has no unit to get wrong; any other bare number does.
                d = Duration.ZERO;
            } else if (v instanceof Long) {
                throw mismatch("duration", v, "a duration with a unit, such as 30s (a bare number has none)");
            } else {
                throw mismatch("duration", v, format);
            }
            if (positive && d.isZero()) {
                throw mismatch("duration", v, expected);
            }
            return d;
        }, d -> TomlText.string(TimeSpan.format(d)));
    }

    /** A {@link FileMode} written as an octal string; TOML integers are refused (they are decimal). */
    public static ValueType<FileMode> fileMode() {
        String expected = "an octal file mode of 3 or 4 digits, such as \"0660\"";
        return scalar("file mode", expected, (v, text) -> {
            if (v instanceof String s) {
                return FileMode.parse(s);
            }
            if (v instanceof Long) {
                throw mismatch("file mode", v, "an octal file mode as a string, such as \"0660\" (a TOML integer is decimal)");
            }
            throw mismatch("file mode", v, expected);
        }, m -> TomlText.string(m.toString()));
    }

    /** One of the words of {@code type}, spelled as its {@link ConfigWord#token()} gives. */
    public static <E extends Enum<E> & ConfigWord> ValueType<E> oneOf(Class<E> type) {
        List<E> all = List.of(type.getEnumConstants());
        String expected = "one of " + all.stream()
                .map(e -> TomlText.string(e.token()))
                .collect(Collectors.joining(", "));
        String name = all.stream()
                .map(e -> TomlText.string(e.token()))
                .collect(Collectors.joining(" | "));
        return scalar(name, expected, (v, text) -> {
            for (E e : all) {
                if (e.token().equals(v)) {
                    return e;
                }
            }
            throw mismatch("value", v, expected);
        }, e -> TomlText.string(e.token()));
    }

    /**
     * A string parsed into a value type of its own.
     *
     * @param parse throws {@link InvalidValueException} (whose expectation the error then quotes)
     *     or another {@link IllegalArgumentException} (then {@code expected} is quoted)
     * @param format the inverse of {@code parse}
     */
    public static <T> ValueType<T> parsed(String name, String expected, Function<String, T> parse,
            Function<? super T, String> format) {
        return scalar(name, expected, (v, text) -> {
            if (v instanceof String s) {
                return parse.apply(s);
            }
            throw mismatch(name, v, expected);
        }, t -> TomlText.string(format.apply(t)));
    }

    /**
     * A list of {@code element}s. A single value where the list is expected is a list of one;
     * on the command line the elements are separated by commas.
     */
    public static <E> ValueType<List<E>> listOf(ValueType<E> element) {
        return new ValueType<>("list of " + plural(element.name), "a list of " + plural(element.name), Shape.LIST,
                null, null, element, null, COMMA, false, null);
    }

    /** English plural of a type name, for "list of addresses", "list of class path entries". */
    private static String plural(String noun) {
        if (noun.endsWith("s") || noun.endsWith("x") || noun.endsWith("sh") || noun.endsWith("ch")) {
            return noun + "es";
        }
        if (noun.endsWith("y") && noun.length() > 1 && "aeiou".indexOf(noun.charAt(noun.length() - 2)) < 0) {
            return noun.substring(0, noun.length() - 1) + "ies";
        }
        return noun + "s";
    }

    /** This list type, with an empty list refused. */
    public ValueType<T> nonEmpty() {
        requireShape(Shape.LIST);
        return new ValueType<>(name, "a non-empty " + expected.substring(2), shape, decoder, format,
                element, fileSplit, textSplit, true, shorthandKey);
    }

    /** This list type, with a single string in the file split on {@code regex} ({@code classpath = "a.jar:b.jar"}). */
    public ValueType<T> splitStringOn(String regex) {
        requireShape(Shape.LIST);
        return new ValueType<>(name, expected, shape, decoder, format, element, Pattern.compile(regex),
                textSplit, nonEmpty, shorthandKey);
    }

    /** This list type, with command-line text split on {@code regex} instead of commas. */
    public ValueType<T> splitCommandLineOn(String regex) {
        requireShape(Shape.LIST);
        return new ValueType<>(name, expected, shape, decoder, format, element, fileSplit,
                Pattern.compile(regex), nonEmpty, shorthandKey);
    }

    /** A table whose keys have {@link Key}s of their own; only those keys can be overridden. */
    public static ValueType<Void> table() {
        return new ValueType<>("table", "a table", Shape.TABLE, null, null, null, null, null, false, null);
    }

    /** An array of tables ({@code [[location]]}); only the tables' keys can be overridden. */
    public static ValueType<Void> tableArray() {
        return new ValueType<>("array of tables", "an array of tables", Shape.TABLE_ARRAY, null, null,
                null, null, null, false, null);
    }

    /**
     * An array of tables where a plain string element stands for a table holding only
     * {@code shorthandKey} ({@code servers = ["unix:/a.sock"]}); settable on the command line as
     * comma-separated strings.
     */
    public static ValueType<Void> tableArray(String shorthandKey, String shorthandName) {
        return new ValueType<>("array of tables or " + plural(shorthandName),
                "an array of tables or " + plural(shorthandName), Shape.TABLE_ARRAY, null, null, null, null,
                COMMA, false, shorthandKey);
    }

    /** The type's name, as {@link dev.gatehouse.conf.KeySpec#type()} shows it. */
    public String name() {
        return name;
    }

    /** What a valid value is, as a phrase that follows "expected". */
    public String expected() {
        return expected;
    }

    /** The value as a TOML literal ({@code "30s"}, {@code 2048}, {@code ["a", "b"]}). */
    public String toToml(T value) {
        Objects.requireNonNull(value, "value");
        if (shape == Shape.LIST) {
            @SuppressWarnings("unchecked")
            ValueType<Object> e = (ValueType<Object>) element;
            return TomlText.array(((List<?>) value).stream().map(e::toToml).toList());
        }
        if (shape != Shape.SCALAR) {
            throw new IllegalStateException(name + " has no single-value form");
        }
        return format.apply(value);
    }

    /** Decodes a scalar; throws {@link IllegalArgumentException} when it does not fit. */
    T decode(Object value, boolean text) {
        return decoder.decode(value, text);
    }

    private void requireShape(Shape s) {
        if (shape != s) {
            throw new IllegalStateException(name + " is not a " + s);
        }
    }

    private static InvalidValueException mismatch(String kind, Object value, String expected) {
        return new InvalidValueException(kind, String.valueOf(value), expected);
    }
}
