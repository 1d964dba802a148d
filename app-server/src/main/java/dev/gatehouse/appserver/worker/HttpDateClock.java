package dev.gatehouse.appserver.worker;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * The {@code Date} header value, formatted at most once per second: every response needs it,
 * and formatting a date per request would show up on the hot path.
 */
public final class HttpDateClock {

    private static final DateTimeFormatter IMF_FIXDATE =
            DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.ROOT).withZone(ZoneOffset.UTC);

    private record Stamp(long second, String text) {
    }

    private final LongSupplier millis;
    private volatile Stamp current = new Stamp(Long.MIN_VALUE, "");

    /** A clock on the system time. */
    public HttpDateClock() {
        this(System::currentTimeMillis);
    }

    /** A clock on the given millisecond source (for tests). */
    HttpDateClock(LongSupplier millis) {
        this.millis = millis;
    }

    /** The current time in IMF-fixdate form, e.g. {@code Sun, 06 Nov 1994 08:49:37 GMT}. */
    public String now() {
        long second = Math.floorDiv(millis.getAsLong(), 1000);
        Stamp s = current;
        if (s.second != second) {
            s = new Stamp(second, IMF_FIXDATE.format(Instant.ofEpochSecond(second)));
            current = s;
        }
        return s.text;
    }
}
