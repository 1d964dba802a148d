package dev.gatehouse.it.appserver;

import dev.gatehouse.it.support.HttpHeader;
import dev.gatehouse.it.support.RawHttpResponse;
import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ProtocolException;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * One client connection to an HTTP server on 127.0.0.1, kept open across requests: sends bytes
 * exactly as given and reads responses either whole ({@link #read}) or as a stream
 * ({@link #readHead} then {@link #body}), for bodies too large to hold in test memory.
 */
final class HttpConnection implements AutoCloseable {

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    private HttpConnection(Socket socket) throws IOException {
        this.socket = socket;
        this.in = new BufferedInputStream(socket.getInputStream(), 64 * 1024);
        this.out = socket.getOutputStream();
    }

    /**
     * @param port the server's port on 127.0.0.1
     * @param readTimeout the bound for each read
     * @return the open connection
     */
    static HttpConnection open(int port, Duration readTimeout) throws IOException {
        Socket socket = new Socket();
        try {
            socket.connect(new InetSocketAddress("127.0.0.1", port), (int) readTimeout.toMillis());
            socket.setSoTimeout((int) readTimeout.toMillis());
            socket.setTcpNoDelay(true);
            return new HttpConnection(socket);
        } catch (IOException e) {
            socket.close();
            throw e;
        }
    }

    /** @return this side's port, which nginx reports as {@code REMOTE_PORT} */
    int localPort() {
        return socket.getLocalPort();
    }

    /** Sends bytes as they are. */
    void send(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    /** Sends bytes as they are, from an offset. */
    void send(byte[] bytes, int offset, int length) throws IOException {
        out.write(bytes, offset, length);
    }

    /** Flushes what {@link #send(byte[], int, int)} left buffered. */
    void flush() throws IOException {
        out.flush();
    }

    /**
     * Reads one whole response.
     *
     * @param headRequest whether it answers a HEAD (then it has no body)
     */
    RawHttpResponse read(boolean headRequest) throws IOException {
        return RawHttpResponse.read(in, headRequest);
    }

    /**
     * Reads the status line and headers of one response, leaving its body in the connection.
     */
    Head readHead() throws IOException {
        List<String> lines = new ArrayList<>();
        while (true) {
            String line = RawHttpResponse.readLine(in);
            if (line == null) {
                throw new EOFException(lines.isEmpty() ? "connection closed before any response byte"
                        : "connection closed inside the response head after " + lines);
            }
            if (line.isEmpty()) {
                if (lines.isEmpty()) {
                    continue;
                }
                break;
            }
            lines.add(line);
        }
        String[] status = lines.get(0).split(" ", 3);
        if (status.length < 2 || !status[0].startsWith("HTTP/")) {
            throw new ProtocolException("bad status line: " + lines.get(0));
        }
        List<HttpHeader> headers = new ArrayList<>();
        for (String line : lines.subList(1, lines.size())) {
            int colon = line.indexOf(':');
            if (colon <= 0) {
                throw new ProtocolException("bad header line: " + line);
            }
            headers.add(new HttpHeader(line.substring(0, colon), line.substring(colon + 1).strip()));
        }
        return new Head(lines.get(0), Integer.parseInt(status[1]), headers);
    }

    /**
     * The body that follows {@code head}, de-chunked, as a stream that ends with the body: by
     * {@code Content-Length}, by the last chunk, or at connection close.
     */
    InputStream body(Head head) {
        if (head.chunked()) {
            return new ChunkedBody(in);
        }
        Optional<String> length = head.header("Content-Length");
        if (length.isPresent()) {
            return new LengthBody(in, Long.parseLong(length.get()));
        }
        return in;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }

    /**
     * A response's status line and headers.
     *
     * @param statusLine the first line
     * @param status the status code
     * @param headers every header in order
     */
    record Head(String statusLine, int status, List<HttpHeader> headers) {
        Optional<String> header(String name) {
            return headers.stream().filter(h -> h.name().equalsIgnoreCase(name)).map(HttpHeader::value).findFirst();
        }

        boolean chunked() {
            return header("Transfer-Encoding").map(v -> v.toLowerCase(Locale.ROOT).contains("chunked")).orElse(false);
        }

        @Override
        public String toString() {
            return statusLine + " " + headers;
        }
    }

    /** Exactly {@code length} bytes, then EOF; an early close is an error, not a short body. */
    private static final class LengthBody extends InputStream {
        private final InputStream in;
        private long left;

        LengthBody(InputStream in, long length) {
            this.in = in;
            this.left = length;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (left == 0) {
                return -1;
            }
            int n = in.read(b, off, (int) Math.min(len, left));
            if (n < 0) {
                throw new EOFException("connection closed with " + left + " body bytes missing");
            }
            left -= n;
            return n;
        }
    }

    /** De-chunks a chunked body as it streams; trailers are skipped. */
    private static final class ChunkedBody extends InputStream {
        private final InputStream in;
        private long chunkLeft;
        private boolean done;

        ChunkedBody(InputStream in) {
            this.in = in;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (done) {
                return -1;
            }
            if (chunkLeft == 0) {
                String sizeLine = RawHttpResponse.readLine(in);
                if (sizeLine == null) {
                    throw new EOFException("connection closed before the last chunk");
                }
                int semicolon = sizeLine.indexOf(';');
                chunkLeft = Long.parseLong((semicolon >= 0 ? sizeLine.substring(0, semicolon) : sizeLine).strip(), 16);
                if (chunkLeft == 0) {
                    String trailer;
                    do {
                        trailer = RawHttpResponse.readLine(in);
                    } while (trailer != null && !trailer.isEmpty());
                    done = true;
                    return -1;
                }
            }
            int n = in.read(b, off, (int) Math.min(len, chunkLeft));
            if (n < 0) {
                throw new EOFException("connection closed inside a chunk, " + chunkLeft + " bytes missing");
            }
            chunkLeft -= n;
            if (chunkLeft == 0) {
                String crlf = RawHttpResponse.readLine(in);
                if (crlf == null || !crlf.isEmpty()) {
                    throw new ProtocolException("chunk not followed by CRLF");
                }
            }
            return n;
        }
    }

    @Override
    public String toString() {
        return "connection 127.0.0.1:" + socket.getLocalPort() + " -> " + socket.getPort();
    }
}
