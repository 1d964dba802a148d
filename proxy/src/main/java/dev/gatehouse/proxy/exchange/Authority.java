package dev.gatehouse.proxy.exchange;

/**
 * The one rule for the authority of a request, whether it comes as a {@code Host} field, the
 * authority of an absolute-form target or an HTTP/2 {@code :authority}: {@code uri-host [ ":" port ]}
 * (RFC 9110 7.2, RFC 3986 3.2.2 and 3.2.3). That is stricter than nginx, which takes almost any
 * byte but '/', '\', NUL and controls: the value goes on to the application ({@code HTTP_HOST})
 * and into redirects, where a space, '@', '?' or an 8-bit byte is a way to inject a host. Without
 * userinfo (RFC 9110 4.2.4: a recipient treats it as an error), never empty (RFC 9110 4.2.1), and,
 * as nginx, without ".." (a host that could climb out of a path built from it).
 */
public final class Authority {

    private Authority() {
    }

    /** Whether {@code v} is {@code uri-host [ ":" port ]}. */
    public static boolean isValid(CharSequence v) {
        int n = v.length();
        if (n == 0) {
            return false;
        }
        int i;
        if (v.charAt(0) == '[') {
            i = ipLiteralEnd(v);
            if (i < 0) {
                return false;
            }
        } else {
            i = 0;
            char prev = 0;
            while (i < n && v.charAt(i) != ':') {
                char c = v.charAt(i);
                if (c == '%') {
                    if (i + 2 >= n || !isHex(v.charAt(i + 1)) || !isHex(v.charAt(i + 2))) {
                        return false;
                    }
                    i += 3;
                    prev = 0;
                    continue;
                }
                if (!isUnreserved(c) && !isSubDelim(c) || c == '.' && prev == '.') {
                    return false;
                }
                prev = c;
                i++;
            }
            if (i == 0) {
                return false;
            }
        }
        if (i == n) {
            return true;
        }
        if (v.charAt(i) != ':') {
            return false;
        }
        for (int j = i + 1; j < n; j++) {
            char c = v.charAt(j);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }

    /** The index after the ']' of an IP-literal starting at 0, or -1 if it is not one. */
    private static int ipLiteralEnd(CharSequence v) {
        int n = v.length();
        int close = -1;
        for (int j = 1; j < n; j++) {
            if (v.charAt(j) == ']') {
                close = j;
                break;
            }
        }
        if (close < 2) {
            return -1;
        }
        char first = v.charAt(1);
        if (first == 'v' || first == 'V') {
            // IPvFuture = "v" 1*HEXDIG "." 1*( unreserved / sub-delims / ":" )
            int j = 2;
            while (j < close && isHex(v.charAt(j))) {
                j++;
            }
            if (j == 2 || j >= close - 1 || v.charAt(j) != '.') {
                return -1;
            }
            for (j++; j < close; j++) {
                char c = v.charAt(j);
                if (!isUnreserved(c) && !isSubDelim(c) && c != ':') {
                    return -1;
                }
            }
            return close + 1;
        }
        // IPv6address: hex digits, ':' and a dotted IPv4 tail; at least one ':'.
        boolean colon = false;
        for (int j = 1; j < close; j++) {
            char c = v.charAt(j);
            if (c == ':') {
                colon = true;
            } else if (!isHex(c) && c != '.') {
                return -1;
            }
        }
        return colon ? close + 1 : -1;
    }

    private static boolean isHex(char c) {
        return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F';
    }

    private static boolean isUnreserved(char c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.'
                || c == '_' || c == '~';
    }

    private static boolean isSubDelim(char c) {
        return "!$&'()*+,;=".indexOf(c) >= 0;
    }
}
