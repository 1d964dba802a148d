package dev.gatehouse.conf.proxy;

import dev.gatehouse.conf.InvalidValueException;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * How a location matches request paths, written as nginx writes the argument of
 * {@code location}: {@code "= /exact"}, {@code "/prefix"}, {@code "^~ /prefix"} (a prefix that,
 * when it is the longest match, stops the regex search), {@code "~ regex"} and
 * {@code "~* regex"} (case-insensitive). Regexes are compiled at load, so a bad one fails the
 * load with its key path. They are Java regexes, which agree with nginx's PCRE for the usual
 * location patterns but not for every PCRE feature.
 *
 * @param kind the match kind
 * @param path the path or regex as written, without the modifier
 * @param regex the compiled regex for the regex kinds; empty otherwise
 */
public record LocationMatch(Kind kind, String path, Optional<Pattern> regex) {

    private static final String EXPECTED =
            "a location such as \"/\", \"= /exact\", \"^~ /static/\", \"~ \\.php$\" or \"~* \\.(png|jpg)$\"";

    /** The five nginx location kinds. */
    public enum Kind {
        /** {@code = /path}: the whole path, exactly. */
        EXACT("="),
        /** {@code /path}: a prefix; the longest wins, then regexes are still tried. */
        PREFIX(""),
        /** {@code ^~ /path}: a prefix that, as the longest match, skips the regexes. */
        PREFIX_NO_REGEX("^~"),
        /** {@code ~ regex}: a case-sensitive regex, tried in file order. */
        REGEX("~"),
        /** {@code ~* regex}: a case-insensitive regex, tried in file order. */
        REGEX_CASELESS("~*");

        private final String modifier;

        Kind(String modifier) {
            this.modifier = modifier;
        }

        /** The nginx modifier: {@code =}, {@code ^~}, {@code ~}, {@code ~*}, or empty for a plain prefix. */
        public String modifier() {
            return modifier;
        }

        /** Whether this kind is a regex. */
        public boolean isRegex() {
            return this == REGEX || this == REGEX_CASELESS;
        }
    }

    /** Checks the parts agree: a regex exactly for the regex kinds, a path from '/' for the others. */
    public LocationMatch {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(regex, "regex");
        if (kind.isRegex() != regex.isPresent()) {
            throw new IllegalArgumentException(kind + " location " + (kind.isRegex() ? "needs" : "has no") + " regex");
        }
        if (!kind.isRegex() && !path.startsWith("/")) {
            throw new InvalidValueException("location", kind.modifier() + " " + path, EXPECTED);
        }
    }

    /**
     * Parses the nginx form. The modifier is separated from the path by whitespace.
     *
     * @throws InvalidValueException for an unknown modifier, a path not starting with '/', or a
     *     regex that does not compile (the message gives the regex error and its index)
     */
    public static LocationMatch parse(String text) {
        if (text.startsWith("/")) {
            return new LocationMatch(Kind.PREFIX, text, Optional.empty());
        }
        int space = 0;
        while (space < text.length() && !Character.isWhitespace(text.charAt(space))) {
            space++;
        }
        String modifier = text.substring(0, space);
        String rest = text.substring(space).strip();
        Kind kind = switch (modifier) {
            case "=" -> Kind.EXACT;
            case "^~" -> Kind.PREFIX_NO_REGEX;
            case "~" -> Kind.REGEX;
            case "~*" -> Kind.REGEX_CASELESS;
            default -> null;
        };
        if (kind == null || rest.isEmpty() || (!kind.isRegex() && !rest.startsWith("/"))) {
            throw new InvalidValueException("location", text, EXPECTED);
        }
        if (!kind.isRegex()) {
            return new LocationMatch(kind, rest, Optional.empty());
        }
        try {
            int flags = kind == Kind.REGEX_CASELESS ? Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE : 0;
            return new LocationMatch(kind, rest, Optional.of(Pattern.compile(rest, flags)));
        } catch (PatternSyntaxException e) {
            throw new InvalidValueException("location", text,
                    "a valid regular expression after \"" + modifier + " \" (" + e.getDescription()
                            + " at index " + e.getIndex() + ")");
        }
    }

    /**
     * Whether a (decoded, normalized) request path matches: equal for {@link Kind#EXACT}, starts
     * with for the prefixes, a regex match anywhere in the path (as nginx's {@code find}) for the
     * regexes. Choosing among matching locations is the router's job.
     */
    public boolean matches(String requestPath) {
        return switch (kind) {
            case EXACT -> requestPath.equals(path);
            case PREFIX, PREFIX_NO_REGEX -> requestPath.startsWith(path);
            case REGEX, REGEX_CASELESS -> regex.orElseThrow().matcher(requestPath).find();
        };
    }

    /** Equal when kind and path are: {@link Pattern} has no equality of its own. */
    @Override
    public boolean equals(Object o) {
        return o instanceof LocationMatch m && m.kind == kind && m.path.equals(path);
    }

    @Override
    public int hashCode() {
        return kind.hashCode() * 31 + path.hashCode();
    }

    /** The nginx form: {@code = /exact}, {@code /prefix}, {@code ~* \.png$}. */
    @Override
    public String toString() {
        return kind == Kind.PREFIX ? path : kind.modifier() + " " + path;
    }
}
