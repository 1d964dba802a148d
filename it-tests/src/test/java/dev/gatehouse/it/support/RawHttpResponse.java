package dev.gatehouse.it.support;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.ProtocolException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * An HTTP/1.x response exactly as it came off the socket: status line, headers in order with
 * their original case, and the body with chunked framing removed.
 *
 * @param statusLine the first line, without CRLF
 * @param status the status code
 * @param reason the reason phrase (may be empty)
 * @param headers every header line in order
 * @param body the body bytes (de-chunked)
 * @param chunked whether the body came with {@code Transfer-Encoding: chunked}
 */
public record RawHttpResponse(String statusLine, int status, String reason, List<HttpHeader> headers, byte[] body,
        boolean chunked) {

    /** A head larger than this is a broken peer, not a response to wait for. */
    private static final int MAX_HEAD = 64 * 1024;

    /** Copies the list and array so the record stays immutable. */
    public RawHttpResponse {
        headers = List.copyOf(headers);
        body = body.clone();
    }

    /**
     * @param name a header name, any case
     * @return the first value of that header
     */
    public Optional<String> header(String name) {
        return headers.stream().filter(h -> h.name().equalsIgnoreCase(name)).map(HttpHeader::value).findFirst();
    }

    /**
     * @param name a header name, any case
     * @return every value of that header, in order
     */
    public List<String> headerValues(String name) {
        return headers.stream().filter(h -> h.name().equalsIgnoreCase(name)).map(HttpHeader::value).toList();
    }

    /** @return the body decoded as UTF-8 */
    public String bodyText() {
        return new String(body, StandardCharsets.UTF_8);
    }

    /** @return this response without Date/Server/framing, for comparing two backends */
    public NormalizedResponse normalized() {
        return NormalizedResponse.of(this);
    }

    @Override
    public String toString() {
        return statusLine + " " + headers + " body[" + body.length + "]=" + NormalizedResponse.preview(body);
    }

    /**
     * Reads one response from {@code in}, framed by its headers: no body for HEAD, 1xx, 204 and
     * 304; chunked; {@code Content-Length}; otherwise until EOF. Interim 1xx responses are
     * skipped.
     *
     * @param in the connection's input
     * @param headRequest whether the request was HEAD (the response then has no body)
     * @return the response
     * @throws IOException on EOF before the response is complete or on bad framing
     */
    public static RawHttpResponse read(InputStream in, boolean headRequest) throws IOException {
        while (true) {
            List<String> lines = readHead(in);
            String statusLine = lines.get(0);
            String[] parts = statusLine.split(" ", 3);
            if (parts.length < 2 || !parts[0].startsWith("HTTP/") || parts[1].length() != 3) {
                throw new ProtocolException("bad status line: " + statusLine);
            }
            int status = Integer.parseInt(parts[1]);
            String reason = parts.length > 2 ? parts[2] : "";
            List<HttpHeader> headers = new ArrayList<>();
            for (String line : lines.subList(1, lines.size())) {
                int colon = line.indexOf(':');
                if (colon <= 0) {
                    throw new ProtocolException("bad header line: " + line);
                }
                headers.add(new HttpHeader(line.substring(0, colon), trimOws(line.substring(colon + 1))));
            }
            if (status >= 100 && status < 200 && status != 101) {
                continue;
            }
            String transferEncoding = value(headers, "transfer-encoding");
            boolean chunked = transferEncoding != null && transferEncoding.toLowerCase(Locale.ROOT).contains("chunked");
            String contentLength = value(headers, "content-length");
            byte[] body;
            if (headRequest || status == 204 || status == 304) {
                body = new byte[0];
            } else if (chunked) {
                body = readChunked(in);
            } else if (contentLength != null) {
                body = in.readNBytes(Integer.parseInt(contentLength.strip()));
                if (body.length != Integer.parseInt(contentLength.strip())) {
                    throw new EOFException("EOF after " + body.length + " of " + contentLength + " body bytes");
                }
            } else {
                body = in.readAllBytes();
            }
            return new RawHttpResponse(statusLine, status, reason, headers, body, chunked);
        }
    }

    /** Trims RFC 9110 optional whitespace (SP, HTAB) only: other bytes belong to the value. */
    private static String trimOws(String value) {
        int start = 0;
        int end = value.length();
        while (start < end && (value.charAt(start) == ' ' || value.charAt(start) == '\t')) {
            start++;
        }
        while (end > start && (value.charAt(end - 1) == ' ' || value.charAt(end - 1) == '\t')) {
            end--;
        }
        return value.substring(start, end);
    }

    private static String value(List<HttpHeader> headers, String name) {
        for (HttpHeader header : headers) {
            if (header.name().equalsIgnoreCase(name)) {
                return header.value();
            }
        }
        return null;
    }

    /** Reads lines up to the blank line; ISO-8859-1 keeps every byte. */
    private static List<String> readHead(InputStream in) throws IOException {
        List<String> lines = new ArrayList<>();
        int total = 0;
        while (true) {
            String line = readLine(in);
            if (line == null) {
                throw new EOFException(lines.isEmpty()
                        ? "connection closed before any response byte"
                        : "connection closed inside the response head after " + lines);
            }
            total += line.length() + 2;
            if (total > MAX_HEAD) {
                throw new ProtocolException("response head larger than " + MAX_HEAD + " bytes");
            }
            if (line.isEmpty()) {
                if (lines.isEmpty()) {
                    continue;
                }
                return lines;
            }
            lines.add(line);
        }
    }

    private static byte[] readChunked(InputStream in) throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        while (true) {
            String sizeLine = readLine(in);
            if (sizeLine == null) {
                throw new EOFException("EOF before the last chunk after " + body.size() + " body bytes");
            }
            int semicolon = sizeLine.indexOf(';');
            String hex = (semicolon >= 0 ? sizeLine.substring(0, semicolon) : sizeLine).strip();
            int size = Integer.parseInt(hex, 16);
            if (size == 0) {
                // Trailers, up to the blank line.
                String trailer;
                do {
                    trailer = readLine(in);
                } while (trailer != null && !trailer.isEmpty());
                return body.toByteArray();
            }
            byte[] chunk = in.readNBytes(size);
            if (chunk.length != size) {
                throw new EOFException("EOF inside a " + size + "-byte chunk after " + body.size() + " body bytes");
            }
            body.write(chunk);
            String crlf = readLine(in);
            if (crlf == null || !crlf.isEmpty()) {
                throw new ProtocolException("chunk of " + size + " bytes not followed by CRLF");
            }
        }
    }

    /**
     * Reads a CRLF- (or bare LF-) terminated line as ISO-8859-1.
     *
     * @param in the stream
     * @return the line without its terminator, or null at EOF before any byte
     * @throws IOException on EOF inside a line
     */
    public static String readLine(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        int b;
        while ((b = in.read()) >= 0) {
            if (b == '\n') {
                int end = line.length();
                if (end > 0 && line.charAt(end - 1) == '\r') {
                    line.setLength(end - 1);
                }
                return line.toString();
            }
            line.append((char) b);
        }
        if (line.length() > 0) {
            throw new EOFException("EOF inside a line: " + line);
        }
        return null;
    }
}
