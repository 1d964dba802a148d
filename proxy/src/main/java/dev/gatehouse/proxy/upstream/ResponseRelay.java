package dev.gatehouse.proxy.upstream;

import dev.gatehouse.proxy.exchange.Exchange;
import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;

/**
 * An ordinary upstream response on its way to the client: the head with its headers filtered
 * ({@link ResponseHeaders}) and the proxy's own framing, then the body part by part, with upstream
 * reads paused while the client lags. The flushes of one upstream read are held until the read is
 * over, so that head, body and end often leave in one write, not three.
 */
final class ResponseRelay implements Runnable {

    private final Exchange ex;
    private final UpstreamDeadline deadline;
    private boolean flushesHeld;
    /** The connection whose reads are paused until the client takes more; null while reading. */
    private UpstreamConnection paused;
    private boolean upstreamSaidClose;
    private ResponseHead.Framing framing;

    ResponseRelay(Exchange ex, UpstreamDeadline deadline) {
        this.ex = ex;
        this.deadline = deadline;
    }

    /** Holds the client's flushes for the rest of this upstream read. */
    void holdFlushes() {
        if (!flushesHeld) {
            flushesHeld = true;
            ex.holdFlushes(true);
        }
    }

    /** Flushes what this read produced. */
    void releaseFlushes() {
        if (flushesHeld) {
            flushesHeld = false;
            ex.holdFlushes(false);
        }
    }

    /** Sends the head of a response whose body follows from the upstream. */
    void sendHead(ResponseHead h) {
        HttpHeaders in = h.headers();
        HttpResponse out = ex.newResponse(h.status());
        upstreamSaidClose = ResponseHeaders.copy(in, out.headers());
        framing = h.framing();
        switch (framing) {
            case NONE -> {
                // HEAD keeps the length a GET would have; 1xx/204/304 carry none.
                String cl = in.get(HttpHeaderNames.CONTENT_LENGTH);
                if (cl != null && ex.isHead()) {
                    out.headers().set(HttpHeaderNames.CONTENT_LENGTH, cl);
                }
            }
            case LENGTH -> out.headers().set(HttpHeaderNames.CONTENT_LENGTH, Long.toString(h.contentLength()));
            case CHUNKED, CLOSE -> {
                if (ex.request().protocolVersion() == HttpVersion.HTTP_1_0) {
                    // No chunked encoding for HTTP/1.0: the body ends with the connection.
                    ex.closeAfterResponse();
                } else {
                    out.headers().set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
                }
            }
        }
        ex.sendHead(out);
    }

    /**
     * Sends a body part read from {@code from}, pausing its reads when the client stops taking
     * writes.
     *
     * @return false when the client is gone: the part was dropped and the call should end
     */
    boolean sendBody(ByteBuf part, UpstreamConnection from) {
        if (ex.finished()) {
            part.release();
            return false;
        }
        ex.sendBody(new DefaultHttpContent(part));
        if (!ex.isWritable() && paused == null) {
            paused = from;
            from.channel.config().setAutoRead(false);
            ex.whenWritable(this);
        }
        return true;
    }

    /** The client takes writes again: the paused connection reads on. */
    @Override
    public void run() {
        UpstreamConnection c = paused;
        if (c != null) {
            paused = null;
            deadline.read();
            c.channel.config().setAutoRead(true);
            c.channel.read();
        }
    }

    /** Whether upstream reads wait for the client. */
    boolean readsPaused() {
        return paused != null;
    }

    /** Whether the body ends when the upstream closes the connection (uWSGI's way). */
    boolean endsWithClose() {
        return framing == ResponseHead.Framing.CLOSE;
    }

    /** Whether the upstream let the connection be reused: it did not say {@code Connection: close}. */
    boolean upstreamKeepsConnection() {
        return !upstreamSaidClose;
    }

    /** The call is over: what is held is flushed, and a paused connection is no longer resumed here. */
    void close() {
        releaseFlushes();
        paused = null;
    }
}
