package dev.gatehouse.proxy.support;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** A raw-socket HTTP client: sends exact bytes, parses responses by Content-Length. */
public final class RawClient implements AutoCloseable {

    /** A response as read from the wire. */
    public record Response(int status, String statusLine, Map<String, List<String>> headers, byte[] body) {
        public String header(String name) {
            List<String> v = headers.get(name.toLowerCase(Locale.ROOT));
            return v == null ? null : v.get(0);
        }

        public String text() {
            return new String(body, StandardCharsets.ISO_8859_1);
        }
    }

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    public RawClient(int port) {
        try {
            socket = new Socket("127.0.0.1", port);
            socket.setSoTimeout(10_000);
            in = socket.getInputStream();
            out = socket.getOutputStream();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public RawClient timeout(int millis) {
        try {
            socket.setSoTimeout(millis);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }

    public RawClient send(String text) {
        return send(text.getBytes(StandardCharsets.ISO_8859_1));
    }

    public RawClient send(byte[] bytes) {
        try {
            out.write(bytes);
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }

    /** Reads one response; for HEAD or 304/1xx pass {@code noBody}. */
    public Response read(boolean noBody) {
        try {
            String statusLine = line();
            if (statusLine == null) {
                return null;
            }
            Map<String, List<String>> headers = new LinkedHashMap<>();
            String l;
            while (!(l = line()).isEmpty()) {
                int c = l.indexOf(':');
                headers.computeIfAbsent(l.substring(0, c).trim().toLowerCase(Locale.ROOT), k -> new ArrayList<>())
                        .add(l.substring(c + 1).trim());
            }
            int status = Integer.parseInt(statusLine.split(" ")[1]);
            byte[] body = new byte[0];
            List<String> cl = headers.get("content-length");
            if (!noBody && status >= 200 && status != 204 && status != 304) {
                if (cl != null) {
                    body = in.readNBytes(Integer.parseInt(cl.get(0)));
                } else {
                    body = in.readAllBytes();
                }
            }
            return new Response(status, statusLine, headers, body);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public Response read() {
        return read(false);
    }

    /** Whether the server closed the connection (EOF) within the socket timeout. */
    public boolean closedByPeer() {
        try {
            return in.read() < 0;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true; // reset
        }
    }

    /** Up to n bytes; fewer only at end of stream. */
    public byte[] readN(int n) {
        try {
            return in.readNBytes(n);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Everything until the server closes. */
    public byte[] readAll() {
        try {
            return in.readAllBytes();
        } catch (IOException e) {
            return new byte[0];
        }
    }

    private String line() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) >= 0) {
            if (c == '\n') {
                String s = b.toString(StandardCharsets.ISO_8859_1);
                return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
            }
            b.write(c);
        }
        return b.size() == 0 ? null : b.toString(StandardCharsets.ISO_8859_1);
    }

    public void shutdownOutput() {
        try {
            socket.shutdownOutput();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException e) {
            // ignore
        }
    }
}
