package dev.gatehouse.appserver.worker;

import dev.gatehouse.appserver.api.WebSocket;
import dev.gatehouse.appserver.api.WebSocketHandler;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One open WebSocket: the last WebSocket handler of its connection's pipeline (after Netty's
 * frame codec, the optional permessage-deflate codec, the UTF-8 check and the fragment
 * aggregator), and the {@link WebSocket} its application sends on.
 *
 * <p>Frames arrive on the event loop; the application's callbacks run one at a time, in order,
 * on virtual threads ({@link #submit}). Pings are answered here, on the event loop. The closing
 * handshake follows RFC 6455 5.5.1: a close from the peer is echoed and the connection closed
 * once the echo is out; a close from this side waits for the peer's answer for at most
 * {@link #CLOSE_WAIT_MILLIS}.
 */
final class WebSocketSession extends ChannelInboundHandlerAdapter implements WebSocket {

    private static final Logger log = LoggerFactory.getLogger(WebSocketSession.class);

    /** The user event that closes every open socket with 1001 when the worker stops. */
    static final Object GOING_AWAY = new Object() {
        @Override
        public String toString() {
            return "WebSocket going away";
        }
    };

    /** How long a close this side sent waits for the peer's close before the connection is cut. */
    static final long CLOSE_WAIT_MILLIS = 5_000;
    /** Message bytes waiting for their callback past which reading from the socket pauses. */
    static final long PAUSE_READS_AT = 1 << 20;
    /** ... and below which it resumes. */
    static final long RESUME_READS_AT = 256 << 10;

    private enum Phase { OPEN, CLOSE_SENT, CLOSED }

    /** Which data message is being sent in fragments. */
    private enum Sending { WHOLE, TEXT, BINARY }

    private final WorkerRuntime rt;
    private final WebSocketHandler handler;
    private final String path;
    private final String subprotocol;
    private final WritabilityGate gate;
    private final String name;
    private final Runnable onClosed;
    private final int maxMessageSize;
    /** Callbacks run on the event loop as frames arrive (the app declared its handler non-blocking). */
    private final boolean onEventLoop;
    private final String[] labels = new String[Label.values().length];
    private Channel channel;

    private volatile Phase phase = Phase.OPEN;
    /** A lock, not synchronized: a sender may wait for writability, which would pin a virtual thread on JDK 21. */
    private final java.util.concurrent.locks.ReentrantLock sendLock = new java.util.concurrent.locks.ReentrantLock();
    private Sending sending = Sending.WHOLE;

    // The close as it will be reported: set when a close frame goes out or comes in.
    private volatile int closeCode = ABNORMAL_CLOSURE;
    private volatile String closeReason = "";
    private final AtomicBoolean closeReported = new AtomicBoolean();
    private final AtomicBoolean counted = new AtomicBoolean();
    private final AtomicBoolean requestReleased = new AtomicBoolean();

    // Callbacks: run in order, one at a time, on virtual threads.
    private final ConcurrentLinkedQueue<Runnable> events = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean draining = new AtomicBoolean();
    private final AtomicLong waitingBytes = new AtomicLong();
    private volatile boolean readsPaused;

    WebSocketSession(WorkerRuntime rt, WebSocketHandler handler, String path, String subprotocol,
            WritabilityGate gate, int maxMessageSize, boolean onEventLoop, Runnable onClosed) {
        this.rt = rt;
        this.onEventLoop = onEventLoop;
        for (Label l : Label.values()) {
            labels[l.ordinal()] = "WebSocket " + path + " " + l.name();
        }
        this.maxMessageSize = maxMessageSize;
        this.onClosed = onClosed;
        this.handler = handler;
        this.path = path;
        this.subprotocol = subprotocol;
        this.gate = gate;
        this.name = "worker " + rt.options().workerId() + ": WebSocket " + path;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        channel = ctx.channel();
        if (counted.compareAndSet(false, true)) {
            rt.stats().webSocketOpened();
        }
        submit(Label.onOpen, 0, () -> handler.onOpen(this));
    }

    // ---- the application's side

    @Override
    public boolean sendText(String text) {
        return sendData(true, text.getBytes(StandardCharsets.UTF_8), true);
    }

    @Override
    public boolean sendText(String fragment, boolean last) {
        return sendData(true, fragment.getBytes(StandardCharsets.UTF_8), last);
    }

    @Override
    public boolean sendBinary(byte[] data) {
        return sendData(false, data, true);
    }

    @Override
    public boolean sendBinary(byte[] fragment, boolean last) {
        return sendData(false, fragment, last);
    }

    private boolean sendData(boolean text, byte[] data, boolean last) {
        sendLock.lock();
        try {
            Sending kind = text ? Sending.TEXT : Sending.BINARY;
            if (sending != Sending.WHOLE && sending != kind) {
                throw new IllegalStateException("a " + sending.name().toLowerCase() + " message is being sent in"
                        + " fragments; finish it (last = true) before sending " + (text ? "text" : "binary"));
            }
            ByteBuf payload = Unpooled.copiedBuffer(data);
            WebSocketFrame frame;
            if (sending == Sending.WHOLE) {
                frame = text ? new TextWebSocketFrame(last, 0, payload) : new BinaryWebSocketFrame(last, 0, payload);
            } else {
                frame = new ContinuationWebSocketFrame(last, 0, payload);
            }
            boolean sent = send(frame);
            if (sent) {
                sending = last ? Sending.WHOLE : kind;
            }
            return sent;
        } finally {
            sendLock.unlock();
        }
    }

    @Override
    public boolean sendPing(byte[] data) {
        if (data.length > 125) {
            throw new IllegalArgumentException("a ping carries at most 125 bytes, was " + data.length);
        }
        return send(new PingWebSocketFrame(Unpooled.copiedBuffer(data)));
    }

    /** Queues a frame, first waiting (off the event loop) while the connection is not writable. */
    private boolean send(WebSocketFrame frame) {
        if (phase != Phase.OPEN || channel == null) {
            frame.release();
            return false;
        }
        if (!channel.eventLoop().inEventLoop()) {
            try {
                gate.awaitWritable();
            } catch (IOException e) {
                frame.release();
                return false;
            }
        }
        channel.writeAndFlush(frame);
        return true;
    }

    @Override
    public void close(int code, String reason) {
        if (!sendable(code)) {
            throw new IllegalArgumentException("status code " + code + " may not be sent in a close frame"
                    + " (1000-1003, 1007-1014 or 3000-4999)");
        }
        if (reason.getBytes(StandardCharsets.UTF_8).length > 123) {
            throw new IllegalArgumentException("a close reason is at most 123 bytes of UTF-8");
        }
        Channel ch = channel;
        if (ch == null) {
            return;
        }
        if (!ch.eventLoop().inEventLoop()) {
            ch.eventLoop().execute(() -> close(code, reason));
            return;
        }
        startClose(code, reason);
    }

    private static boolean sendable(int code) {
        return code >= 1000 && code <= 1003 || code >= 1007 && code <= 1014 || code >= 3000 && code <= 4999;
    }

    /** Sends a close frame and waits for the peer's, for a while. On the event loop. */
    private void startClose(int code, String reason) {
        if (phase != Phase.OPEN) {
            return;
        }
        phase = Phase.CLOSE_SENT;
        closeCode = code;
        closeReason = reason;
        gate.signal();
        channel.writeAndFlush(new CloseWebSocketFrame(code, reason));
        channel.eventLoop().schedule(() -> {
            if (channel.isActive()) {
                log.debug("{}: no close frame from the peer within {} ms; closing the connection", name,
                        CLOSE_WAIT_MILLIS);
                channel.close();
            }
        }, CLOSE_WAIT_MILLIS, TimeUnit.MILLISECONDS);
    }

    @Override
    public boolean isOpen() {
        return phase == Phase.OPEN && channel != null && channel.isActive();
    }

    @Override
    public String subprotocol() {
        return subprotocol;
    }

    @Override
    public String path() {
        return path;
    }

    // ---- frames from the peer (event loop)

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            if (phase != Phase.OPEN && !(msg instanceof CloseWebSocketFrame)) {
                return; // after a close was sent, only the peer's close matters (RFC 6455 5.5.1)
            }
            if ((msg instanceof TextWebSocketFrame || msg instanceof BinaryWebSocketFrame)
                    && ((WebSocketFrame) msg).content().readableBytes() > maxMessageSize) {
                // A message in one frame passes the aggregator unmeasured (and inflated may be
                // larger than its frame): the message limit is checked here for every message.
                log.info("{}: message larger than the {} byte limit; closing with 1009", name, maxMessageSize);
                closeForViolation(ctx, MESSAGE_TOO_BIG, "message too big");
                return;
            }
            if (msg instanceof TextWebSocketFrame t) {
                String text = t.text();
                submit(Label.onText, text.length(), () -> handler.onText(this, text));
            } else if (msg instanceof BinaryWebSocketFrame b) {
                byte[] data = ByteBufUtil.getBytes(b.content());
                submit(Label.onBinary, data.length, () -> handler.onBinary(this, data));
            } else if (msg instanceof PingWebSocketFrame p) {
                byte[] data = ByteBufUtil.getBytes(p.content());
                if (phase == Phase.OPEN) {
                    ctx.writeAndFlush(new PongWebSocketFrame(Unpooled.wrappedBuffer(data)));
                }
                submit(Label.onPing, data.length, () -> handler.onPing(this, data));
            } else if (msg instanceof PongWebSocketFrame p) {
                byte[] data = ByteBufUtil.getBytes(p.content());
                submit(Label.onPong, data.length, () -> handler.onPong(this, data));
            } else if (msg instanceof CloseWebSocketFrame c) {
                onCloseFrame(ctx, c);
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    private void onCloseFrame(ChannelHandlerContext ctx, CloseWebSocketFrame c) {
        if (phase == Phase.OPEN) {
            int code = c.statusCode();
            phase = Phase.CLOSE_SENT;
            closeCode = code < 0 ? NO_STATUS : code;
            closeReason = c.reasonText() == null ? "" : c.reasonText();
            gate.signal();
            // Echo the peer's status code (RFC 6455 5.5.1), then end the TCP connection: the
            // server closes first (7.1.1).
            CloseWebSocketFrame echo = code < 0 ? new CloseWebSocketFrame() : new CloseWebSocketFrame(code, "");
            ctx.writeAndFlush(echo).addListener(ChannelFutureListener.CLOSE);
        } else {
            ctx.close(); // the answer to our close
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt == GOING_AWAY) {
            startClose(GOING_AWAY_CODE, "server going away");
            return;
        }
        super.userEventTriggered(ctx, evt);
    }

    private static final int GOING_AWAY_CODE = WebSocket.GOING_AWAY;

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
        gate.signal();
        super.channelWritabilityChanged(ctx);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        phase = Phase.CLOSED;
        gate.signal();
        if (counted.compareAndSet(true, false)) {
            rt.stats().webSocketClosed();
        }
        int code = closeCode;
        String reason = closeReason;
        submit(Label.onClose, 0, () -> {
            if (closeReported.compareAndSet(false, true)) {
                try {
                    handler.onClose(this, code, reason);
                } finally {
                    releaseRequest();
                }
            }
        });
        super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (phase != Phase.OPEN) {
            // What the peer sends after our close is read and dropped until it answers.
            log.debug("{}: after the close: {}", name, cause.toString());
            return;
        }
        if (cause instanceof TooLongFrameException || cause instanceof DecoderException
                && String.valueOf(cause.getMessage()).contains("maximum size")) {
            // The aggregator's message limit, or a compressed frame inflating past it.
            log.info("{}: message larger than the {} byte limit ({}); closing with 1009", name, maxMessageSize,
                    cause.getMessage());
            closeForViolation(ctx, MESSAGE_TOO_BIG, "message too big");
        } else if (cause instanceof CorruptedWebSocketFrameException e) {
            log.info("{}: closing with {}: {}", name, e.closeStatus().code(), e.getMessage());
            closeForViolation(ctx, e.closeStatus().code(), e.closeStatus().reasonText());
        } else if (cause instanceof IOException) {
            log.debug("{}: connection error: {}", name, cause.toString());
            ctx.close();
        } else {
            log.warn("{}: unexpected error, closing with 1011", name, cause);
            closeForViolation(ctx, INTERNAL_ERROR, "internal error");
        }
    }

    /**
     * The peer broke a limit or the protocol: a close frame with the status, then the rest of
     * what it sends is read and dropped (Netty's decoder discards input after a violation) until
     * it closes or answers, for at most {@link #CLOSE_WAIT_MILLIS}. Cutting the connection at
     * once would reset it under a peer still sending, and the reset can destroy the close frame
     * before the peer reads it.
     */
    private void closeForViolation(ChannelHandlerContext ctx, int code, String reason) {
        startClose(code, reason);
    }

    // ---- callbacks, in order, on virtual threads

    /** A callback body that may throw. */
    private interface Callback {
        void run() throws Exception;
    }

    /** The callbacks, by the names harakiri and the logs show. */
    private enum Label { onOpen, onText, onBinary, onPing, onPong, onClose }

    private void submit(Label what, long bytes, Callback callback) {
        if (onEventLoop && channel != null && channel.eventLoop().inEventLoop()) {
            // A non-blocking handler: run now, in arrival order, with nothing queued.
            long id = rt.stats().callbackStarted(labels[what.ordinal()]);
            try {
                callback.run();
            } catch (Throwable t) {
                failed(what.name(), t);
            } finally {
                rt.stats().callbackEnded(id);
            }
            return;
        }
        long waiting = waitingBytes.addAndGet(bytes);
        if (waiting > PAUSE_READS_AT && !readsPaused && channel != null) {
            // The application is slower than its peer: stop reading until it catches up.
            readsPaused = true;
            channel.config().setAutoRead(false);
        }
        events.add(() -> {
            long id = rt.stats().callbackStarted(labels[what.ordinal()]);
            try {
                callback.run();
            } catch (Throwable t) {
                failed(what.name(), t);
            } finally {
                rt.stats().callbackEnded(id);
                long left = waitingBytes.addAndGet(-bytes);
                if (readsPaused && left < RESUME_READS_AT) {
                    resumeReads();
                }
            }
        });
        drainLater();
    }

    /** Frees the handshake request's vars, once: after onClose, or when no callback can run any more. */
    private void releaseRequest() {
        if (requestReleased.compareAndSet(false, true)) {
            onClosed.run();
        }
    }

    private void resumeReads() {
        Channel ch = channel;
        ch.eventLoop().execute(() -> {
            if (readsPaused && waitingBytes.get() < RESUME_READS_AT) {
                readsPaused = false;
                ch.config().setAutoRead(true);
                ch.read();
            }
        });
    }

    private void drainLater() {
        if (draining.compareAndSet(false, true)) {
            try {
                rt.executor().execute(this::drain);
            } catch (RejectedExecutionException e) {
                // The worker is stopping past its grace: the callbacks are dropped with it.
                draining.set(false);
                events.clear();
                if (phase == Phase.CLOSED) {
                    releaseRequest();
                }
            }
        }
    }

    private void drain() {
        while (true) {
            Runnable r;
            while ((r = events.poll()) != null) {
                r.run();
            }
            draining.set(false);
            // A callback queued between the last poll and the reset would otherwise wait.
            if (events.isEmpty() || !draining.compareAndSet(false, true)) {
                return;
            }
        }
    }

    private void failed(String what, Throwable t) {
        rt.stats().exception();
        log.error("{}: {} failed, closing with 1011: {}{}", name, what, t,
                RequestPolicy.where(t));
        try {
            handler.onError(this, t);
        } catch (RuntimeException again) {
            log.warn("{}: onError failed too: {}", name, again.toString());
        }
        Channel ch = channel;
        if (ch != null) {
            ch.eventLoop().execute(() -> {
                startClose(INTERNAL_ERROR, "internal error");
            });
        }
    }
}
