package dev.gatehouse.appserver.worker;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** An HTTP/1.1 response read byte by byte from a raw stream, framing checked strictly. */
record RawResponse(int status, String statusLine, List<String[]> headers, byte[] body, boolean chunked) {

    String header(String name) {
        for (String[] h : headers) {
            if (h[0].equalsIgnoreCase(name)) {
                return h[1];
            }
        }
        return null;
    }

    String bodyText() {
        return new String(body, StandardCharsets.UTF_8);
    }

    /** Reads one response; {@code head}: a response to HEAD, which has no body. Null at a clean EOF. */
    static RawResponse read(InputStream in, boolean head) throws IOException {
        String statusLine = line(in);
        if (statusLine == null) {
            return null;
        }
        if (!statusLine.startsWith("HTTP/1.1 ")) {
            throw new IOException("not a status line: " + statusLine);
        }
        int status = Integer.parseInt(statusLine.substring(9, 12));
        List<String[]> headers = new ArrayList<>();
        String l;
        while (!(l = requireLine(in)).isEmpty()) {
            int colon = l.indexOf(':');
            headers.add(new String[] {l.substring(0, colon), l.substring(colon + 1).trim()});
        }
        String cl = null;
        String te = null;
        for (String[] h : headers) {
            if (h[0].equalsIgnoreCase("Content-Length")) {
                cl = h[1];
            } else if (h[0].equalsIgnoreCase("Transfer-Encoding")) {
                te = h[1];
            }
        }
        boolean chunked = te != null && te.toLowerCase(Locale.ROOT).equals("chunked");
        if (head || status == 204 || status == 304) {
            return new RawResponse(status, statusLine, headers, new byte[0], chunked);
        }
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        if (chunked) {
            while (true) {
                int size = Integer.parseInt(requireLine(in), 16);
                if (size == 0) {
                    if (!requireLine(in).isEmpty()) {
                        throw new IOException("trailer not supported in tests");
                    }
                    break;
                }
                body.write(exactly(in, size));
                if (!requireLine(in).isEmpty()) {
                    throw new IOException("chunk not followed by CRLF");
                }
            }
        } else if (cl != null) {
            body.write(exactly(in, Integer.parseInt(cl)));
        } else {
            body.write(in.readAllBytes()); // no framing: the body ends at close
        }
        return new RawResponse(status, statusLine, headers, body.toByteArray(), chunked);
    }

    private static byte[] exactly(InputStream in, int n) throws IOException {
        byte[] b = in.readNBytes(n);
        if (b.length != n) {
            throw new IOException("connection ended after " + b.length + " of " + n + " body bytes");
        }
        return b;
    }

    private static String requireLine(InputStream in) throws IOException {
        String l = line(in);
        if (l == null) {
            throw new IOException("connection ended inside the response head");
        }
        return l;
    }

    private static String line(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        int c;
        while ((c = in.read()) != -1) {
            if (c == '\n') {
                if (sb.length() == 0 || sb.charAt(sb.length() - 1) != '\r') {
                    throw new IOException("bare LF in response");
                }
                sb.setLength(sb.length() - 1);
                return sb.toString();
            }
            sb.append((char) c);
        }
        if (sb.length() > 0) {
            throw new IOException("connection ended inside a line: " + sb);
        }
        return null;
    }
}
