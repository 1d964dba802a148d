package dev.gatehouse.conf.proxy;

import dev.gatehouse.conf.InvalidValueException;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * Where the access log goes ({@code access_log} key): {@code "off"}, {@code "stdout"}, or a file
 * path (reopened on USR1, for log rotation).
 *
 * @param kind off, standard output, or a file
 * @param file the file for {@link Kind#FILE}; empty otherwise
 */
public record AccessLogTarget(Kind kind, Optional<Path> file) {

    /** No access log. */
    public static final AccessLogTarget OFF = new AccessLogTarget(Kind.OFF, Optional.empty());
    /** The access log on standard output: the default, as container platforms collect it. */
    public static final AccessLogTarget STDOUT = new AccessLogTarget(Kind.STDOUT, Optional.empty());

    /** The three kinds of target. */
    public enum Kind {
        /** No log. */
        OFF,
        /** Standard output. */
        STDOUT,
        /** A file. */
        FILE
    }

    /** Checks a file is given exactly for {@link Kind#FILE}. */
    public AccessLogTarget {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(file, "file");
        if ((kind == Kind.FILE) != file.isPresent()) {
            throw new IllegalArgumentException("an access log file goes with kind FILE only");
        }
    }

    /** A log file. */
    public static AccessLogTarget file(Path file) {
        return new AccessLogTarget(Kind.FILE, Optional.of(file));
    }

    /**
     * Parses {@code off}, {@code stdout} or a path.
     *
     * @throws InvalidValueException for an empty string or one with a NUL byte
     */
    public static AccessLogTarget parse(String text) {
        return switch (text) {
            case "off" -> OFF;
            case "stdout" -> STDOUT;
            default -> {
                if (text.isEmpty() || text.indexOf('\0') >= 0) {
                    throw new InvalidValueException("access log", text, "\"off\", \"stdout\" or a file path");
                }
                yield file(Path.of(text));
            }
        };
    }

    /** {@code off}, {@code stdout} or the path. */
    @Override
    public String toString() {
        return switch (kind) {
            case OFF -> "off";
            case STDOUT -> "stdout";
            case FILE -> file.orElseThrow().toString();
        };
    }
}
