package dev.gatehouse.conf;

import java.util.List;

/**
 * A configuration file or command-line override that cannot be used. Each error names where it
 * came from (the file, or {@code command line}), the key path, the bad value and what was
 * expected, for example {@code gatehouse-app.toml: workers = -3: expected an integer from 1 to 1024}.
 *
 * <p>Loading collects every error it finds rather than stopping at the first, so that one run of
 * the server (or of a config check) shows the operator everything to fix; the message is the
 * errors one per line, in file order.
 */
public final class ConfigException extends RuntimeException {

    private final List<String> errors;

    /** One error. */
    public ConfigException(String error) {
        this(List.of(error));
    }

    /** Several errors, reported one per line in the given order; the list must not be empty. */
    public ConfigException(List<String> errors) {
        super(String.join("\n", requireNonEmpty(errors)));
        this.errors = List.copyOf(errors);
    }

    /** One error caused by a lower-level failure (an unreadable file). */
    public ConfigException(String error, Throwable cause) {
        super(error, cause);
        this.errors = List.of(error);
    }

    /** Every error, one message each, in the order the message lists them. */
    public List<String> errors() {
        return errors;
    }

    private static List<String> requireNonEmpty(List<String> errors) {
        if (errors.isEmpty()) {
            throw new IllegalArgumentException("a ConfigException needs at least one error");
        }
        return errors;
    }
}
