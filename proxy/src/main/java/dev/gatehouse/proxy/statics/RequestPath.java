package dev.gatehouse.proxy.statics;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns a request path as sent into the path locations are matched against and files are looked
 * up by, as nginx's {@code ngx_http_parse_complex_uri} does: percent-escapes decoded (an encoded
 * '/' becomes a separator, as in nginx, so {@code ..%2f} is a dot segment too), the bytes decoded
 * as strict UTF-8 (overlong forms and invalid sequences refused), repeated slashes merged, and
 * {@code .} and {@code ..} segments resolved. A path that climbs above '/', holds a NUL byte or a
 * bad escape is refused: the caller answers 400.
 */
public final class RequestPath {

    /** A path that cannot name anything. */
    public static final class BadPathException extends Exception {
        private static final long serialVersionUID = 1L;

        BadPathException(String message) {
            super(message, null, false, false);
        }
    }

    private RequestPath() {
    }

    /**
     * The decoded, normalized path.
     *
     * @param raw the path as sent, starting with '/', ISO-8859-1 (one char per byte)
     * @throws BadPathException for a bad escape, NUL, invalid UTF-8, or climbing above the root
     */
    public static String normalize(String raw) throws BadPathException {
        boolean simple = true;
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c == '%' || c == '.' && raw.charAt(i - 1) == '/' || c > 0x7e || c == '/' && i > 0 && raw.charAt(i - 1) == '/') {
                simple = false;
                break;
            }
        }
        if (simple) {
            return raw; // the common case: nothing to decode or resolve
        }
        byte[] bytes = new byte[raw.length()];
        int n = 0;
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c == '%') {
                if (i + 2 >= raw.length()) {
                    throw new BadPathException("truncated percent-escape");
                }
                int hi = Character.digit(raw.charAt(i + 1), 16);
                int lo = Character.digit(raw.charAt(i + 2), 16);
                if (hi < 0 || lo < 0) {
                    throw new BadPathException("invalid percent-escape");
                }
                c = (char) (hi << 4 | lo);
                i += 2;
            }
            if (c == 0) {
                throw new BadPathException("NUL byte in path");
            }
            bytes[n++] = (byte) c;
        }
        String decoded;
        try {
            decoded = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes, 0, n)).toString();
        } catch (CharacterCodingException e) {
            throw new BadPathException("path is not valid UTF-8");
        }
        List<String> segments = new ArrayList<>();
        boolean trailingSlash = decoded.endsWith("/");
        for (String s : decoded.split("/")) {
            if (s.isEmpty() || s.equals(".")) {
                continue;
            }
            if (s.equals("..")) {
                if (segments.isEmpty()) {
                    throw new BadPathException("path climbs above the root");
                }
                segments.remove(segments.size() - 1);
                continue;
            }
            segments.add(s);
        }
        // "/a/." and "/a/.." name directories: keep the slash that says so.
        boolean endsInDot = decoded.endsWith("/.") || decoded.endsWith("/..");
        StringBuilder b = new StringBuilder(decoded.length());
        for (String s : segments) {
            b.append('/').append(s);
        }
        if (b.isEmpty() || trailingSlash || endsInDot) {
            b.append('/');
        }
        return b.toString();
    }
}
