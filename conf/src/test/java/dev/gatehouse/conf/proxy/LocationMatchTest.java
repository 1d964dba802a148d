package dev.gatehouse.conf.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gatehouse.conf.InvalidValueException;
import dev.gatehouse.conf.proxy.LocationMatch.Kind;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class LocationMatchTest {

    @ParameterizedTest
    @CsvSource(delimiter = ';', value = {
        "= /exact        ; EXACT           ; /exact",
        "/prefix/        ; PREFIX          ; /prefix/",
        "/               ; PREFIX          ; /",
        "^~ /static/     ; PREFIX_NO_REGEX ; /static/",
        "~ \\.php$       ; REGEX           ; \\.php$",
        "~* \\.(png|jpg)$ ; REGEX_CASELESS ; \\.(png|jpg)$",
        "=   /x          ; EXACT           ; /x"})
    void parsesEachNginxKind(String text, Kind kind, String path) {
        LocationMatch m = LocationMatch.parse(text);
        assertEquals(kind, m.kind());
        assertEquals(path, m.path());
        assertEquals(kind.isRegex(), m.regex().isPresent());
    }

    @ParameterizedTest
    @ValueSource(strings = {"= /exact", "/prefix/", "^~ /static/", "~ \\.php$", "~* \\.(png|jpg)$"})
    void toStringRoundTrips(String text) {
        assertEquals(text, LocationMatch.parse(text).toString());
        assertEquals(LocationMatch.parse(text), LocationMatch.parse(LocationMatch.parse(text).toString()));
    }

    @Test
    void matchesAsNginxDoes() {
        assertTrue(LocationMatch.parse("= /a").matches("/a"));
        assertFalse(LocationMatch.parse("= /a").matches("/a/"));
        assertTrue(LocationMatch.parse("/a").matches("/abc"));
        assertTrue(LocationMatch.parse("^~ /s/").matches("/s/x.css"));
        assertTrue(LocationMatch.parse("~ \\.php$").matches("/x/index.php"));
        assertFalse(LocationMatch.parse("~ \\.php$").matches("/x/INDEX.PHP"));
        assertTrue(LocationMatch.parse("~* \\.php$").matches("/x/INDEX.PHP"));
    }

    @Test
    void equalsByKindAndPathNotByPatternIdentity() {
        assertEquals(LocationMatch.parse("~ a+"), LocationMatch.parse("~ a+"));
        assertEquals(LocationMatch.parse("~ a+").hashCode(), LocationMatch.parse("~ a+").hashCode());
        assertNotEquals(LocationMatch.parse("~ a+"), LocationMatch.parse("~* a+"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "exact", "= exact", "=/exact", "~", "~* ", "=~ /x", "@app", "^~ static"})
    void rejectsWhatNginxWouldNotTake(String text) {
        var e = assertThrows(InvalidValueException.class, () -> LocationMatch.parse(text));
        assertEquals("invalid location \"" + text + "\": expected a location such as \"/\", \"= /exact\", "
                + "\"^~ /static/\", \"~ \\.php$\" or \"~* \\.(png|jpg)$\"", e.getMessage());
    }

    @Test
    void rejectsBadRegexWithItsErrorAndIndex() {
        var e = assertThrows(InvalidValueException.class, () -> LocationMatch.parse("~ ^/(api"));
        assertEquals("a valid regular expression after \"~ \" (Unclosed group at index 6)", e.expected());
    }
}
