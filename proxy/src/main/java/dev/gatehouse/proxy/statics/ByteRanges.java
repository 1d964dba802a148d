package dev.gatehouse.proxy.statics;

import java.util.ArrayList;
import java.util.List;

/**
 * Parses a {@code Range: bytes=...} header against a file size (RFC 9110 14.1.2). A header that
 * does not parse is ignored, as nginx ignores it (the whole file is sent); a parsed header with
 * no satisfiable range is a 416. More than {@link #MAX_RANGES} ranges, or ranges adding up to more
 * than the file, are also ignored: they only serve to amplify a small request into a large
 * response.
 */
public final class ByteRanges {

    /** The most ranges one request may ask for. */
    public static final int MAX_RANGES = 64;

    /**
     * One satisfiable range.
     *
     * @param first first byte
     * @param last last byte, inclusive
     */
    public record Range(long first, long last) {
        /** Its length in bytes. */
        public long length() {
            return last - first + 1;
        }
    }

    /** The outcome: null when the header is to be ignored; empty for 416; else the ranges in request order. */
    public static List<Range> parse(String header, long size) {
        String h = header.strip();
        if (!h.regionMatches(true, 0, "bytes=", 0, 6)) {
            return null;
        }
        List<Range> ranges = new ArrayList<>();
        long total = 0;
        int count = 0;
        for (String spec : h.substring(6).split(",", -1)) {
            String s = spec.strip();
            if (s.isEmpty()) {
                continue; // a list may have empty elements (RFC 9110 5.6.1)
            }
            if (++count > MAX_RANGES) {
                return null;
            }
            int dash = s.indexOf('-');
            if (dash < 0) {
                return null;
            }
            String a = s.substring(0, dash).strip();
            String b = s.substring(dash + 1).strip();
            long first;
            long last;
            if (a.isEmpty()) {
                long suffix = number(b);
                if (suffix < 0) {
                    return null;
                }
                if (suffix == 0 || size == 0) {
                    continue;
                }
                first = Math.max(0, size - suffix);
                last = size - 1;
            } else {
                first = number(a);
                last = b.isEmpty() ? Long.MAX_VALUE : number(b);
                if (first < 0 || last < 0 || last < first) {
                    return null;
                }
                if (first >= size) {
                    continue;
                }
                last = Math.min(last, size - 1);
            }
            total += last - first + 1;
            ranges.add(new Range(first, last));
        }
        if (count == 0 || ranges.size() > 1 && total > size) {
            return null;
        }
        return ranges;
    }

    private static long number(String s) {
        if (s.isEmpty() || s.length() > 18) {
            return -1;
        }
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) < '0' || s.charAt(i) > '9') {
                return -1;
            }
        }
        return Long.parseLong(s);
    }
}
