package dev.gatehouse.proxy.exchange;

import io.netty.util.AsciiString;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Locale;

/**
 * HTTP dates (RFC 9110 5.6.7): formatting, parsing of the three accepted forms, and the current
 * {@code Date} header value, formatted once per second for all connections.
 */
public final class HttpDate {

    private static final DateTimeFormatter IMF = DateTimeFormatter
            .ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.US).withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter RFC850 = DateTimeFormatter
            .ofPattern("EEEE, dd-MMM-yy HH:mm:ss 'GMT'", Locale.US).withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter ASCTIME = DateTimeFormatter
            .ofPattern("EEE MMM ppd HH:mm:ss yyyy", Locale.US).withZone(ZoneOffset.UTC);

    private record Cached(long second, AsciiString value) {
    }

    private static volatile Cached now = new Cached(-1, AsciiString.EMPTY_STRING);

    private HttpDate() {
    }

    /** The current time as a Date header value; recomputed at most once a second. */
    public static AsciiString now() {
        long second = System.currentTimeMillis() / 1000;
        Cached c = now;
        if (c.second != second) {
            c = new Cached(second, AsciiString.cached(format(second)));
            now = c;
        }
        return c.value;
    }

    /** An epoch second as an IMF-fixdate. */
    public static String format(long epochSecond) {
        return IMF.format(Instant.ofEpochSecond(epochSecond));
    }

    /** Parses an HTTP date to epoch seconds; -1 when it is none of the three forms. */
    public static long parse(CharSequence text) {
        String s = text.toString().strip();
        for (DateTimeFormatter f : new DateTimeFormatter[] {IMF, RFC850, ASCTIME}) {
            try {
                return ZonedDateTime.parse(s, f).toEpochSecond();
            } catch (DateTimeParseException e) {
                // try the next form
            }
        }
        return -1;
    }
}
