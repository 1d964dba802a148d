package dev.gatehouse.appserver.jwsgi;

import dev.gatehouse.appserver.api.Response;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.Iterator;
import java.util.Map;

/**
 * Turns a JWSGI return value {@code {status, headers, body}} into a {@link Response}, accepting
 * every form uWSGI's JWSGI plugin accepts, plus a {@code String} status such as
 * {@code "404 Not Found"}. Unlike uWSGI, strings are sent as real UTF-8 (not JNI's modified
 * UTF-8), and anything invalid is an error (a 500 and a log line) rather than an empty reply.
 */
final class JwsgiResponses {

    private JwsgiResponses() {
    }

    static Response toResponse(Object result, String spec) {
        if (!(result instanceof Object[] triple) || triple.length != 3) {
            throw new JwsgiException(spec + " must return Object[3] {status, headers, body}, returned " + describe(result));
        }
        Response.Builder b = Response.status(status(triple[0], spec));
        headers(b, triple[1], spec);
        body(b, triple[2], spec);
        return b.build();
    }

    private static int status(Object status, String spec) {
        if (status instanceof Integer || status instanceof Long || status instanceof Short) {
            long code = ((Number) status).longValue();
            if (code >= 100 && code <= 999) {
                return (int) code;
            }
        } else if (status instanceof String s && s.length() >= 3) {
            String digits = s.substring(0, 3);
            if (digits.chars().allMatch(c -> c >= '0' && c <= '9') && (s.length() == 3 || s.charAt(3) == ' ')) {
                int code = Integer.parseInt(digits);
                if (code >= 100) {
                    return code;
                }
            }
        }
        throw new JwsgiException(spec + " returned status " + describe(status)
                + ": expected an Integer or Long from 100 to 999, or a String like \"404 Not Found\"");
    }

    private static void headers(Response.Builder b, Object headers, String spec) {
        if (headers == null) {
            return;
        }
        if (!(headers instanceof Map<?, ?> map)) {
            throw new JwsgiException(spec + " returned headers " + describe(headers) + ": expected a Map");
        }
        for (Map.Entry<?, ?> e : map.entrySet()) {
            if (!(e.getKey() instanceof String name)) {
                throw new JwsgiException(spec + " returned a header name " + describe(e.getKey()) + ": expected a String");
            }
            Object value = e.getValue();
            try {
                if (value instanceof String s) {
                    b.header(name, s);
                } else if (value instanceof String[] values) {
                    for (String v : values) {
                        b.header(name, v);
                    }
                } else if (value instanceof Iterable<?> values) {
                    for (Object v : values) {
                        if (!(v instanceof String s)) {
                            throw new JwsgiException(spec + " returned a value " + describe(v) + " for header " + name
                                    + ": expected Strings");
                        }
                        b.header(name, s);
                    }
                } else {
                    throw new JwsgiException(spec + " returned header " + name + " = " + describe(value)
                            + ": expected a String, String[] or a List of Strings");
                }
            } catch (IllegalArgumentException invalid) {
                throw new JwsgiException(spec + " returned an invalid header: " + invalid.getMessage(), invalid);
            }
        }
    }

    private static void body(Response.Builder b, Object body, String spec) {
        switch (body) {
            case null -> {
            }
            case byte[] bytes -> b.body(bytes);
            case String s -> b.body(s.getBytes(StandardCharsets.UTF_8));
            case String[] parts -> b.body(concat(java.util.Arrays.asList(parts)));
            case File file -> b.body(file.toPath());
            case InputStream in -> b.body(in, -1);
            case Collection<?> items -> b.body(concat(items));
            case Iterable<?> items -> b.body((OutputStream out) -> {
                for (Object item : items) {
                    out.write(bytesOf(item));
                }
            });
            default -> throw new JwsgiException(spec + " returned body " + describe(body)
                    + ": expected a String, byte[], String[], Iterable, File, InputStream or null");
        }
    }

    private static byte[] concat(Collection<?> items) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Object item : items) {
            out.writeBytes(bytesOf(item));
        }
        return out.toByteArray();
    }

    /** As uWSGI: a String or byte[] item as is, anything else by its toString(). */
    private static byte[] bytesOf(Object item) {
        if (item instanceof byte[] bytes) {
            return bytes;
        }
        return String.valueOf(item).getBytes(StandardCharsets.UTF_8);
    }

    private static String describe(Object o) {
        if (o == null) {
            return "null";
        }
        if (o instanceof Object[] array) {
            return "an Object[" + array.length + "]";
        }
        return "a " + o.getClass().getName();
    }

}
