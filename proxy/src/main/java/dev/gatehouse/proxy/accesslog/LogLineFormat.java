package dev.gatehouse.proxy.accesslog;

import dev.gatehouse.conf.proxy.AccessLogFormat;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * Formats entries as nginx's {@code combined} line or as one JSON object. Every field that comes
 * from the client is escaped, so no header value can end a line or forge a field: combined uses
 * nginx's default escaping ({@code "}, {@code \} and bytes outside 0x20..0x7e as {@code \xHH}),
 * JSON escapes quotes, backslashes and every byte outside 0x20..0x7e as {@code \\u00HH}.
 */
public final class LogLineFormat {

    private static final DateTimeFormatter TIME_LOCAL =
            DateTimeFormatter.ofPattern("dd/MMM/yyyy:HH:mm:ss Z", Locale.US).withZone(ZoneId.systemDefault());
    private static final DateTimeFormatter ISO = DateTimeFormatter.ISO_OFFSET_DATE_TIME.withZone(ZoneId.systemDefault());
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private final AccessLogFormat format;

    /** A formatter for this format. */
    public LogLineFormat(AccessLogFormat format) {
        this.format = format;
    }

    /** The line, with its newline. */
    public String format(AccessLogEntry e) {
        StringBuilder b = new StringBuilder(256);
        if (format == AccessLogFormat.JSON) {
            json(b, e);
        } else {
            combined(b, e);
        }
        return b.append('\n').toString();
    }

    private static void combined(StringBuilder b, AccessLogEntry e) {
        // $remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent"
        nginxEscape(b, e.remoteAddr());
        b.append(" - - [").append(TIME_LOCAL.format(Instant.ofEpochMilli(e.timeMillis()))).append("] \"");
        if (e.method() != null) {
            nginxEscape(b, e.method());
            b.append(' ');
            nginxEscape(b, e.uri());
            b.append(' ');
            nginxEscape(b, e.protocol());
        }
        b.append("\" ").append(e.status()).append(' ').append(e.bodyBytes()).append(" \"");
        nginxEscape(b, e.referer());
        b.append("\" \"");
        nginxEscape(b, e.userAgent());
        b.append('"');
    }

    /** nginx's default log escaping; a missing value is "-". */
    static void nginxEscape(StringBuilder b, String s) {
        if (s == null) {
            b.append('-');
            return;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\' || c < 0x20 || c > 0x7e) {
                b.append("\\x").append(HEX[(c >> 4) & 0xf]).append(HEX[c & 0xf]);
            } else {
                b.append(c);
            }
        }
    }

    private static void json(StringBuilder b, AccessLogEntry e) {
        b.append('{');
        field(b, "time", ISO.format(Instant.ofEpochMilli(e.timeMillis())));
        b.append(',');
        field(b, "remote_addr", e.remoteAddr());
        b.append(',');
        field(b, "method", e.method());
        b.append(',');
        field(b, "uri", e.uri());
        b.append(',');
        field(b, "protocol", e.protocol());
        b.append(",\"status\":").append(e.status());
        b.append(",\"body_bytes_sent\":").append(e.bodyBytes());
        b.append(",\"request_time\":").append(String.format(Locale.ROOT, "%.3f", e.requestTimeMicros() / 1e6));
        b.append(',');
        field(b, "host", e.host());
        b.append(',');
        field(b, "referer", e.referer());
        b.append(',');
        field(b, "user_agent", e.userAgent());
        b.append('}');
    }

    private static void field(StringBuilder b, String name, String value) {
        b.append('"').append(name).append("\":");
        if (value == null) {
            b.append("null");
            return;
        }
        b.append('"');
        jsonEscape(b, value);
        b.append('"');
    }

    static void jsonEscape(StringBuilder b, String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') {
                b.append('\\').append(c);
            } else if (c < 0x20 || c > 0x7e) {
                b.append("\\u").append(HEX[(c >> 12) & 0xf]).append(HEX[(c >> 8) & 0xf])
                        .append(HEX[(c >> 4) & 0xf]).append(HEX[c & 0xf]);
            } else {
                b.append(c);
            }
        }
    }
}
