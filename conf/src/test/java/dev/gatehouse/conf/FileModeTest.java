package dev.gatehouse.conf;

import static java.nio.file.attribute.PosixFilePermission.GROUP_EXECUTE;
import static java.nio.file.attribute.PosixFilePermission.GROUP_READ;
import static java.nio.file.attribute.PosixFilePermission.GROUP_WRITE;
import static java.nio.file.attribute.PosixFilePermission.OTHERS_EXECUTE;
import static java.nio.file.attribute.PosixFilePermission.OTHERS_READ;
import static java.nio.file.attribute.PosixFilePermission.OWNER_EXECUTE;
import static java.nio.file.attribute.PosixFilePermission.OWNER_READ;
import static java.nio.file.attribute.PosixFilePermission.OWNER_WRITE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class FileModeTest {

    @ParameterizedTest
    @CsvSource({"0660, 432", "660, 432", "755, 493", "0000, 0", "7777, 4095", "2770, 1528"})
    void parsesOctalDigits(String text, int bits) {
        assertEquals(bits, FileMode.parse(text).bits());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "66", "06600", "0o660", "0x1b4", "-660", "0680", "rw-rw----", " 660"})
    void rejectsAnythingButThreeOrFourOctalDigits(String text) {
        var e = assertThrows(InvalidValueException.class, () -> FileMode.parse(text));
        assertEquals("invalid file mode \"" + text + "\": expected an octal file mode of 3 or 4 digits, such as \"0660\"",
                e.getMessage());
    }

    @Test
    void refusesBitsPast07777() {
        assertThrows(InvalidValueException.class, () -> new FileMode(010000));
        assertThrows(InvalidValueException.class, () -> new FileMode(-1));
    }

    @Test
    void writesFourOctalDigits() {
        assertEquals("0660", FileMode.parse("660").toString());
        assertEquals("0007", new FileMode(7).toString());
    }

    @Test
    void convertsToPosixPermissions() {
        assertEquals(Set.of(OWNER_READ, OWNER_WRITE, GROUP_READ), FileMode.parse("0640").toPosixPermissions());
        assertEquals(Set.of(OWNER_READ, OWNER_WRITE, OWNER_EXECUTE, GROUP_READ, GROUP_WRITE, GROUP_EXECUTE,
                OTHERS_READ, OTHERS_EXECUTE), FileMode.parse("0775").toPosixPermissions());
        assertEquals(PosixFilePermissions.fromString("rwxr-x---"), FileMode.parse("2750").toPosixPermissions());
        assertEquals(Set.of(), FileMode.parse("000").toPosixPermissions());
    }
}
