package dev.gatehouse.conf;

/**
 * A number of bytes, written as in nginx: a plain integer is bytes, and a {@code k}, {@code m} or
 * {@code g} suffix (either case) multiplies by 1024, 1024² or 1024³: {@code 512k}, {@code 1m},
 * {@code 2g}. {@link #toString()} writes the largest unit that divides the size exactly, so
 * {@code parse(s.toString())} gives back an equal size.
 *
 * @param bytes the size in bytes, at least 0
 */
public record Size(long bytes) implements Comparable<Size> {

    /** Zero bytes: the "off" or "unlimited" value of several keys. */
    public static final Size ZERO = new Size(0);

    private static final String EXPECTED =
            "a size in bytes with an optional k, m or g suffix (1024-based), such as 512k or 1m";

    /** Checks that the size is not negative. */
    public Size {
        if (bytes < 0) {
            throw new InvalidValueException("size", Long.toString(bytes), EXPECTED);
        }
    }

    /** A size of {@code bytes} bytes. */
    public static Size ofBytes(long bytes) {
        return new Size(bytes);
    }

    /** A size of {@code kib} KiB. */
    public static Size ofKilobytes(long kib) {
        return new Size(Math.multiplyExact(kib, 1024L));
    }

    /** A size of {@code mib} MiB. */
    public static Size ofMegabytes(long mib) {
        return new Size(Math.multiplyExact(mib, 1024L * 1024));
    }

    /**
     * Parses {@code 4096}, {@code 512k}, {@code 1M}, {@code 2g}.
     *
     * @throws InvalidValueException for a negative number, a fraction, an unknown suffix, spaces,
     *     or a size past {@link Long#MAX_VALUE} bytes
     */
    public static Size parse(String text) {
        int n = text.length();
        if (n == 0) {
            throw new InvalidValueException("size", text, EXPECTED);
        }
        long unit = switch (text.charAt(n - 1)) {
            case 'k', 'K' -> 1024L;
            case 'm', 'M' -> 1024L * 1024;
            case 'g', 'G' -> 1024L * 1024 * 1024;
            default -> 1L;
        };
        String digits = unit == 1 ? text : text.substring(0, n - 1);
        if (digits.isEmpty() || !digits.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new InvalidValueException("size", text, EXPECTED);
        }
        try {
            return new Size(Math.multiplyExact(Long.parseLong(digits), unit));
        } catch (NumberFormatException | ArithmeticException e) {
            // Only too many digits get here: the characters were checked above.
            throw new InvalidValueException("size", text, "a size of at most " + Long.MAX_VALUE + " bytes");
        }
    }

    /** Whether this is zero bytes. */
    public boolean isZero() {
        return bytes == 0;
    }

    /**
     * The size as an {@code int}, for buffer limits.
     *
     * @throws ArithmeticException if the size is 2 GiB or more
     */
    public int intBytes() {
        return Math.toIntExact(bytes);
    }

    @Override
    public int compareTo(Size other) {
        return Long.compare(bytes, other.bytes);
    }

    /** The size in the largest unit that divides it exactly: {@code 512k}, {@code 1m}, {@code 1000}. */
    @Override
    public String toString() {
        if (bytes != 0) {
            if (bytes % (1024L * 1024 * 1024) == 0) {
                return bytes / (1024L * 1024 * 1024) + "g";
            }
            if (bytes % (1024L * 1024) == 0) {
                return bytes / (1024L * 1024) + "m";
            }
            if (bytes % 1024 == 0) {
                return bytes / 1024 + "k";
            }
        }
        return Long.toString(bytes);
    }
}
