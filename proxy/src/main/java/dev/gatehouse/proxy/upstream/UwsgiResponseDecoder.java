package dev.gatehouse.proxy.upstream;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.util.ByteProcessor;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Reads a uwsgi server's reply the way nginx's uwsgi module does
 * ({@code ngx_http_uwsgi_process_status_line} / {@code _process_header}): an HTTP status line if
 * the first line is one (any version), else CGI-style headers where {@code Status: NNN reason}
 * sets the status, and without either 200 (302 with a {@code Location}); the head must end
 * within {@code bufferSize} bytes. The body ends after {@code Content-Length} bytes, at the last
 * chunk of a chunked body (only the Gatehouse app-server sends one, when asked), or at close.
 *
 * <p>Out: one {@link ResponseHead}, then body parts as {@link ByteBuf}s (retained slices, not
 * copies), then {@link ResponseEnd} for a framed body; a close-delimited body simply ends with
 * the channel. A response the decoder cannot read raises {@link BadResponseException}. Call
 * {@link #expect(boolean)} before each request. After a {@code 101} head nothing more is decoded:
 * the bytes that follow stay in the decoder until it is removed, which hands them on undecoded.
 */
final class UwsgiResponseDecoder extends ByteToMessageDecoder {

    private enum State { IDLE, HEAD, BODY_LENGTH, CHUNK_SIZE, CHUNK_DATA, CHUNK_CRLF, TRAILERS, BODY_CLOSE, DONE, SWITCHED }

    /** Longest chunk-size or trailer line accepted. */
    private static final int MAX_CHUNK_LINE = 4096;

    private final int bufferSize;
    private State state = State.IDLE;
    private boolean headRequest;
    private long remaining;

    UwsgiResponseDecoder(int bufferSize) {
        this.bufferSize = bufferSize;
    }

    /** Arms the decoder for the response to the request about to be sent. */
    void expect(boolean headRequest) {
        this.headRequest = headRequest;
        this.state = State.HEAD;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        while (in.isReadable()) {
            switch (state) {
                case IDLE, DONE -> {
                    // Bytes outside a response: the connection is out of step.
                    out.add(new ResponseEnd(true));
                    in.skipBytes(in.readableBytes());
                    return;
                }
                case HEAD -> {
                    if (!readHead(in, out)) {
                        return;
                    }
                }
                case SWITCHED -> {
                    // After a 101 the bytes are the new protocol's: left in place for the tunnel,
                    // which gets them when this decoder leaves the pipeline.
                    return;
                }
                case BODY_LENGTH -> {
                    int n = (int) Math.min(remaining, in.readableBytes());
                    out.add(in.readRetainedSlice(n));
                    remaining -= n;
                    if (remaining == 0) {
                        end(in, out);
                    }
                }
                case BODY_CLOSE -> out.add(in.readRetainedSlice(in.readableBytes()));
                case CHUNK_SIZE -> {
                    String line = readLine(in, MAX_CHUNK_LINE, "chunk size");
                    if (line == null) {
                        return;
                    }
                    int semi = line.indexOf(';');
                    String hex = (semi < 0 ? line : line.substring(0, semi)).strip();
                    try {
                        remaining = Long.parseLong(hex, 16);
                    } catch (NumberFormatException e) {
                        remaining = -1;
                    }
                    if (remaining < 0 || hex.isEmpty()) {
                        throw new BadResponseException("upstream sent invalid chunked response: chunk size '" + hex + "'");
                    }
                    state = remaining == 0 ? State.TRAILERS : State.CHUNK_DATA;
                }
                case CHUNK_DATA -> {
                    int n = (int) Math.min(remaining, in.readableBytes());
                    out.add(in.readRetainedSlice(n));
                    remaining -= n;
                    if (remaining == 0) {
                        state = State.CHUNK_CRLF;
                    }
                }
                case CHUNK_CRLF -> {
                    String line = readLine(in, 2, "chunk end");
                    if (line == null) {
                        return;
                    }
                    if (!line.isEmpty()) {
                        throw new BadResponseException("upstream sent invalid chunked response: no CRLF after a chunk");
                    }
                    state = State.CHUNK_SIZE;
                }
                case TRAILERS -> {
                    // Trailers are dropped, as nginx's uwsgi module never passes any.
                    String line = readLine(in, MAX_CHUNK_LINE, "trailer");
                    if (line == null) {
                        return;
                    }
                    if (line.isEmpty()) {
                        end(in, out);
                    }
                }
            }
        }
    }

    private void end(ByteBuf in, List<Object> out) {
        state = State.DONE;
        boolean trailing = in.isReadable();
        in.skipBytes(in.readableBytes());
        out.add(new ResponseEnd(trailing));
    }

    /** A line without its LF (and CR); null when incomplete. */
    private static String readLine(ByteBuf in, int max, String what) {
        int lf = in.forEachByte(in.readerIndex(), Math.min(in.readableBytes(), max + 2), ByteProcessor.FIND_LF);
        if (lf < 0) {
            if (in.readableBytes() >= max + 2) {
                throw new BadResponseException("upstream sent invalid chunked response: " + what + " line too long");
            }
            return null;
        }
        int len = lf - in.readerIndex();
        String line = in.toString(in.readerIndex(), len, StandardCharsets.ISO_8859_1);
        in.skipBytes(len + 1);
        return line.endsWith("\r") ? line.substring(0, line.length() - 1) : line;
    }

    private boolean readHead(ByteBuf in, List<Object> out) {
        int start = in.readerIndex();
        int limit = Math.min(in.readableBytes(), bufferSize);
        int end = findHeadEnd(in, start, limit);
        if (end < 0) {
            if (in.readableBytes() >= bufferSize) {
                throw new BadResponseException("upstream sent too big header: more than buffer_size = "
                        + bufferSize + " bytes of status line and headers");
            }
            return false;
        }
        String head = in.toString(start, end - start, StandardCharsets.ISO_8859_1);
        in.readerIndex(end);
        ResponseHead h = parseHead(head);
        out.add(h);
        if (h.status().code() == 101) {
            state = State.SWITCHED;
            return false;
        }
        switch (h.framing()) {
            case NONE -> end(in, out);
            case LENGTH -> {
                remaining = h.contentLength();
                state = State.BODY_LENGTH;
                if (remaining == 0) {
                    end(in, out);
                }
            }
            case CHUNKED -> state = State.CHUNK_SIZE;
            case CLOSE -> state = State.BODY_CLOSE;
        }
        return true;
    }

    /** The index just after the blank line ending the head, or -1. */
    private static int findHeadEnd(ByteBuf in, int start, int length) {
        int lineStart = start;
        for (int i = start; i < start + length; i++) {
            if (in.getByte(i) == '\n') {
                int len = i - lineStart;
                if (len == 0 || len == 1 && in.getByte(lineStart) == '\r') {
                    return i + 1;
                }
                lineStart = i + 1;
            }
        }
        return -1;
    }

    private ResponseHead parseHead(String head) {
        HttpHeaders headers = DefaultHttpHeadersFactory.headersFactory().withValidation(false).newHeaders();
        HttpResponseStatus status = null;
        // Lines end in LF or CRLF, as nginx accepts them.
        for (int pos = 0, lineNo = 0; pos < head.length(); lineNo++) {
            int lf = head.indexOf('\n', pos);
            int end = lf < 0 ? head.length() : lf;
            String line = head.substring(pos, end > pos && head.charAt(end - 1) == '\r' ? end - 1 : end);
            pos = end + 1;
            if (lineNo == 0 && line.startsWith("HTTP/")) {
                status = parseStatusLine(line);
                continue;
            }
            if (line.isEmpty()) {
                continue;
            }
            int colon = line.indexOf(':');
            if (colon <= 0 || !isToken(line, colon)) {
                throw new BadResponseException("upstream sent invalid header: '" + abbreviate(line) + "'");
            }
            headers.add(line.substring(0, colon), line.substring(colon + 1).strip());
        }
        String statusHeader = headers.get("Status");
        if (status == null && statusHeader != null) {
            status = parseStatus(statusHeader.strip(), "Status header");
        }
        if (status == null) {
            status = headers.contains(HttpHeaderNames.LOCATION) ? HttpResponseStatus.FOUND : HttpResponseStatus.OK;
        }
        int code = status.code();
        if (headRequest || code < 200 || code == 204 || code == 304) {
            return new ResponseHead(status, headers, ResponseHead.Framing.NONE, -1);
        }
        String te = headers.get(HttpHeaderNames.TRANSFER_ENCODING);
        if (te != null) {
            if (!te.strip().equalsIgnoreCase("chunked")) {
                throw new BadResponseException("upstream sent unknown Transfer-Encoding: '" + abbreviate(te) + "'");
            }
            return new ResponseHead(status, headers, ResponseHead.Framing.CHUNKED, -1);
        }
        List<String> lengths = headers.getAll(HttpHeaderNames.CONTENT_LENGTH);
        if (!lengths.isEmpty()) {
            long n = -1;
            for (String v : lengths) {
                long m = parseLength(v.strip());
                if (m < 0 || n >= 0 && m != n) {
                    throw new BadResponseException("upstream sent invalid Content-Length: " + lengths);
                }
                n = m;
            }
            return new ResponseHead(status, headers, ResponseHead.Framing.LENGTH, n);
        }
        return new ResponseHead(status, headers, ResponseHead.Framing.CLOSE, -1);
    }

    private static HttpResponseStatus parseStatusLine(String line) {
        // HTTP/x.y NNN reason; uWSGI echoes SERVER_PROTOCOL, so any version is taken, as by nginx.
        int sp = line.indexOf(' ');
        if (sp < 0) {
            throw new BadResponseException("upstream sent invalid status line: '" + abbreviate(line) + "'");
        }
        return parseStatus(line.substring(sp + 1).strip(), "status line");
    }

    private static HttpResponseStatus parseStatus(String text, String where) {
        if (text.length() < 3 || !Character.isDigit(text.charAt(0)) || !Character.isDigit(text.charAt(1))
                || !Character.isDigit(text.charAt(2)) || text.length() > 3 && text.charAt(3) != ' ') {
            throw new BadResponseException("upstream sent invalid " + where + ": '" + abbreviate(text) + "'");
        }
        int code = Integer.parseInt(text.substring(0, 3));
        if (code < 100) {
            throw new BadResponseException("upstream sent invalid " + where + ": status " + code);
        }
        String reason = text.length() > 4 ? text.substring(4).strip() : "";
        HttpResponseStatus known = HttpResponseStatus.valueOf(code);
        if (reason.isEmpty() || reason.equals(known.reasonPhrase())) {
            return known;
        }
        return new HttpResponseStatus(code, reason);
    }

    private static long parseLength(String v) {
        if (v.isEmpty() || v.length() > 18) {
            return -1;
        }
        for (int i = 0; i < v.length(); i++) {
            if (v.charAt(i) < '0' || v.charAt(i) > '9') {
                return -1;
            }
        }
        return Long.parseLong(v);
    }

    private static boolean isToken(String line, int end) {
        for (int i = 0; i < end; i++) {
            char c = line.charAt(i);
            if (c <= ' ' || c >= 0x7f || "()<>@,;:\\\"/[]?={}".indexOf(c) >= 0) {
                return false;
            }
        }
        return true;
    }

    private static String abbreviate(String s) {
        return s.length() <= 80 ? s : s.substring(0, 80) + "...";
    }
}
