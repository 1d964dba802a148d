package dev.gatehouse.proxy.http1;

import dev.gatehouse.proxy.exchange.Authority;
import dev.gatehouse.proxy.exchange.BadRequest;
import dev.gatehouse.proxy.exchange.HeadLimits;
import dev.gatehouse.proxy.exchange.ParsedRequest;
import dev.gatehouse.proxy.exchange.RequestRejected;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpHeadersFactory;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.AsciiString;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;

/**
 * A strict HTTP/1.0 and 1.1 request decoder: bytes in, {@link ParsedRequest}, {@code HttpContent}
 * and {@code LastHttpContent} out, or one {@link BadRequest} after which it reads nothing more.
 *
 * <p>Written for the edge rather than reusing Netty's {@code HttpRequestDecoder}, which folds
 * obsolete line folding into the value, drops Content-Length when Transfer-Encoding is present
 * and does not count header fields: each of those is a way for the edge and the application to
 * disagree about a request (request smuggling). Everything here follows RFC 9112, with nginx's
 * choices where the RFC leaves room:
 * <ul>
 *   <li>every line ends in CRLF; a bare CR or a bare LF anywhere in the head is a 400;</li>
 *   <li>methods are upper-case letters, '-' and '_' (nginx); the version is HTTP/1.0 or 1.x (a
 *       later major version is a 505, HTTP/0.9 a 400, as nginx answers); targets are origin-form,
 *       absolute-form (http or https, without userinfo), {@code *} for OPTIONS only, or
 *       authority-form for CONNECT only;</li>
 *   <li>Host appears once, is required in HTTP/1.1 and is a valid {@link Authority} (RFC 9112
 *       3.2); an absolute-form target's authority replaces it (RFC 9112 3.2.2), so that the
 *       application, the redirects and the log all see the host the request was routed by;</li>
 *   <li>field names are tokens directly followed by ':'; values hold no control characters; a
 *       line starting with SP or HTAB (obs-fold) is a 400; names with '_' are dropped, as nginx's
 *       {@code underscores_in_headers off} does;</li>
 *   <li>Content-Length is digits only and may appear once; Transfer-Encoding with Content-Length,
 *       in HTTP/1.0, or not ending in a single {@code chunked} is a 400 (RFC 9112 6.3, where nginx
 *       answers 501; {@code identity} is no coding since RFC 7230 and counts as any other);
 *       another coding before chunked is a 501, as nginx answers; Content-Type may appear once;</li>
 *   <li>chunk sizes are 1 to 16 hex digits, extensions are token[=token|quoted-string], chunk
 *       data ends in CRLF, and trailers follow the header rules minus the framing, routing and
 *       credential fields (RFC 9110 6.5.1); trailers are kept apart, never merged into the head.</li>
 * </ul>
 */
public final class Http1RequestDecoder extends ByteToMessageDecoder {

    private enum State { REQUEST_LINE, HEADERS, FIXED_BODY, CHUNK_SIZE, CHUNK_DATA, CHUNK_END, TRAILERS, FAILED }

    private static final byte CR = '\r';
    private static final byte LF = '\n';
    private static final HttpHeadersFactory HEADERS = DefaultHttpHeadersFactory.headersFactory().withValidation(false);
    private static final HttpHeadersFactory TRAILERS = DefaultHttpHeadersFactory.trailersFactory().withValidation(false);
    private static final boolean[] TCHAR = new boolean[256];

    static {
        for (int c = '0'; c <= '9'; c++) {
            TCHAR[c] = true;
        }
        for (int c = 'a'; c <= 'z'; c++) {
            TCHAR[c] = true;
            TCHAR[c - 32] = true;
        }
        for (char c : "!#$%&'*+-.^_`|~".toCharArray()) {
            TCHAR[c] = true;
        }
    }

    private final HeadLimits limits;
    private State state = State.REQUEST_LINE;

    // The request being read.
    private HttpVersion version;
    private HttpMethod method;
    private String uri;
    private String rawPath;
    private String rawQuery;
    private String targetAuthority;
    private HttpHeaders headers;
    private int headBytes;
    private int fieldCount;
    private int contentLengthCount;
    private long contentLength;
    private StringBuilder transferEncoding;
    private int hostCount;
    private String host;
    private int contentTypeCount;
    private long remaining;
    private HttpHeaders trailers;

    /** A decoder enforcing these limits. */
    public Http1RequestDecoder(HeadLimits limits) {
        this.limits = limits;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        try {
            decodeAll(in, out);
        } catch (RequestRejected r) {
            boolean inBody = state != State.REQUEST_LINE && state != State.HEADERS;
            state = State.FAILED;
            in.skipBytes(in.readableBytes());
            out.add(new BadRequest(r.status, r.getMessage(), inBody));
        }
    }

    private void decodeAll(ByteBuf in, List<Object> out) throws RequestRejected {
        while (in.isReadable()) {
            switch (state) {
                case REQUEST_LINE -> {
                    if (!readRequestLine(in)) {
                        return;
                    }
                }
                case HEADERS -> {
                    if (!readHeaders(in, out)) {
                        return;
                    }
                }
                case FIXED_BODY -> readFixedBody(in, out);
                case CHUNK_SIZE -> {
                    if (!readChunkSize(in, out)) {
                        return;
                    }
                }
                case CHUNK_DATA -> readChunkData(in, out);
                case CHUNK_END -> {
                    if (in.readableBytes() < 2) {
                        return;
                    }
                    if (in.readByte() != CR || in.readByte() != LF) {
                        throw RequestRejected.bad("chunk data not followed by CRLF");
                    }
                    state = State.CHUNK_SIZE;
                }
                case TRAILERS -> {
                    if (!readTrailers(in, out)) {
                        return;
                    }
                }
                case FAILED -> {
                    in.skipBytes(in.readableBytes());
                    return;
                }
            }
        }
    }

    /**
     * Finds the next line; returns its length without CRLF and leaves the reader at its start, or
     * -1 if it is not complete yet. A bare CR or bare LF is a 400.
     */
    private static int lineLength(ByteBuf in, int limit, HttpResponseStatus tooLong, String what) throws RequestRejected {
        int start = in.readerIndex();
        int end = in.writerIndex();
        int searchEnd = Math.min(end, start + limit + 2);
        int lf = in.indexOf(start, searchEnd, LF);
        if (lf < 0) {
            if (end - start >= limit + 2) {
                throw new RequestRejected(tooLong, what + " longer than " + limit + " bytes");
            }
            int cr = in.indexOf(start, end, CR);
            if (cr >= 0 && cr < end - 1) {
                throw RequestRejected.bad("bare CR in " + what);
            }
            return -1;
        }
        if (lf == start || in.getByte(lf - 1) != CR) {
            throw RequestRejected.bad("bare LF in " + what);
        }
        int len = lf - 1 - start;
        if (len > limit) {
            throw new RequestRejected(tooLong, what + " longer than " + limit + " bytes");
        }
        if (len > 0 && in.indexOf(start, lf - 1, CR) >= 0) {
            throw RequestRejected.bad("bare CR in " + what);
        }
        return len;
    }

    private boolean readRequestLine(ByteBuf in) throws RequestRejected {
        int len;
        // RFC 9112 2.2: a server SHOULD ignore at least one empty line before the request line.
        while (true) {
            len = lineLength(in, limits.lineLimit(), HttpResponseStatus.REQUEST_URI_TOO_LONG, "request line");
            if (len != 0) {
                break;
            }
            in.skipBytes(2);
        }
        if (len < 0) {
            return false;
        }
        int start = in.readerIndex();
        byte[] line = new byte[len];
        in.getBytes(start, line);
        in.skipBytes(len + 2);
        parseRequestLine(line);
        headBytes = len + 2;
        headers = HEADERS.newHeaders();
        fieldCount = 0;
        contentLengthCount = 0;
        contentLength = 0;
        transferEncoding = null;
        hostCount = 0;
        host = null;
        contentTypeCount = 0;
        state = State.HEADERS;
        return true;
    }

    private void parseRequestLine(byte[] line) throws RequestRejected {
        int sp1 = indexOf(line, (byte) ' ', 0);
        if (sp1 <= 0) {
            throw RequestRejected.bad("request line without method and target");
        }
        for (int i = 0; i < sp1; i++) {
            byte b = line[i];
            if (!(b >= 'A' && b <= 'Z' || b == '-' || b == '_')) {
                throw RequestRejected.bad("invalid method");
            }
        }
        int sp2 = indexOf(line, (byte) ' ', sp1 + 1);
        if (sp2 < 0 || sp2 == sp1 + 1) {
            throw RequestRejected.bad("request line without target and version");
        }
        for (int i = sp1 + 1; i < sp2; i++) {
            int b = line[i] & 0xff;
            if (b <= 0x20 || b == 0x7f) {
                throw RequestRejected.bad("invalid byte in request target");
            }
        }
        String m = new String(line, 0, sp1, StandardCharsets.US_ASCII);
        method = HttpMethod.valueOf(m);
        uri = new String(line, sp1 + 1, sp2 - sp1 - 1, StandardCharsets.ISO_8859_1);
        // The target first: "PRI * HTTP/2.0" (a preface on an HTTP/1.x port) is a 400, as nginx.
        parseTarget();
        version = parseVersion(line, sp2 + 1);
    }

    private static HttpVersion parseVersion(byte[] line, int from) throws RequestRejected {
        // HTTP-version = "HTTP/" DIGIT "." DIGIT; 1.x above 1.1 is answered as 1.1 (RFC 9110 6.2).
        if (line.length - from != 8 || line[from] != 'H' || line[from + 1] != 'T' || line[from + 2] != 'T'
                || line[from + 3] != 'P' || line[from + 4] != '/' || line[from + 5] < '0' || line[from + 5] > '9'
                || line[from + 6] != '.' || line[from + 7] < '0' || line[from + 7] > '9') {
            throw RequestRejected.bad("invalid HTTP version");
        }
        if (line[from + 5] > '1') {
            // A later major version in an HTTP/1.x request line: 505 (RFC 9110 15.6.6), as nginx.
            throw new RequestRejected(HttpResponseStatus.HTTP_VERSION_NOT_SUPPORTED, "HTTP version "
                    + (char) line[from + 5] + "." + (char) line[from + 7] + " in an HTTP/1.x request line");
        }
        if (line[from + 5] == '0') {
            throw RequestRejected.bad("HTTP/0.x request");
        }
        return line[from + 7] == '0' ? HttpVersion.HTTP_1_0 : HttpVersion.HTTP_1_1;
    }

    private void parseTarget() throws RequestRejected {
        targetAuthority = null;
        rawQuery = null;
        String path;
        if (uri.charAt(0) == '/') {
            path = uri;
        } else if (uri.equals("*")) {
            if (!method.equals(HttpMethod.OPTIONS)) {
                throw RequestRejected.bad("asterisk-form target with a method other than OPTIONS");
            }
            rawPath = "";
            return;
        } else if (method.equals(HttpMethod.CONNECT)) {
            if (uri.indexOf('/') >= 0 || uri.indexOf(':') < 0) {
                throw RequestRejected.bad("CONNECT without an authority-form target");
            }
            rawPath = "";
            return;
        } else {
            int colon = uri.indexOf("://");
            String scheme = colon > 0 ? uri.substring(0, colon).toLowerCase(Locale.ROOT) : "";
            if (!scheme.equals("http") && !scheme.equals("https")) {
                throw RequestRejected.bad("request target is not origin-form or an http(s) absolute-form");
            }
            int authStart = colon + 3;
            int authEnd = authStart;
            while (authEnd < uri.length() && "/?#".indexOf(uri.charAt(authEnd)) < 0) {
                authEnd++;
            }
            targetAuthority = uri.substring(authStart, authEnd);
            if (targetAuthority.isEmpty()) {
                throw RequestRejected.bad("absolute-form target without a host");
            }
            if (targetAuthority.indexOf('@') >= 0) {
                // RFC 9110 4.2.4: userinfo in an http(s) URI is treated as an error (nginx: 400).
                throw RequestRejected.bad("absolute-form target with userinfo");
            }
            if (!Authority.isValid(targetAuthority)) {
                throw RequestRejected.bad("absolute-form target with an invalid host");
            }
            String rest = uri.substring(authEnd);
            path = rest.isEmpty() || rest.charAt(0) != '/' ? "/" + rest : rest;
        }
        if (method.equals(HttpMethod.CONNECT)) {
            throw RequestRejected.bad("CONNECT without an authority-form target");
        }
        int hash = path.indexOf('#');
        if (hash >= 0) {
            path = path.substring(0, hash);
        }
        int q = path.indexOf('?');
        if (q >= 0) {
            rawQuery = path.substring(q + 1);
            path = path.substring(0, q);
        }
        rawPath = path;
    }

    private static int indexOf(byte[] a, byte b, int from) {
        for (int i = from; i < a.length; i++) {
            if (a[i] == b) {
                return i;
            }
        }
        return -1;
    }

    private boolean readHeaders(ByteBuf in, List<Object> out) throws RequestRejected {
        while (true) {
            int len = lineLength(in, limits.lineLimit(), HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE,
                    "header field");
            if (len < 0) {
                if (headBytes + in.readableBytes() > limits.headSizeLimit()) {
                    throw new RequestRejected(HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE,
                            "request head larger than " + limits.headSizeLimit() + " bytes");
                }
                return false;
            }
            headBytes += len + 2;
            if (headBytes > limits.headSizeLimit()) {
                throw new RequestRejected(HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE,
                        "request head larger than " + limits.headSizeLimit() + " bytes");
            }
            if (len == 0) {
                in.skipBytes(2);
                endOfHead(out);
                return true;
            }
            if (++fieldCount > limits.maxHeaders()) {
                throw new RequestRejected(HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE,
                        "more than " + limits.maxHeaders() + " header fields");
            }
            readField(in, len, headers, false);
        }
    }

    /** Parses one field line of {@code len} bytes at the reader index into {@code target}. */
    private void readField(ByteBuf in, int len, HttpHeaders target, boolean trailer) throws RequestRejected {
        int start = in.readerIndex();
        byte first = in.getByte(start);
        if (first == ' ' || first == '\t') {
            throw RequestRejected.bad("obsolete line folding");
        }
        int colon = -1;
        boolean underscore = false;
        for (int i = 0; i < len; i++) {
            int b = in.getByte(start + i) & 0xff;
            if (b == ':') {
                colon = i;
                break;
            }
            if (!TCHAR[b]) {
                throw RequestRejected.bad("invalid byte in header name");
            }
            underscore |= b == '_';
        }
        if (colon <= 0) {
            throw RequestRejected.bad(colon == 0 ? "empty header name" : "header line without ':'");
        }
        int vs = colon + 1;
        int ve = len;
        while (vs < ve && isOws(in.getByte(start + vs))) {
            vs++;
        }
        while (ve > vs && isOws(in.getByte(start + ve - 1))) {
            ve--;
        }
        for (int i = vs; i < ve; i++) {
            int b = in.getByte(start + i) & 0xff;
            if (b < 0x20 && b != '\t' || b == 0x7f) {
                throw RequestRejected.bad("control character in header value");
            }
        }
        byte[] nameBytes = new byte[colon];
        in.getBytes(start, nameBytes);
        AsciiString name = new AsciiString(nameBytes, false);
        String value = in.toString(start + vs, ve - vs, StandardCharsets.ISO_8859_1);
        in.skipBytes(len + 2);
        if (trailer) {
            if (isForbiddenTrailer(name)) {
                throw RequestRejected.bad("forbidden trailer field " + name);
            }
        } else {
            noteFramingField(name, value);
        }
        // nginx (underscores_in_headers off, ignore_invalid_headers on) ignores these names: with
        // the CGI mapping '-' -> '_', "X_Real_IP" could otherwise pose as "X-Real-IP".
        if (!underscore) {
            target.add(name, value);
        }
    }

    private static boolean isOws(byte b) {
        return b == ' ' || b == '\t';
    }

    private static boolean isForbiddenTrailer(AsciiString name) {
        return name.contentEqualsIgnoreCase(HttpHeaderNames.CONTENT_LENGTH)
                || name.contentEqualsIgnoreCase(HttpHeaderNames.TRANSFER_ENCODING)
                || name.contentEqualsIgnoreCase(HttpHeaderNames.HOST)
                || name.contentEqualsIgnoreCase(HttpHeaderNames.TRAILER)
                || name.contentEqualsIgnoreCase(HttpHeaderNames.AUTHORIZATION)
                || name.contentEqualsIgnoreCase(HttpHeaderNames.TE);
    }

    private void noteFramingField(AsciiString name, String value) throws RequestRejected {
        if (name.contentEqualsIgnoreCase(HttpHeaderNames.CONTENT_LENGTH)) {
            if (++contentLengthCount > 1) {
                throw RequestRejected.bad("repeated Content-Length");
            }
            if (value.isEmpty() || value.length() > 18 || !value.chars().allMatch(c -> c >= '0' && c <= '9')) {
                throw RequestRejected.bad("Content-Length is not a number");
            }
            contentLength = Long.parseLong(value);
        } else if (name.contentEqualsIgnoreCase(HttpHeaderNames.TRANSFER_ENCODING)) {
            if (transferEncoding == null) {
                transferEncoding = new StringBuilder(value);
            } else {
                transferEncoding.append(',').append(value);
            }
        } else if (name.contentEqualsIgnoreCase(HttpHeaderNames.HOST)) {
            if (++hostCount > 1) {
                throw RequestRejected.bad("repeated Host");
            }
            if (!Authority.isValid(value)) {
                throw RequestRejected.bad("invalid Host");
            }
            host = value;
        } else if (name.contentEqualsIgnoreCase(HttpHeaderNames.CONTENT_TYPE)) {
            if (++contentTypeCount > 1) {
                throw RequestRejected.bad("repeated Content-Type");
            }
        }
    }

    private void endOfHead(List<Object> out) throws RequestRejected {
        if (hostCount == 0 && version == HttpVersion.HTTP_1_1) {
            // RFC 9112 3.2: a server MUST answer 400 to an HTTP/1.1 request without Host, even one
            // with an absolute-form target; nginx too, and before it looks at the framing fields.
            throw RequestRejected.bad("HTTP/1.1 request without Host");
        }
        boolean chunked = false;
        if (transferEncoding != null) {
            if (contentLengthCount > 0) {
                throw RequestRejected.bad("both Content-Length and Transfer-Encoding");
            }
            if (version == HttpVersion.HTTP_1_0) {
                throw RequestRejected.bad("Transfer-Encoding in an HTTP/1.0 request");
            }
            checkTransferEncoding(transferEncoding.toString());
            chunked = true;
        }
        if (targetAuthority != null && !targetAuthority.equals(host)) {
            // RFC 9112 3.2.2: the target's authority, not the Host field, names the host.
            headers = withHost(headers, targetAuthority);
        }
        ParsedRequest request = new ParsedRequest(version, method, uri, headers, rawPath, rawQuery,
                chunked ? -1 : contentLength, chunked);
        headers = null;
        out.add(request);
        if (chunked) {
            trailers = null;
            state = State.CHUNK_SIZE;
        } else if (contentLength > 0) {
            remaining = contentLength;
            state = State.FIXED_BODY;
        } else {
            out.add(LastHttpContent.EMPTY_LAST_CONTENT);
            state = State.REQUEST_LINE;
        }
    }

    /** {@code in} with its Host field's value replaced in place, or Host added last when it has none. */
    private static HttpHeaders withHost(HttpHeaders in, String host) {
        HttpHeaders out = HEADERS.newHeaders();
        boolean replaced = false;
        java.util.Iterator<java.util.Map.Entry<CharSequence, CharSequence>> fields = in.iteratorCharSequence();
        while (fields.hasNext()) {
            java.util.Map.Entry<CharSequence, CharSequence> e = fields.next();
            if (HttpHeaderNames.HOST.contentEqualsIgnoreCase(e.getKey())) {
                out.add(e.getKey(), host);
                replaced = true;
            } else {
                out.add(e.getKey(), e.getValue());
            }
        }
        if (!replaced) {
            out.add(HttpHeaderNames.HOST, host);
        }
        return out;
    }

    /** Refuses any Transfer-Encoding but one that ends in a single chunked with nothing else. */
    private static void checkTransferEncoding(String value) throws RequestRejected {
        int chunkedAt = -1;
        int count = 0;
        boolean other = false;
        for (String part : value.split(",")) {
            String coding = part.strip().toLowerCase(Locale.ROOT);
            if (coding.isEmpty()) {
                continue; // RFC 9110 5.6.1: empty list elements are ignored
            }
            if (chunkedAt >= 0) {
                throw RequestRejected.bad("Transfer-Encoding with a coding after chunked");
            }
            if (coding.equals("chunked")) {
                chunkedAt = count;
            } else {
                other = true;
            }
            count++;
        }
        if (count == 0) {
            throw RequestRejected.bad("Transfer-Encoding without a coding");
        }
        if (chunkedAt < 0) {
            throw RequestRejected.bad("Transfer-Encoding not ending in chunked");
        }
        if (other) {
            throw new RequestRejected(HttpResponseStatus.NOT_IMPLEMENTED, "Transfer-Encoding other than chunked");
        }
    }

    private void readFixedBody(ByteBuf in, List<Object> out) {
        int n = (int) Math.min(remaining, in.readableBytes());
        ByteBuf part = in.readRetainedSlice(n);
        remaining -= n;
        if (remaining == 0) {
            out.add(new DefaultLastHttpContent(part, TRAILERS));
            state = State.REQUEST_LINE;
        } else {
            out.add(new DefaultHttpContent(part));
        }
    }

    private boolean readChunkSize(ByteBuf in, List<Object> out) throws RequestRejected {
        int len = lineLength(in, HeadLimits.CHUNK_LINE_LIMIT, HttpResponseStatus.BAD_REQUEST, "chunk size line");
        if (len < 0) {
            return false;
        }
        int start = in.readerIndex();
        int i = 0;
        long size = 0;
        while (i < len) {
            int d = Character.digit(in.getByte(start + i), 16);
            if (d < 0) {
                break;
            }
            if (i == 16) {
                throw RequestRejected.bad("chunk size too large");
            }
            size = size << 4 | d;
            i++;
        }
        if (i == 0) {
            throw RequestRejected.bad("invalid chunk size");
        }
        if (i < len) {
            checkChunkExtensions(in, start + i, start + len);
        }
        in.skipBytes(len + 2);
        if (size == 0) {
            trailers = TRAILERS.newHeaders();
            state = State.TRAILERS;
        } else {
            remaining = size;
            state = State.CHUNK_DATA;
        }
        return true;
    }

    /** chunk-ext = *( BWS ";" BWS name [ BWS "=" BWS ( token / quoted-string ) ] ). */
    private static void checkChunkExtensions(ByteBuf in, int from, int end) throws RequestRejected {
        int i = from;
        while (i < end) {
            while (i < end && isOws(in.getByte(i))) {
                i++;
            }
            if (i == end || in.getByte(i) != ';') {
                throw RequestRejected.bad("invalid chunk size");
            }
            i++;
            while (i < end && isOws(in.getByte(i))) {
                i++;
            }
            int nameStart = i;
            while (i < end && TCHAR[in.getByte(i) & 0xff]) {
                i++;
            }
            if (i == nameStart) {
                throw RequestRejected.bad("invalid chunk extension");
            }
            int j = i;
            while (j < end && isOws(in.getByte(j))) {
                j++;
            }
            if (j < end && in.getByte(j) == '=') {
                i = j + 1;
                while (i < end && isOws(in.getByte(i))) {
                    i++;
                }
                if (i < end && in.getByte(i) == '"') {
                    i++;
                    while (true) {
                        if (i >= end) {
                            throw RequestRejected.bad("unterminated quoted chunk extension");
                        }
                        int b = in.getByte(i) & 0xff;
                        if (b == '"') {
                            i++;
                            break;
                        }
                        if (b == '\\') {
                            i++;
                            if (i >= end) {
                                throw RequestRejected.bad("invalid chunk extension");
                            }
                            b = in.getByte(i) & 0xff;
                        }
                        if (b < 0x20 && b != '\t' || b == 0x7f) {
                            throw RequestRejected.bad("control character in chunk extension");
                        }
                        i++;
                    }
                } else {
                    int valueStart = i;
                    while (i < end && TCHAR[in.getByte(i) & 0xff]) {
                        i++;
                    }
                    if (i == valueStart) {
                        throw RequestRejected.bad("invalid chunk extension");
                    }
                }
            }
        }
    }

    private void readChunkData(ByteBuf in, List<Object> out) {
        int n = (int) Math.min(remaining, in.readableBytes());
        out.add(new DefaultHttpContent(in.readRetainedSlice(n)));
        remaining -= n;
        if (remaining == 0) {
            state = State.CHUNK_END;
        }
    }

    private boolean readTrailers(ByteBuf in, List<Object> out) throws RequestRejected {
        while (true) {
            int len = lineLength(in, limits.lineLimit(), HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE,
                    "trailer field");
            if (len < 0) {
                return false;
            }
            if (len == 0) {
                in.skipBytes(2);
                out.add(new DefaultLastHttpContent(io.netty.buffer.Unpooled.EMPTY_BUFFER, trailers));
                trailers = null;
                state = State.REQUEST_LINE;
                return true;
            }
            if (trailers.size() >= limits.maxHeaders()) {
                throw new RequestRejected(HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "too many trailer fields");
            }
            readField(in, len, trailers, true);
        }
    }

    @Override
    protected void decodeLast(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws Exception {
        // A request cut off by the client's close is dropped: nothing is passed on for it.
        if (in.isReadable()) {
            decode(ctx, in, out);
        }
    }
}
