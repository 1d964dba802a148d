package dev.gatehouse.demo.jwsgi;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The demo app's {@code /hello} and {@code /echo} as an unmodified uWSGI JWSGI application.
 *
 * <p>The same class runs under real uWSGI ({@code --plugins jvm,jwsgi --jwsgi
 * dev/gatehouse/demo/jwsgi/JwsgiHello:application}) and under the Gatehouse app-server ({@code
 * --jwsgi dev.gatehouse.demo.jwsgi.JwsgiHello:application}), so tests and benchmarks can put the
 * two side by side. It uses only {@code java.*} and is compiled for release 17, because uWSGI's
 * JVM plugin embeds OpenJDK 17.
 *
 * <ul>
 *   <li>{@code /hello}: 200 {@code text/plain}, body {@code Hello, World!}.
 *   <li>{@code /echo}: 200 JSON {@code {"method","uri","path","query","vars":[[k,v],...],
 *       "body_length","body_sha256"}}; {@code vars} holds every String-valued env entry sorted by
 *       key (the env is a HashMap, so wire order is already lost; sorting makes the output
 *       comparable between servers), and the body is read from {@code jwsgi.input}.
 *   <li>anything else: 404 {@code text/plain}.
 * </ul>
 */
public final class JwsgiHello {

    private static final byte[] HELLO = "Hello, World!".getBytes(StandardCharsets.US_ASCII);

    private JwsgiHello() {}

    /**
     * The JWSGI entry point: uWSGI looks up exactly this static signature
     * ({@code (Ljava/util/HashMap;)[Ljava/lang/Object;}).
     *
     * @param env the request vars as Strings, plus {@code jwsgi.input}
     * @return {@code {status, headers, body}}
     * @throws IOException if the request body cannot be read
     */
    public static Object[] application(HashMap<String, Object> env) throws IOException {
        String path = stringVar(env, "PATH_INFO");
        if ("/hello".equals(path)) {
            // byte[] rather than String: uWSGI writes a String as JNI modified UTF-8 and the
            // benchmark should measure the servers, not a string encoder.
            return new Object[] {200, headers("text/plain"), HELLO};
        }
        if ("/echo".equals(path)) {
            return new Object[] {200, headers("application/json"), echo(env)};
        }
        return new Object[] {404, headers("text/plain"), "Not Found: " + path + "\n"};
    }

    private static HashMap<String, String> headers(String contentType) {
        HashMap<String, String> headers = new HashMap<>();
        headers.put("Content-Type", contentType);
        return headers;
    }

    private static byte[] echo(Map<String, Object> env) throws IOException {
        long bodyLength = 0;
        MessageDigest sha256 = newSha256();
        Object input = env.get("jwsgi.input");
        if (input instanceof InputStream in) {
            // read(byte[]) only: uWSGI's body stream does not override read(byte[], int, int),
            // whose inherited default reads one byte per JNI call.
            byte[] buffer = new byte[8192];
            int n;
            while ((n = in.read(buffer)) > 0) {
                sha256.update(buffer, 0, n);
                bodyLength += n;
            }
        }
        List<String> keys = new ArrayList<>();
        for (Map.Entry<String, Object> entry : env.entrySet()) {
            if (entry.getValue() instanceof String) {
                keys.add(entry.getKey());
            }
        }
        keys.sort(null);

        StringBuilder json = new StringBuilder(1024);
        json.append("{\"method\":");
        appendString(json, stringVar(env, "REQUEST_METHOD"));
        json.append(",\"uri\":");
        appendString(json, stringVar(env, "REQUEST_URI"));
        json.append(",\"path\":");
        appendString(json, stringVar(env, "PATH_INFO"));
        json.append(",\"query\":");
        appendString(json, stringVar(env, "QUERY_STRING"));
        json.append(",\"vars\":[");
        for (int i = 0; i < keys.size(); i++) {
            String key = keys.get(i);
            json.append(i == 0 ? "[" : ",[");
            appendString(json, key);
            json.append(',');
            appendString(json, (String) env.get(key));
            json.append(']');
        }
        json.append("],\"body_length\":").append(bodyLength);
        json.append(",\"body_sha256\":\"").append(hex(sha256.digest())).append("\"}");
        return json.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static String stringVar(Map<String, Object> env, String key) {
        Object value = env.get(key);
        return value instanceof String s ? s : "";
    }

    /** Appends {@code value} as a JSON string literal (RFC 8259 section 7 escaping). */
    static void appendString(StringBuilder json, String value) {
        json.append('"');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '"' -> json.append("\\\"");
                case '\\' -> json.append("\\\\");
                case '\n' -> json.append("\\n");
                case '\r' -> json.append("\\r");
                case '\t' -> json.append("\\t");
                case '\b' -> json.append("\\b");
                case '\f' -> json.append("\\f");
                default -> {
                    if (c < 0x20) {
                        json.append(String.format("\\u%04x", (int) c));
                    } else {
                        json.append(c);
                    }
                }
            }
        }
        json.append('"');
    }

    private static MessageDigest newSha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            // Every Java platform must provide SHA-256 (MessageDigest's Javadoc).
            throw new IllegalStateException("SHA-256 missing from this JVM", e);
        }
    }

    private static String hex(byte[] bytes) {
        StringBuilder out = new StringBuilder(bytes.length * 2);
        for (byte b : bytes) {
            out.append(Character.forDigit((b >> 4) & 0xf, 16)).append(Character.forDigit(b & 0xf, 16));
        }
        return out.toString();
    }
}
