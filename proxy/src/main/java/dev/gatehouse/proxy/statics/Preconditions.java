package dev.gatehouse.proxy.statics;

import dev.gatehouse.proxy.exchange.HttpDate;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;

/**
 * Conditional request evaluation for a static file, in RFC 9110 13.2.2's order: If-Match, else
 * If-Unmodified-Since (412 when failing); then If-None-Match, else If-Modified-Since (304). ETags
 * are nginx's: {@code "<hex mtime>-<hex size>"}.
 */
final class Preconditions {

    /** The outcome. */
    enum Result { PROCEED, NOT_MODIFIED, PRECONDITION_FAILED }

    private Preconditions() {
    }

    /** nginx's ETag: {@code "%xT-%xO"} (ngx_http_set_etag). */
    static String etag(long mtimeSeconds, long size) {
        return "\"" + Long.toHexString(mtimeSeconds) + "-" + Long.toHexString(size) + "\"";
    }

    static Result evaluate(HttpHeaders h, String etag, long mtimeSeconds) {
        String ifMatch = h.get(HttpHeaderNames.IF_MATCH);
        if (ifMatch != null) {
            if (!listMatches(ifMatch, etag, false)) {
                return Result.PRECONDITION_FAILED;
            }
        } else {
            String ius = h.get(HttpHeaderNames.IF_UNMODIFIED_SINCE);
            if (ius != null) {
                long t = HttpDate.parse(ius);
                if (t >= 0 && mtimeSeconds > t) {
                    return Result.PRECONDITION_FAILED;
                }
            }
        }
        String ifNoneMatch = h.get(HttpHeaderNames.IF_NONE_MATCH);
        if (ifNoneMatch != null) {
            return listMatches(ifNoneMatch, etag, true) ? Result.NOT_MODIFIED : Result.PROCEED;
        }
        String ims = h.get(HttpHeaderNames.IF_MODIFIED_SINCE);
        if (ims != null) {
            long t = HttpDate.parse(ims);
            if (t >= 0 && mtimeSeconds <= t) {
                return Result.NOT_MODIFIED;
            }
        }
        return Result.PROCEED;
    }

    /** Whether If-Range lets the range through: a strong ETag equal, or a date equal to Last-Modified. */
    static boolean ifRangeHolds(String ifRange, String etag, long mtimeSeconds) {
        String v = ifRange.strip();
        if (v.startsWith("\"") || v.startsWith("W/")) {
            return v.equals(etag);
        }
        long t = HttpDate.parse(v);
        return t >= 0 && t == mtimeSeconds;
    }

    /** {@code *} or a list of entity tags; weak comparison ignores a {@code W/} prefix. */
    private static boolean listMatches(String list, String etag, boolean weak) {
        String l = list.strip();
        if (l.equals("*")) {
            return true;
        }
        for (String part : l.split(",")) {
            String t = part.strip();
            if (t.startsWith("W/")) {
                if (!weak) {
                    continue;
                }
                t = t.substring(2);
            }
            if (t.equals(etag)) {
                return true;
            }
        }
        return false;
    }
}
