package dev.gatehouse.appserver.api;

import java.io.InputStream;
import java.nio.file.Path;
import java.util.Objects;

/**
 * A response body. The worker frames every body: {@code Content-Length} when the length is
 * known in advance, {@code Transfer-Encoding: chunked} otherwise.
 */
public sealed interface Body {

    /** No body; {@code Content-Length: 0} (except for statuses that never carry one). */
    record Empty() implements Body {
    }

    /**
     * A body held in memory.
     *
     * @param bytes the body; not copied, so do not change it after handing it over
     */
    record Bytes(byte[] bytes) implements Body {
        /** Makes a body from bytes. */
        public Bytes {
            Objects.requireNonNull(bytes, "bytes");
        }
    }

    /**
     * A file, sent with zero copy (sendfile) by the worker. Its length is taken when the
     * response is sent.
     *
     * @param path the file to send
     */
    record File(Path path) implements Body {
        /** Makes a body from a file. */
        public File {
            Objects.requireNonNull(path, "path");
        }
    }

    /**
     * A stream, read on the request's thread and closed after sending.
     *
     * @param stream the bytes to send
     * @param length the exact number of bytes it yields, or {@code -1} if unknown (sent chunked)
     */
    record Stream(InputStream stream, long length) implements Body {
        /** Makes a body from a stream. */
        public Stream {
            Objects.requireNonNull(stream, "stream");
            if (length < -1) {
                throw new IllegalArgumentException("stream length must be -1 (unknown) or >= 0, was " + length);
            }
        }
    }

    /**
     * A body of unknown length that the application writes as it goes; sent chunked.
     *
     * @param writer writes the body to the stream it is given
     */
    record Streaming(StreamingBody writer) implements Body {
        /** Makes a streaming body. */
        public Streaming {
            Objects.requireNonNull(writer, "writer");
        }
    }
}
