package dev.gatehouse.conf;

import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.Set;

/**
 * Unix permission bits, written in octal as a TOML <em>string</em>: {@code "0660"}, {@code "660"},
 * {@code "2770"}. A string, because a TOML integer {@code 660} is decimal (01224 in octal), a
 * silent and dangerous misreading; the loader therefore rejects integers for modes.
 *
 * @param bits the mode bits, 0 to 07777 (setuid, setgid and sticky included)
 */
public record FileMode(int bits) {

    private static final String EXPECTED = "an octal file mode of 3 or 4 digits, such as \"0660\"";

    /** Checks the bits are within 07777. */
    public FileMode {
        if (bits < 0 || bits > 07777) {
            throw new InvalidValueException("file mode", Integer.toOctalString(bits), EXPECTED);
        }
    }

    /**
     * Parses 3 or 4 octal digits: {@code "0660"}, {@code "755"}.
     *
     * @throws InvalidValueException for other lengths, non-octal digits or a sign
     */
    public static FileMode parse(String text) {
        if (text.length() < 3 || text.length() > 4 || !text.chars().allMatch(c -> c >= '0' && c <= '7')) {
            throw new InvalidValueException("file mode", text, EXPECTED);
        }
        return new FileMode(Integer.parseInt(text, 8));
    }

    /**
     * The read, write and execute bits as NIO permissions, for {@code Files.setPosixFilePermissions}.
     * Setuid, setgid and sticky have no {@link PosixFilePermission} and are left out.
     */
    public Set<PosixFilePermission> toPosixPermissions() {
        Set<PosixFilePermission> set = EnumSet.noneOf(PosixFilePermission.class);
        // PosixFilePermission declares OWNER_READ .. OTHERS_EXECUTE from the highest bit (0400) down.
        PosixFilePermission[] order = PosixFilePermission.values();
        for (int i = 0; i < order.length; i++) {
            if ((bits & (0400 >> i)) != 0) {
                set.add(order[i]);
            }
        }
        return set;
    }

    /** Four octal digits: {@code 0660}. */
    @Override
    public String toString() {
        return String.format("%04o", bits);
    }
}
