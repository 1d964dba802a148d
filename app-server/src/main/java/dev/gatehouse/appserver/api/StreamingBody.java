package dev.gatehouse.appserver.api;

import java.io.IOException;
import java.io.OutputStream;

/** Writes a response body of unknown length; see {@link Body.Streaming}. */
@FunctionalInterface
public interface StreamingBody {

    /**
     * Writes the body. Writes block while the client is slower than the application (the
     * worker applies backpressure), and {@code flush()} pushes what was written so far.
     *
     * @param out the body stream; the worker closes it after this method returns
     * @throws IOException when the client went away, or the application failed
     */
    void writeTo(OutputStream out) throws IOException;
}
