package dev.gatehouse.demo.jwsgi;

import java.io.ByteArrayInputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A JWSGI application whose {@code PATH_INFO} picks one of the return-value shapes that uWSGI's
 * JWSGI plugin accepts, so that the same class can be run under real uWSGI and under the
 * Gatehouse JWSGI adapter and the two responses compared byte for byte.
 *
 * <p>The shapes follow uWSGI's {@code plugins/jwsgi/jwsgi_plugin.c} (2.0.21, Debian 12): the
 * status is an {@code Integer} or {@code Long}; the headers any object with {@code entrySet()},
 * whose values are {@code String}, {@code String[]} or anything with {@code iterator()}; the body
 * a {@code String}, {@code byte[]}, {@code String[]}, anything with {@code iterator()} (items
 * {@code String}, {@code byte[]} or {@code toString()} of anything else), a {@code java.io.File},
 * an {@code InputStream} or {@code null}.
 *
 * <p>Two shapes are not portable and exist to document the difference:
 * {@code /status-string} ({@code "404 Not Found"} as the status: uWSGI writes nothing and nginx
 * answers 502, Gatehouse accepts it as an extension), and {@code /body-supplementary} (a String
 * body with a character outside the BMP: uWSGI writes JNI modified UTF-8, i.e. CESU-8 surrogate
 * pairs, Gatehouse real UTF-8). Every other shape keeps to BMP characters.
 *
 * <p>Seen under uWSGI 2.0.21 while writing these shapes, and deliberately not served by any of
 * them (each is an app bug, and uWSGI's answer is not one to copy): a {@code null} item in a
 * body Iterable ends the body there, silently; a header value that is neither String, String[]
 * nor iterable (an Integer) logs "unsupported header value" and drops the remaining headers and
 * the whole body; a {@code null} inside a List header value crashes the worker (SIGSEGV, 502);
 * a {@code Short}, {@code null} or out-of-range status, or an array that is not 3 long, writes
 * nothing (502); a {@code char[]}, {@code Object[]} or {@code ByteBuffer} body is headers-only;
 * a {@code java.nio.file.Path} body is an Iterable of its name elements ("etchostname" for
 * /etc/hostname), not the file.
 *
 * <p>Uses only {@code java.*} and compiles for release 17 (uWSGI's JVM plugin embeds OpenJDK 17).
 */
public final class JwsgiShapes {

    /** Size of {@code /body-large}: big enough to need many socket writes and nginx buffers. */
    static final int LARGE_BODY_SIZE = 1 << 20;

    /** Content of {@code /body-file}; the file itself is (re)created on demand. */
    static final String FILE_CONTENT = "file body, sent by path\nline two\n";

    /** Name of the file {@code /body-file} returns, under {@code java.io.tmpdir}. */
    static final String FILE_NAME = "gatehouse-jwsgi-shapes-body.txt";

    private static final byte[] LARGE_BODY = largeBody();

    private JwsgiShapes() {}

    /**
     * The JWSGI entry point.
     *
     * @param env the request vars as Strings, plus {@code jwsgi.input}
     * @return {@code {status, headers, body}} in the shape {@code PATH_INFO} names
     * @throws IOException if the request body cannot be read
     */
    public static Object[] application(HashMap<String, Object> env) throws IOException {
        String path = stringVar(env, "PATH_INFO");
        switch (path) {
            case "/status-integer":
                return new Object[] {Integer.valueOf(200), text(), "status Integer 200\n"};
            case "/status-long":
                return new Object[] {Long.valueOf(201L), text(), "status Long 201\n"};
            case "/status-string":
                // Not accepted by uWSGI (only Integer/Long): kept out of the cross-compare.
                return new Object[] {"404 Not Found", text(), "status String\n"};
            case "/status-teapot":
                // A code outside the common set: both sides must supply the reason phrase.
                return new Object[] {418, text(), "short and stout\n"};
            case "/not-found":
                return new Object[] {404, text(), "no such thing\n"};
            case "/server-error":
                return new Object[] {500, text(), "the app says it failed\n"};
            case "/no-content":
                return new Object[] {204, new HashMap<String, String>(), null};
            case "/redirect": {
                HashMap<String, String> headers = new HashMap<>();
                headers.put("Location", "/status-integer");
                return new Object[] {302, headers, null};
            }
            case "/headers-string-array": {
                // Set-Cookie cannot be folded into one line, hence String[] values.
                HashMap<String, Object> headers = new HashMap<>();
                headers.put("Content-Type", "text/plain");
                headers.put("Set-Cookie", new String[] {"a=1; Path=/", "b=2; HttpOnly"});
                return new Object[] {200, headers, "two cookies\n"};
            }
            case "/headers-list": {
                // A TreeMap, not a HashMap: uWSGI only needs entrySet(); values are Lists.
                TreeMap<String, Object> headers = new TreeMap<>();
                headers.put("Content-Type", List.of("text/plain"));
                headers.put("X-List", new ArrayList<>(List.of("one", "two", "three")));
                return new Object[] {200, headers, "list-valued headers\n"};
            }
            case "/headers-linked": {
                LinkedHashMap<String, String> headers = new LinkedHashMap<>();
                headers.put("Content-Type", "text/plain; charset=us-ascii");
                headers.put("Cache-Control", "no-store");
                headers.put("X-Frame-Options", "DENY");
                headers.put("X-Empty", "");
                return new Object[] {200, headers, "several headers\n"};
            }
            case "/body-bytes": {
                byte[] all = new byte[256];
                for (int i = 0; i < all.length; i++) {
                    all[i] = (byte) i;
                }
                return new Object[] {200, binary(), all};
            }
            case "/body-string-array":
                return new Object[] {200, text(), new String[] {"alpha,", "beta,", "", "gamma\n"}};
            case "/body-iterable-strings":
                return new Object[] {200, text(), new ArrayList<>(List.of("one,", "two,", "three\n"))};
            case "/body-iterable-bytes": {
                ArrayList<byte[]> chunks = new ArrayList<>();
                chunks.add(ascii("bytes-1,"));
                chunks.add(new byte[0]);
                chunks.add(ascii("bytes-2\n"));
                return new Object[] {200, text(), chunks};
            }
            case "/body-iterable-mixed": {
                // Items that are neither String nor byte[] are written as their toString().
                ArrayList<Object> chunks = new ArrayList<>();
                chunks.add("str-chunk,");
                chunks.add(ascii("bytes-chunk,"));
                chunks.add(Integer.valueOf(42));
                chunks.add(",");
                chunks.add(Long.valueOf(-7L));
                chunks.add(",");
                chunks.add(new StringBuilder("builder"));
                chunks.add(",");
                chunks.add(Boolean.TRUE);
                chunks.add("\n");
                return new Object[] {200, text(), chunks};
            }
            case "/body-iterable-custom":
                // An Iterable that is not a Collection: uWSGI only calls iterator().
                return new Object[] {200, text(), new Countdown(5)};
            case "/body-file":
                return new Object[] {200, text(), bodyFile()};
            case "/body-inputstream":
                return new Object[] {200, text(), new ByteArrayInputStream(ascii("from an InputStream\n"))};
            case "/body-null": {
                HashMap<String, String> headers = text();
                headers.put("X-Body", "null");
                return new Object[] {200, headers, null};
            }
            case "/body-empty":
                return new Object[] {200, text(), ""};
            case "/body-utf8": {
                // BMP only: uWSGI encodes Strings as JNI modified UTF-8, which equals UTF-8 for
                // every BMP character except U+0000.
                HashMap<String, String> headers = new HashMap<>();
                headers.put("Content-Type", "text/plain; charset=utf-8");
                return new Object[] {200, headers, "Gr\u00fc\u00dfe aus K\u00f6ln \u2013 \u6771\u4eac \u20ac5 \u2713\n"};
            }
            case "/body-supplementary": {
                // Not portable, see the class comment: U+1F600 differs between the servers.
                HashMap<String, String> headers = new HashMap<>();
                headers.put("Content-Type", "text/plain; charset=utf-8");
                return new Object[] {200, headers, "smile \uD83D\uDE00\n"};
            }
            case "/body-large":
                return new Object[] {200, binary(), LARGE_BODY};
            case "/content-length": {
                // The app frames the body itself; a server must not add a second length.
                byte[] body = ascii("framed by the app\n");
                HashMap<String, String> headers = text();
                headers.put("Content-Length", Integer.toString(body.length));
                return new Object[] {200, headers, body};
            }
            case "/echo-header": {
                String value = stringVar(env, "HTTP_X_ECHO");
                HashMap<String, String> headers = text();
                headers.put("X-Echo-Back", value);
                return new Object[] {200, headers, "X-Echo: " + value + "\n"};
            }
            case "/echo-query":
                return new Object[] {200, text(), "query: " + stringVar(env, "QUERY_STRING") + "\n"};
            case "/input":
                return new Object[] {200, text(), digestBody(env)};
            default:
                return new Object[] {404, text(), "unknown shape: " + path + "\n"};
        }
    }

    /** An Iterable that is not a Collection: yields "5,4,3,2,1," then "liftoff". */
    private static final class Countdown implements Iterable<Object> {
        private final int from;

        Countdown(int from) {
            this.from = from;
        }

        @Override
        public Iterator<Object> iterator() {
            return new Iterator<>() {
                private int next = from;

                @Override
                public boolean hasNext() {
                    return next >= 0;
                }

                @Override
                public Object next() {
                    int n = next--;
                    return n == 0 ? "liftoff\n" : n + ",";
                }
            };
        }
    }

    private static HashMap<String, String> text() {
        HashMap<String, String> headers = new HashMap<>();
        headers.put("Content-Type", "text/plain");
        return headers;
    }

    private static HashMap<String, String> binary() {
        HashMap<String, String> headers = new HashMap<>();
        headers.put("Content-Type", "application/octet-stream");
        return headers;
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private static String stringVar(Map<String, Object> env, String key) {
        Object value = env.get(key);
        return value instanceof String s ? s : "";
    }

    /** Deterministic bytes, so that a torn or reordered large body shows up in a compare. */
    private static byte[] largeBody() {
        byte[] body = new byte[LARGE_BODY_SIZE];
        for (int i = 0; i < body.length; i++) {
            body[i] = (byte) ((i * 31 + (i >>> 8)) & 0xff);
        }
        return body;
    }

    /**
     * The file behind {@code /body-file}, created on first use. Several worker JVMs may race to
     * create it, so each writes a private temp file and renames it into place atomically.
     */
    private static File bodyFile() {
        Path target = Path.of(System.getProperty("java.io.tmpdir"), FILE_NAME);
        byte[] content = ascii(FILE_CONTENT);
        try {
            if (!Files.isRegularFile(target) || !Arrays.equals(Files.readAllBytes(target), content)) {
                Path temp = Files.createTempFile(target.getParent(), FILE_NAME, ".tmp");
                Files.write(temp, content);
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + target, e);
        }
        return target.toFile();
    }

    private static String digestBody(Map<String, Object> env) throws IOException {
        MessageDigest sha256;
        try {
            sha256 = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 missing from this JVM", e);
        }
        long length = 0;
        Object input = env.get("jwsgi.input");
        if (input instanceof InputStream in) {
            // read(byte[]) only: uWSGI's body stream leaves read(byte[], int, int) to the
            // byte-at-a-time default.
            byte[] buffer = new byte[8192];
            int n;
            while ((n = in.read(buffer)) > 0) {
                sha256.update(buffer, 0, n);
                length += n;
            }
        }
        StringBuilder hex = new StringBuilder(64);
        for (byte b : sha256.digest()) {
            hex.append(Character.forDigit((b >> 4) & 0xf, 16)).append(Character.forDigit(b & 0xf, 16));
        }
        return "length=" + length + " sha256=" + hex + "\n";
    }
}
