package dev.gatehouse.proxy.upstream;

import dev.gatehouse.conf.proxy.LocationConfig;
import dev.gatehouse.conf.proxy.UpstreamConfig;
import dev.gatehouse.proxy.exchange.Exchange;
import dev.gatehouse.proxy.exchange.ParsedRequest;
import dev.gatehouse.uwsgi.UwsgiVarsBuilder;
import dev.gatehouse.uwsgi.UwsgiVarsTooLargeException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelProgressiveFuture;
import io.netty.channel.ChannelProgressiveFutureListener;
import io.netty.channel.ChannelProgressivePromise;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.LastHttpContent;
import java.util.ArrayDeque;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The request's way to the upstream, nginx's {@code create_request} hook and request body relay:
 * the uwsgi packet (vars block through {@link UwsgiVarsBuilder#encodePacketTo}), then the body,
 * either buffered whole first ({@code request_buffering}, and always for a chunked client body,
 * which then goes with the de-chunked {@code CONTENT_LENGTH}, as nginx does) or streamed behind the
 * packet with backpressure both ways. Tells the call when the request is all written; counts
 * write progress for the send timeout.
 */
final class RequestBodyRelay {

    /** Logged as the call: operators and tests know these lines by that name. */
    private static final Logger log = LoggerFactory.getLogger(UpstreamCall.class);

    /** Body bytes queued for a not yet connected or not writable upstream before client reads pause. */
    private static final int STREAM_QUEUE_LIMIT = 64 * 1024;

    /** What the relay tells its call. */
    interface Listener {
        /** The packet and the whole body are written to the upstream connection. */
        void requestSent();
    }

    private final Exchange ex;
    private final ParsedRequest request;
    private final LocationConfig location;
    private final UpstreamConfig cfg;
    private final UpstreamDeadline deadline;
    private final Listener listener;
    private final boolean streaming;

    private RequestBodyBuffer buffer;
    private final ArrayDeque<ByteBuf> queued = new ArrayDeque<>();
    private long queuedBytes;
    private boolean bodyComplete;
    /** A streamed body part went to an upstream: the body cannot be sent again. */
    private boolean bodyStarted;
    private ByteBuf packet;

    /** How far the current attempt's request is written. */
    private enum Sending {
        /** More of the request is to be handed to the connection (a streamed body still arriving). */
        QUEUING,
        /** All of it is handed to the connection; writes are outstanding. */
        ALL_QUEUED,
        /** All of it is written. */
        SENT
    }

    // the current attempt
    private UpstreamConnection target;
    private Sending sending = Sending.QUEUING;
    private int writesOutstanding;

    RequestBodyRelay(Exchange ex, LocationConfig location, UpstreamConfig cfg, UpstreamDeadline deadline,
            Listener listener) {
        this.ex = ex;
        this.request = ex.request();
        this.location = location;
        this.cfg = cfg;
        this.deadline = deadline;
        this.listener = listener;
        // nginx buffers a chunked body even with uwsgi_request_buffering off.
        this.streaming = request.hasBody() && !request.chunked() && !location.requestBuffering();
        if (!streaming && request.hasBody()) {
            buffer = new RequestBodyBuffer(ByteBufAllocator.DEFAULT);
        }
    }

    /** Whether the body is streamed: the first attempt starts before the body is read. */
    boolean streaming() {
        return streaming;
    }

    /**
     * Builds the packet head, once: at the start when streaming, after the whole body when
     * buffering. Logs why when the request cannot be put in a packet, and returns false: the call
     * then answers 500, as nginx does.
     */
    boolean preparePacket() {
        // A chunked body goes with the length it turned out to have (nginx's $content_length).
        long bodyLength = streaming ? request.contentLength()
                : request.chunked() ? (buffer == null ? -1 : buffer.length()) : -1;
        UwsgiVarsBuilder vars;
        try {
            vars = RequestVars.build(ex, location, cfg, bodyLength);
        } catch (UwsgiVarsTooLargeException e) {
            // nginx: "[alert] uwsgi request is too big", 500.
            log.error("{} {}: uwsgi request is too big for upstream {}: {}", request.method(), request.uri(),
                    cfg.name(), e.getMessage());
            return false;
        } catch (IllegalArgumentException e) {
            log.error("{} {}: cannot build uwsgi vars: {}", request.method(), request.uri(), e.getMessage());
            return false;
        }
        ByteBuf buf = Unpooled.buffer(vars.packetSize());
        vars.encodePacketTo(buf, cfg.modifier1(), cfg.modifier2());
        packet = buf;
        return true;
    }

    /**
     * A part of the client's body, which the relay owns: buffered, or when streaming passed on at
     * once if a connection takes it, else queued.
     *
     * @return whether a buffered body is now complete: the packet may be built and sent
     * @throws java.io.UncheckedIOException when the temp file cannot take a buffered part
     */
    boolean content(HttpContent part) {
        boolean last = part instanceof LastHttpContent;
        if (!streaming) {
            if (buffer != null) {
                buffer.add(part.content());
            } else {
                part.release();
            }
            return last;
        }
        ByteBuf b = part.content();
        if (b.isReadable()) {
            queued.add(b);
            queuedBytes += b.readableBytes();
        } else {
            b.release();
        }
        if (last) {
            bodyComplete = true;
        }
        writeQueued();
        return false;
    }

    /** Writes the request to a connection just attached to the call: the packet, then what body there is. */
    void sendTo(UpstreamConnection c) {
        target = c;
        sending = Sending.QUEUING;
        writesOutstanding = 0;
        write(packet.retainedDuplicate());
        if (streaming) {
            writeQueued();
        } else {
            if (buffer != null && buffer.length() > 0) {
                write(buffer.content());
            }
            sending = Sending.ALL_QUEUED;
        }
        c.channel.flush();
    }

    /** The call let the connection go: nothing more is written to it, and its write completions no longer count. */
    void stopSending() {
        target = null;
    }

    /** Whether the request of the current attempt is all written. */
    boolean sent() {
        return sending == Sending.SENT;
    }

    /** Whether the body can go to another server: it was buffered, or no part of it was streamed yet. */
    boolean replayable() {
        return !streaming || !bodyStarted;
    }

    /** Whether the upstream has taken all that was written, and what is missing is the client's body. */
    boolean waitingForClient() {
        return streaming && writesOutstanding == 0;
    }

    /** The upstream connection takes writes again: the client body may be read again. */
    void upstreamWritable() {
        if (streaming) {
            ex.readRequestBody(true);
        }
    }

    private void write(Object msg) {
        Channel ch = target.channel;
        ChannelProgressivePromise p = ch.newProgressivePromise();
        writesOutstanding++;
        UpstreamConnection to = target;
        p.addListener(new ChannelProgressiveFutureListener() {
            @Override
            public void operationProgressed(ChannelProgressiveFuture future, long progress, long total) {
                deadline.wrote();
            }

            @Override
            public void operationComplete(ChannelProgressiveFuture future) {
                if (target != to) {
                    return;
                }
                deadline.wrote();
                writesOutstanding--;
                if (!future.isSuccess()) {
                    // The read side reports the close or reset; a write error alone (EPIPE) may
                    // come before a response the server already sent, so it is not final here.
                    if (to.channel.isActive()) {
                        to.channel.close();
                    }
                    return;
                }
                if (writesOutstanding == 0 && sending == Sending.ALL_QUEUED) {
                    sending = Sending.SENT;
                    deadline.read();
                    listener.requestSent();
                }
            }
        });
        deadline.wrote();
        ch.write(msg, p);
    }

    /** Streaming: passes queued body parts to the upstream while it takes them. */
    private void writeQueued() {
        if (target == null) {
            if (queuedBytes > STREAM_QUEUE_LIMIT) {
                ex.readRequestBody(false);
            }
            return;
        }
        boolean wrote = false;
        while (!queued.isEmpty()) {
            ByteBuf b = queued.poll();
            queuedBytes -= b.readableBytes();
            bodyStarted = true;
            write(b);
            wrote = true;
        }
        if (bodyComplete && sending == Sending.QUEUING) {
            sending = Sending.ALL_QUEUED;
            if (writesOutstanding == 0) {
                // Unlike a write completing, this does not restart the read clock.
                sending = Sending.SENT;
                listener.requestSent();
            }
        }
        if (wrote) {
            target.channel.flush();
        }
        // Backpressure: the client's body is read only as fast as the upstream takes it.
        ex.readRequestBody(target.channel.isWritable());
    }

    /** Frees the packet and what body is held, and lets the client body flow again; the call is over. */
    void release() {
        target = null;
        if (buffer != null) {
            buffer.close();
            buffer = null;
        }
        if (packet != null) {
            packet.release();
            packet = null;
        }
        while (!queued.isEmpty()) {
            queued.poll().release();
        }
        queuedBytes = 0;
        if (streaming) {
            ex.readRequestBody(true);
        }
    }
}
