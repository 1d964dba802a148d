package dev.gatehouse.appserver.servlet;

import dev.gatehouse.appserver.api.Body;
import dev.gatehouse.appserver.api.Response;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.MetaData;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.io.EofException;
import org.eclipse.jetty.server.HttpChannel;
import org.eclipse.jetty.server.HttpStream;
import org.eclipse.jetty.util.Callback;

/**
 * One uwsgi request as a Jetty {@link HttpStream}, the role {@code HttpStreamOverFCGI} and the
 * HTTP/2 stream play for Jetty's own transports. The request body comes from the worker's body
 * stream, bounded by {@code CONTENT_LENGTH}; the response goes back to the worker as a
 * {@link Response} (status and headers at commit, then the body through a
 * {@link ResponseBodyPipe}), and the worker frames and writes it as for any app.
 *
 * <p>Reads block: Jetty calls {@link #read} on the request's thread (a virtual thread from the
 * server's pool), never on the worker's event loop, and a blocking read there is what a servlet's
 * blocking {@code ServletInputStream.read} becomes anyway. {@link #demand} (asked for by
 * non-blocking readers) therefore hands the wait to another virtual thread.
 */
final class UwsgiHttpStream implements HttpStream {

    private static final int READ_CHUNK = 16 * 1024;

    private final String id;
    private final InputStream body;
    private final long contentLength;
    private final boolean head;
    private final Executor executor;
    private final CompletableFuture<Response> committedResponse = new CompletableFuture<>();
    private final ResponseBodyPipe pipe = new ResponseBodyPipe();
    private HttpChannel channel;
    private long bodyRead;
    private boolean eof;
    private volatile boolean committed;
    private volatile long idleTimeout;

    /**
     * @param body the request body, which yields exactly {@code contentLength} bytes
     * @param contentLength the body's length, 0 when there is none
     * @param head a HEAD request: the response has headers only
     */
    UwsgiHttpStream(String id, InputStream body, long contentLength, boolean head, Executor executor) {
        this.id = id;
        this.body = body;
        this.contentLength = contentLength;
        this.head = head;
        this.executor = executor;
    }

    void bind(HttpChannel channel) {
        this.channel = channel;
        channel.setHttpStream(this);
    }

    /**
     * Waits until Jetty commits the response and returns it, its body still streaming.
     *
     * @throws Exception the failure that ended the exchange before anything was committed
     */
    Response awaitResponse() throws Exception {
        try {
            return committedResponse.get();
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof Exception x) {
                throw x;
            }
            throw new IOException(cause);
        }
    }

    @Override
    public String getId() {
        return id;
    }

    @Override
    public Content.Chunk read() {
        if (eof) {
            return Content.Chunk.EOF;
        }
        long left = contentLength - bodyRead;
        if (left <= 0) {
            eof = true;
            return Content.Chunk.EOF;
        }
        // A fresh array per chunk: Jetty may keep a chunk until it releases it.
        byte[] buf = new byte[(int) Math.min(READ_CHUNK, left)];
        int n;
        try {
            n = body.read(buf, 0, buf.length);
        } catch (IOException e) {
            eof = true;
            return Content.Chunk.from(e, true);
        }
        if (n < 0) {
            eof = true;
            return Content.Chunk.from(new EofException("request body ended after " + bodyRead + " of "
                    + contentLength + " bytes"), true);
        }
        bodyRead += n;
        boolean last = bodyRead >= contentLength;
        eof = last;
        return Content.Chunk.from(ByteBuffer.wrap(buf, 0, n), last);
    }

    @Override
    public void demand() {
        // The next read may block until the front sends more; never on the caller's thread,
        // which may be one that must not wait (Jetty calls demand while setting up a ReadListener).
        executor.execute(() -> {
            Runnable task = channel.onContentAvailable();
            if (task != null) {
                task.run();
            }
        });
    }

    @Override
    public void prepareResponse(HttpFields.Mutable headers) {
        // Nothing to add: the worker writes Date and the framing headers.
    }

    @Override
    public void send(MetaData.Request request, MetaData.Response response, boolean last, ByteBuffer content,
            Callback callback) {
        if (response != null && response.getStatus() < 200) {
            // An interim response (100 Continue, 103): the front deals with those itself.
            callback.succeeded();
            return;
        }
        if (response != null && !committed) {
            committed = true;
            commit(response, last, content, callback);
            return;
        }
        if (head) {
            callback.succeeded();
            return;
        }
        pipe.offer(content, last, callback);
    }

    private void commit(MetaData.Response info, boolean last, ByteBuffer content, Callback callback) {
        Response.Builder b = Response.status(info.getStatus());
        for (HttpField f : info.getHttpFields()) {
            b.header(f.getName(), f.getValue() == null ? "" : f.getValue());
        }
        long length = info.getContentLength();
        if (head) {
            // No body; the declared length goes out as Content-Length, as Jetty over HTTP sends it.
            b.body(InputStream.nullInputStream(), length >= 0 ? length : -1);
            callback.succeeded();
        } else if (last) {
            int n = content == null ? 0 : content.remaining();
            if (n == 0) {
                b.body(new Body.Empty());
            } else {
                byte[] bytes = new byte[n];
                content.get(bytes);
                b.body(bytes);
            }
            callback.succeeded();
        } else {
            b.body(pipe, length);
            pipe.offer(content, false, callback);
        }
        committedResponse.complete(b.build());
    }

    /**
     * Jetty gives up on the write in progress (a failure, an idle timeout): the pipe fails, so
     * the worker breaks the response off, and the pending buffer's callback and Jetty's write
     * callback fail with the cause.
     */
    @Override
    public Runnable cancelSend(Throwable cause, Callback callback) {
        return () -> {
            Callback pending = pipe.fail(cause);
            if (pending != null && pending != callback) {
                pending.failed(cause);
            }
            callback.failed(cause);
        };
    }

    @Override
    public long getIdleTimeout() {
        return idleTimeout;
    }

    @Override
    public void setIdleTimeout(long idleTimeoutMs) {
        // The worker's read_timeout and the front's timeouts govern the connection.
        this.idleTimeout = idleTimeoutMs;
    }

    @Override
    public boolean isCommitted() {
        return committed;
    }

    /**
     * Unread request body is the worker's to discard once the response is out (as for every
     * app), so nothing is read here, and the exchange never counts as failed for it.
     */
    @Override
    public Throwable consumeAvailable() {
        return null;
    }

    @Override
    public void succeeded() {
        if (!committedResponse.isDone()) {
            committedResponse.completeExceptionally(new IOException("the servlet engine completed without a response"));
        }
    }

    @Override
    public void failed(Throwable x) {
        if (!committedResponse.completeExceptionally(x)) {
            Callback pending = pipe.fail(x);
            if (pending != null) {
                pending.failed(x);
            }
        }
    }
}
