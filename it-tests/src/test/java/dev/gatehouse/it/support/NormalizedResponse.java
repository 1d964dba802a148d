package dev.gatehouse.it.support;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * A response reduced to what two backends behind the same nginx must agree on: status code,
 * reason phrase, headers and body bytes.
 *
 * <p>Left out: {@code Date} and {@code Server} (each server's own), and the framing headers
 * {@code Content-Length}, {@code Transfer-Encoding}, {@code Connection}, {@code Keep-Alive}
 * (nginx re-frames: a backend that sends a length and one that ends the body by closing are both
 * correct). Header names are compared case-insensitively and in no particular order, since
 * uWSGI writes them in HashMap order; the values of one name keep their order (two
 * {@code Set-Cookie}s).
 *
 * @param status the status code
 * @param reason the reason phrase (nginx passes the upstream's through)
 * @param headers lower-cased name to values in arrival order, sorted by name
 * @param body the de-chunked body
 */
public record NormalizedResponse(int status, String reason, SortedMap<String, List<String>> headers, byte[] body) {

    /** Headers that say how the bytes were carried rather than what the app answered. */
    public static final Set<String> IGNORED_HEADERS =
            Set.of("date", "server", "content-length", "transfer-encoding", "connection", "keep-alive");

    /** Copies the map so the record stays immutable. */
    public NormalizedResponse {
        SortedMap<String, List<String>> copy = new TreeMap<>();
        headers.forEach((name, values) -> copy.put(name.toLowerCase(Locale.ROOT), List.copyOf(values)));
        headers = Collections.unmodifiableSortedMap(copy);
        body = body.clone();
    }

    /**
     * @param response a parsed response
     * @return it, normalized
     */
    public static NormalizedResponse of(RawHttpResponse response) {
        SortedMap<String, List<String>> headers = new TreeMap<>();
        for (HttpHeader header : response.headers()) {
            String name = header.name().toLowerCase(Locale.ROOT);
            if (!IGNORED_HEADERS.contains(name)) {
                headers.computeIfAbsent(name, n -> new ArrayList<>()).add(header.value());
            }
        }
        return new NormalizedResponse(response.status(), response.reason(), headers, response.body());
    }

    /**
     * Builds an expected response.
     *
     * @param status the status code
     * @param reason the reason phrase
     * @param headers name to values (names in any case)
     * @param body the body bytes
     * @return the response
     */
    public static NormalizedResponse expected(int status, String reason, Map<String, List<String>> headers,
            byte[] body) {
        return new NormalizedResponse(status, reason, new TreeMap<>(headers), body);
    }

    /** @return the body decoded as UTF-8 */
    public String bodyText() {
        return new String(body, StandardCharsets.UTF_8);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof NormalizedResponse that
                && status == that.status
                && reason.equals(that.reason)
                && headers.equals(that.headers)
                && Arrays.equals(body, that.body);
    }

    @Override
    public int hashCode() {
        return (status * 31 + reason.hashCode()) * 31 + headers.hashCode() * 31 + Arrays.hashCode(body);
    }

    /** Shows the body as escaped text when short, else its length and SHA-256, so diffs read. */
    @Override
    public String toString() {
        return status + " " + reason + " " + headers + " body[" + body.length + "]=" + preview(body);
    }

    static String preview(byte[] body) {
        if (body.length > 256) {
            return "sha256:" + sha256Hex(body);
        }
        StringBuilder out = new StringBuilder("\"");
        for (byte b : body) {
            int c = b & 0xff;
            if (c == '"' || c == '\\') {
                out.append('\\').append((char) c);
            } else if (c >= 0x20 && c < 0x7f) {
                out.append((char) c);
            } else if (c == '\n') {
                out.append("\\n");
            } else {
                out.append(String.format("\\x%02x", c));
            }
        }
        return out.append('"').toString();
    }

    /**
     * @param bytes any bytes
     * @return their SHA-256 as lower-case hex
     */
    public static String sha256Hex(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 missing from this JVM", e);
        }
    }
}
