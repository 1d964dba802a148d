package dev.gatehouse.conf;

import java.time.Duration;
import java.util.Objects;

/**
 * A duration written as in nginx, a whole number and one unit: {@code 250ms}, {@code 30s},
 * {@code 2m}, {@code 1h}, {@code 7d}; a bare {@code 0} means none (the "off" value of several
 * keys). Units are lower case only, so that {@code m} (minutes) cannot be read as months.
 * {@link #toString()} writes the largest unit that divides the duration exactly, so
 * {@code parse(t.toString())} gives back an equal value.
 *
 * <p>Config records hold plain {@link java.time.Duration}s; this type is the text form.
 *
 * @param duration the duration: not negative, whole milliseconds
 */
public record TimeSpan(Duration duration) {

    private static final String EXPECTED =
            "a duration such as 250ms, 30s, 2m or 1h (units ms, s, m, h, d; 0 = none)";

    /** Checks that the duration is not negative and has no part smaller than a millisecond. */
    public TimeSpan {
        Objects.requireNonNull(duration, "duration");
        if (duration.isNegative() || duration.getNano() % 1_000_000 != 0) {
            throw new InvalidValueException("duration", duration.toString(),
                    "a duration of zero or more whole milliseconds");
        }
    }

    /** The text form of a duration, as {@link #toString()} writes it. */
    public static String format(Duration duration) {
        return new TimeSpan(duration).toString();
    }

    /**
     * Parses {@code 0}, {@code 250ms}, {@code 30s}, {@code 2m}, {@code 1h}, {@code 7d}.
     *
     * @throws InvalidValueException for a missing or unknown unit, a sign, a fraction, spaces, or
     *     a duration too long for {@link Duration}
     */
    public static TimeSpan parse(String text) {
        if (text.equals("0")) {
            return new TimeSpan(Duration.ZERO);
        }
        int digitsEnd = 0;
        while (digitsEnd < text.length() && text.charAt(digitsEnd) >= '0' && text.charAt(digitsEnd) <= '9') {
            digitsEnd++;
        }
        String unit = text.substring(digitsEnd);
        if (digitsEnd == 0 || !(unit.equals("ms") || unit.equals("s") || unit.equals("m")
                || unit.equals("h") || unit.equals("d"))) {
            throw new InvalidValueException("duration", text, EXPECTED);
        }
        try {
            long amount = Long.parseLong(text.substring(0, digitsEnd));
            Duration d = switch (unit) {
                case "ms" -> Duration.ofMillis(amount);
                case "s" -> Duration.ofSeconds(amount);
                case "m" -> Duration.ofMinutes(amount);
                case "h" -> Duration.ofHours(amount);
                default -> Duration.ofDays(amount);
            };
            // Millisecond arithmetic on the result must not overflow either (toMillis is what
            // the servers call), so the bound is Long.MAX_VALUE milliseconds, not Duration's own.
            d.toMillis();
            return new TimeSpan(d);
        } catch (NumberFormatException | ArithmeticException e) {
            throw new InvalidValueException("duration", text,
                    "a duration of at most " + Long.MAX_VALUE + "ms");
        }
    }

    /** Whether this is zero, the "off" value. */
    public boolean isZero() {
        return duration.isZero();
    }

    /** The duration in the largest unit that divides it exactly: {@code 2m}, {@code 90s}, {@code 0}. */
    @Override
    public String toString() {
        long ms = duration.toMillis();
        if (ms == 0) {
            return "0";
        }
        if (ms % 86_400_000L == 0) {
            return ms / 86_400_000L + "d";
        }
        if (ms % 3_600_000L == 0) {
            return ms / 3_600_000L + "h";
        }
        if (ms % 60_000L == 0) {
            return ms / 60_000L + "m";
        }
        if (ms % 1000 == 0) {
            return ms / 1000 + "s";
        }
        return ms + "ms";
    }
}
