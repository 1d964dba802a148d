package dev.gatehouse.uwsgi;

/**
 * ISO-8859-1 rules shared by {@link VarKey} and {@link UwsgiVarsBuilder}: uwsgi keys and
 * (by default) values are raw bytes, and latin1 is the one charset where a {@code char} maps to
 * exactly one byte and back, so text round-trips bytes unchanged.
 */
final class Latin1 {

    /** How many bytes of a key or value an error message quotes. */
    static final int DESCRIBE_LIMIT = 40;

    private Latin1() {
    }

    /**
     * Encodes {@code text} as latin1, refusing characters above U+00FF instead of replacing them
     * with '?' as {@link String#getBytes(java.nio.charset.Charset)} would: a silently altered
     * var would reach the application as a different value.
     */
    static byte[] encode(CharSequence text, String what) {
        int length = text.length();
        byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++) {
            bytes[i] = toByte(text.charAt(i), i, what);
        }
        return bytes;
    }

    static byte toByte(char c, int index, String what) {
        if (c > 0xFF) {
            throw new IllegalArgumentException(what + " has character U+" + String.format("%04X", (int) c)
                    + " at index " + index + ", outside ISO-8859-1; use the UTF-8 or byte[] variant");
        }
        return (byte) c;
    }

    /**
     * A short, printable rendering of raw bytes for error messages: attacker-controlled keys can
     * be 64 KiB long or hold control characters, neither of which belongs in a log line.
     */
    static String describe(byte[] shown, int totalLength) {
        StringBuilder sb = new StringBuilder(shown.length + 8).append('\'');
        for (byte b : shown) {
            appendPrintable(sb, b & 0xFF);
        }
        sb.append('\'');
        if (shown.length < totalLength) {
            sb.append("... (").append(totalLength).append(" bytes)");
        }
        return sb.toString();
    }

    static void appendPrintable(StringBuilder sb, int b) {
        if (b >= 0x20 && b < 0x7F && b != '\\' && b != '\'') {
            sb.append((char) b);
        } else {
            sb.append(String.format("\\x%02x", b));
        }
    }
}
