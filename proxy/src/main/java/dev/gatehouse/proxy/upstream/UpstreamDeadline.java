package dev.gatehouse.proxy.upstream;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;
import io.netty.util.concurrent.Ticker;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The send and read timeouts of one call, as nginx's {@code uwsgi_send_timeout} and
 * {@code uwsgi_read_timeout}: each counts the time between two successful operations, not the
 * whole exchange. One timer per call, re-armed for the next due time when it fires, rather than a
 * timer per write or read; it asks the call what it waits for each time, so it never has to be
 * told of a change of phase. Runs on the call's event loop.
 */
final class UpstreamDeadline implements Runnable {

    /** What a call waits for, which says which clock, if any, may run out. */
    enum Wait {
        /** No connection in use (between attempts, after the end): no timeout. */
        NOTHING,
        /** The upstream to take the request's bytes: send_timeout since the last write progress. */
        UPSTREAM_TAKES_REQUEST,
        /** The client to send more of a streamed body: client_body_timeout covers that, not send_timeout. */
        CLIENT_SENDS_BODY,
        /** The upstream to send the response: read_timeout since the last bytes read. */
        UPSTREAM_RESPONDS,
        /** The client to take the response (upstream reads paused): the client side's send_timeout covers that. */
        CLIENT_TAKES_RESPONSE
    }

    /** The call a deadline watches. */
    interface Watched {
        /** What the call waits for now. */
        Wait waitingFor();

        /** {@code what} took longer than its timeout; the timer is not re-armed. */
        void timedOut(Wait what);
    }

    private final EventLoop loop;
    /** The loop's clock, which its timers go by too (a test's loop has one the test moves). */
    private final Ticker clock;
    private final long sendNanos;
    private final long readNanos;
    private final Watched call;
    private ScheduledFuture<?> timer;
    private long lastWriteNanos;
    private long lastReadNanos;

    UpstreamDeadline(EventLoop loop, Duration sendTimeout, Duration readTimeout, Watched call) {
        this.loop = loop;
        this.clock = loop.ticker();
        this.sendNanos = sendTimeout.toNanos();
        this.readNanos = readTimeout.toNanos();
        this.call = call;
    }

    /** Arms the timer for a connection now in use, unless it runs already. */
    void start() {
        if (timer == null) {
            timer = loop.schedule(this, Math.min(sendNanos, readNanos), TimeUnit.NANOSECONDS);
        }
    }

    /** Stops the timer: the connection is let go. */
    void stop() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }

    /** A write was issued or made progress: send_timeout counts from now. */
    void wrote() {
        lastWriteNanos = clock.nanoTime();
    }

    /** Response bytes came, or the wait for them starts: read_timeout counts from now. */
    void read() {
        lastReadNanos = clock.nanoTime();
    }

    @Override
    public void run() {
        timer = null;
        Wait waiting = call.waitingFor();
        long now = clock.nanoTime();
        long next;
        switch (waiting) {
            case NOTHING -> {
                return;
            }
            case UPSTREAM_TAKES_REQUEST, UPSTREAM_RESPONDS -> {
                boolean sending = waiting == Wait.UPSTREAM_TAKES_REQUEST;
                long due = sending ? lastWriteNanos + sendNanos : lastReadNanos + readNanos;
                if (now >= due) {
                    call.timedOut(waiting);
                    return;
                }
                next = due;
            }
            case CLIENT_SENDS_BODY -> next = now + sendNanos;
            case CLIENT_TAKES_RESPONSE -> {
                // Reading resumes with a fresh read_timeout once the client caught up.
                lastReadNanos = now;
                next = now + readNanos;
            }
            default -> throw new AssertionError(waiting);
        }
        timer = loop.schedule(this, Math.max(1, next - now), TimeUnit.NANOSECONDS);
    }
}
