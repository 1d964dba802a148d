package dev.gatehouse.conf;

/**
 * A configuration value that does not parse: thrown by the {@code parse} methods of the value
 * types. Besides the message, it keeps the bad value and what was expected apart, so that the
 * config loader can put them after the key path ({@code bind = "x": expected ...}).
 */
public final class InvalidValueException extends IllegalArgumentException {

    private final String value;
    private final String expected;

    /**
     * A value that did not parse.
     *
     * @param kind what was being parsed, for the message ("size", "address")
     * @param value the text that did not parse
     * @param expected what would have been accepted, as a phrase that follows "expected"
     */
    public InvalidValueException(String kind, String value, String expected) {
        super("invalid " + kind + " \"" + value + "\": expected " + expected);
        this.value = value;
        this.expected = expected;
    }

    /** The text that did not parse. */
    public String value() {
        return value;
    }

    /** What would have been accepted, as a phrase that follows "expected" ("a port from 1 to 65535"). */
    public String expected() {
        return expected;
    }
}
