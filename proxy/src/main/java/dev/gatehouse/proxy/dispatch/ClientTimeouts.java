package dev.gatehouse.proxy.dispatch;

import dev.gatehouse.conf.proxy.ProxyConfig;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The client-side timeouts, one timer per connection whose meaning follows the request's phase:
 * <ul>
 *   <li>head: {@code client_header_timeout} from the first byte of a request (from the accept for
 *       the first one) to the end of its head; a slowloris client trickling header bytes gets 408;</li>
 *   <li>body: {@code client_body_timeout} between two reads of the body; 408;</li>
 *   <li>idle: {@code keepalive_timeout} between requests; the connection is closed silently;</li>
 *   <li>send: {@code send_timeout} while the client does not take the response (the channel
 *       stays unwritable); the connection is closed.</li>
 * </ul>
 * Deadlines move without rescheduling: the timer, when it fires early, re-arms for the rest.
 * The {@link RequestDispatcher} moves the phase through a request, the HTTP/1 connection handler
 * back to idle between requests; expiry reaches them as an {@link Expired} event.
 */
public final class ClientTimeouts extends ChannelDuplexHandler {

    /** Which timeout expired. */
    public enum Expired {
        /** The request head was not complete in time. */
        HEAD,
        /** The request body stalled. */
        BODY,
        /** The keep-alive connection stayed idle. */
        IDLE
    }

    private enum Phase { HEAD, BODY, IDLE, RESPONDING }

    private final long headerNanos;
    private final long bodyNanos;
    private final long idleNanos;
    private final long sendNanos;
    /** An HTTP/2 stream: no head or keep-alive phase of its own. */
    private final boolean stream;
    private ChannelHandlerContext ctx;
    private Phase phase;
    private long deadline;
    private long sendDeadline;
    private ScheduledFuture<?> timer;
    private long timerAt;
    private long lastProgress;
    /** No byte has come since the connection opened or went idle: no request is under way. */
    private boolean quiet = true;

    /** Timeouts of an HTTP/1.x connection, from a configuration. */
    public ClientTimeouts(ProxyConfig config) {
        this(config, false);
    }

    private ClientTimeouts(ProxyConfig config, boolean stream) {
        headerNanos = config.clientHeaderTimeout().toNanos();
        bodyNanos = config.clientBodyTimeout().toNanos();
        idleNanos = config.keepaliveTimeout().toNanos();
        sendNanos = config.sendTimeout().toNanos();
        this.stream = stream;
        this.phase = stream ? Phase.RESPONDING : Phase.HEAD;
    }

    /**
     * Timeouts of one HTTP/2 stream: body and send only. Its head is complete before the stream
     * exists (the frame codec assembles HEADERS and CONTINUATION), and it ends with its response,
     * so head and keep-alive timing belong to the connection (the handshake timeout, then
     * {@code Http2ConnectionGuard}). Arming and cancelling those two timers for every stream was
     * pure cost.
     */
    public static ClientTimeouts forStream(ProxyConfig config) {
        return new ClientTimeouts(config, true);
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        if (ctx.channel().isActive() && !stream) {
            arm(Phase.HEAD, headerNanos);
        }
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        // An upgraded connection (a tunnel after 101) leaves HTTP behind, and its timers with it.
        cancel();
    }

    private void cancel() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        if (!stream) {
            arm(Phase.HEAD, headerNanos);
        }
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        quiet = false;
        if (phase == Phase.IDLE) {
            arm(Phase.HEAD, headerNanos);
        } else if (phase == Phase.BODY) {
            deadline = System.nanoTime() + bodyNanos;
        }
        ctx.fireChannelRead(msg);
    }

    /** The head is complete and a body follows. */
    void bodyExpected() {
        arm(Phase.BODY, bodyNanos);
    }

    /** The request is read; the response is being produced. */
    void responding() {
        phase = Phase.RESPONDING;
    }

    /** The exchange is over; the connection waits for the next request (a stream just ends). */
    public void idle() {
        if (stream) {
            phase = Phase.RESPONDING;
            return;
        }
        quiet = true;
        arm(Phase.IDLE, idleNanos);
    }

    /**
     * While the proxy drains: a connection with no request under way (idle between requests, or
     * opened and silent so far) waits at most {@code graceNanos} more for one, and is closed
     * after it as at {@code keepalive_timeout}. A request already sent, perhaps still in flight
     * or unread in the socket, is then served (with {@code Connection: close}) instead of being
     * cut by a close at once; a connection mid-request keeps its own timeouts.
     */
    public void drainGrace(long graceNanos) {
        if (!quiet || stream || phase == Phase.RESPONDING || phase == Phase.BODY) {
            return;
        }
        long at = System.nanoTime() + graceNanos;
        if (at - deadline < 0) {
            phase = Phase.IDLE;
            deadline = at;
            schedule(at);
        }
    }

    private void arm(Phase p, long nanos) {
        phase = p;
        deadline = System.nanoTime() + nanos;
        schedule(deadline);
    }

    private void schedule(long at) {
        if (timer != null && !timer.isDone() && timerAt <= at) {
            return; // the earlier timer re-arms itself for the later deadline
        }
        if (timer != null) {
            timer.cancel(false);
        }
        timerAt = at;
        timer = ctx.executor().schedule(this::fire, Math.max(0, at - System.nanoTime()), TimeUnit.NANOSECONDS);
    }

    private void fire() {
        timer = null;
        if (!ctx.channel().isActive()) {
            return;
        }
        long now = System.nanoTime();
        if (sendDeadline != 0 && now - sendDeadline >= 0) {
            // send_timeout is between two successive writes (nginx), not for the whole response:
            // progress on the current message (a large file region) moves the deadline.
            long progress = outputProgress();
            if (progress == lastProgress) {
                ctx.close();
                return;
            }
            lastProgress = progress;
            sendDeadline = now + sendNanos;
        }
        long next = Long.MAX_VALUE;
        if (phase != Phase.RESPONDING) {
            if (now - deadline >= 0) {
                Expired e = switch (phase) {
                    case HEAD -> Expired.HEAD;
                    case BODY -> Expired.BODY;
                    default -> Expired.IDLE;
                };
                phase = Phase.RESPONDING;
                ctx.pipeline().fireUserEventTriggered(e);
            } else {
                next = deadline;
            }
        }
        if (sendDeadline != 0) {
            next = Math.min(next, sendDeadline);
        }
        if (next != Long.MAX_VALUE && ctx.channel().isActive()) {
            schedule(next);
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable()) {
            sendDeadline = 0;
        } else if (sendDeadline == 0) {
            lastProgress = outputProgress();
            sendDeadline = System.nanoTime() + sendNanos;
            schedule(sendDeadline);
        }
        ctx.fireChannelWritabilityChanged();
    }

    /** A number that changes whenever the channel writes something out. */
    private long outputProgress() {
        io.netty.channel.ChannelOutboundBuffer buf = ctx.channel().unsafe().outboundBuffer();
        if (buf == null) {
            return 0;
        }
        return System.identityHashCode(buf.current()) * 31L + buf.currentProgress() + buf.totalPendingWriteBytes() * 17;
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        cancel();
        ctx.fireChannelInactive();
    }
}
