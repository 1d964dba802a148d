package dev.gatehouse.appserver.api;

import java.io.InputStream;
import java.nio.charset.Charset;
import java.nio.charset.IllegalCharsetNameException;
import java.nio.charset.StandardCharsets;
import java.nio.charset.UnsupportedCharsetException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * An HTTP response: a status, headers in order, and a {@link Body}. Immutable.
 *
 * <p>The worker adds {@code Date} and the framing headers ({@code Content-Length} or
 * {@code Transfer-Encoding: chunked}); an application should not set them itself.
 */
public final class Response {

    private static final String TEXT_PLAIN = "text/plain; charset=utf-8";

    private final int status;
    private final List<Header> headers;
    private final Body body;

    private Response(int status, List<Header> headers, Body body) {
        this.status = status;
        this.headers = List.copyOf(headers);
        this.body = body;
    }

    /** The status code, 100 to 999. */
    public int status() {
        return status;
    }

    /** The headers in the order they were added, repeated names kept. */
    public List<Header> headers() {
        return headers;
    }

    /** The body. */
    public Body body() {
        return body;
    }

    /**
     * The first value of a header, compared case-insensitively, or {@code null}.
     *
     * @param name the header name
     */
    public String header(String name) {
        for (Header h : headers) {
            if (h.name().equalsIgnoreCase(name)) {
                return h.value();
            }
        }
        return null;
    }

    /**
     * Starts a response with a status.
     *
     * @param status any three-digit status code
     */
    public static Builder status(int status) {
        return new Builder(status);
    }

    /** {@code 200} with a UTF-8 {@code text/plain} body. */
    public static Response ok(String text) {
        return text(200, text);
    }

    /** A UTF-8 {@code text/plain} response. */
    public static Response text(int status, String text) {
        return status(status).header("Content-Type", TEXT_PLAIN).body(text).build();
    }

    /** An {@code application/json} response; the text is sent as UTF-8. */
    public static Response json(int status, String json) {
        return status(status).header("Content-Type", "application/json").body(json).build();
    }

    /** A response with an in-memory body of the given media type. */
    public static Response bytes(int status, String contentType, byte[] body) {
        return status(status).header("Content-Type", contentType).body(body).build();
    }

    /** {@code 200} with a file, sent with zero copy. */
    public static Response file(Path path, String contentType) {
        return status(200).header("Content-Type", contentType).body(path).build();
    }

    /** {@code 404 Not Found} with a short plain-text body. */
    public static Response notFound() {
        return text(404, "Not Found\n");
    }

    /** A response header. */
    public record Header(String name, String value) {
        /**
         * Makes a header, refusing names and values that would break the response framing.
         *
         * @throws IllegalArgumentException for an empty name, a name that is not an HTTP
         *     token, or a value with CR, LF or NUL
         */
        public Header {
            Objects.requireNonNull(name, "header name");
            Objects.requireNonNull(value, "header value");
            if (name.isEmpty()) {
                throw new IllegalArgumentException("empty header name");
            }
            for (int i = 0; i < name.length(); i++) {
                if (!isTokenChar(name.charAt(i))) {
                    throw new IllegalArgumentException("invalid character in header name " + quote(name) + " at index " + i);
                }
            }
            for (int i = 0; i < value.length(); i++) {
                char c = value.charAt(i);
                if (c == '\r' || c == '\n' || c == 0) {
                    throw new IllegalArgumentException("header " + name + " has CR, LF or NUL in its value at index " + i);
                }
            }
        }

        private static boolean isTokenChar(char c) {
            if (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
                return true;
            }
            return "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
        }

        private static String quote(String s) {
            return '"' + s.replace("\r", "\\r").replace("\n", "\\n") + '"';
        }
    }

    /** Builds a {@link Response}. */
    public static final class Builder {
        private final int status;
        private final List<Header> headers = new ArrayList<>();
        private Body body = new Body.Empty();
        private String text;

        private Builder(int status) {
            if (status < 100 || status > 999) {
                throw new IllegalArgumentException("status must have three digits, was " + status);
            }
            this.status = status;
        }

        /** Adds a header; repeated names are kept (e.g. several {@code Set-Cookie}). */
        public Builder header(String name, String value) {
            headers.add(new Header(name, value));
            return this;
        }

        /** Sets an in-memory body. */
        public Builder body(byte[] bytes) {
            return body(new Body.Bytes(bytes));
        }

        /**
         * Sets a text body, encoded with the {@code charset} of the {@code Content-Type}
         * header when it names one, UTF-8 otherwise.
         */
        public Builder body(String text) {
            this.body = null;
            this.text = Objects.requireNonNull(text, "text");
            return this;
        }

        /** Sets a file body, sent with zero copy. */
        public Builder body(Path file) {
            return body(new Body.File(file));
        }

        /**
         * Sets a stream body.
         *
         * @param length the exact byte count, or {@code -1} when unknown (sent chunked)
         */
        public Builder body(InputStream stream, long length) {
            return body(new Body.Stream(stream, length));
        }

        /** Sets a body that the application writes as it goes (sent chunked). */
        public Builder body(StreamingBody writer) {
            return body(new Body.Streaming(writer));
        }

        /** Sets any body. */
        public Builder body(Body body) {
            this.body = Objects.requireNonNull(body, "body");
            this.text = null;
            return this;
        }

        /** Builds the response. */
        public Response build() {
            Body b = body;
            if (text != null) {
                b = new Body.Bytes(text.getBytes(charsetOf(contentType())));
            }
            return new Response(status, headers, b);
        }

        private String contentType() {
            for (Header h : headers) {
                if (h.name().equalsIgnoreCase("Content-Type")) {
                    return h.value();
                }
            }
            return null;
        }

        private static Charset charsetOf(String contentType) {
            if (contentType == null) {
                return StandardCharsets.UTF_8;
            }
            for (String param : contentType.split(";")) {
                String p = param.trim();
                if (p.toLowerCase(Locale.ROOT).startsWith("charset=")) {
                    String name = p.substring("charset=".length()).trim().replace("\"", "");
                    try {
                        return Charset.forName(name);
                    } catch (IllegalCharsetNameException | UnsupportedCharsetException e) {
                        throw new IllegalArgumentException("Content-Type names an unknown charset: " + contentType, e);
                    }
                }
            }
            return StandardCharsets.UTF_8;
        }
    }
}
