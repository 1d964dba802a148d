package dev.gatehouse.appserver.worker;

import io.netty.channel.Channel;
import java.io.IOException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Lets a request's thread wait until its connection can take more output: the backpressure
 * that keeps a slow client from filling the worker's heap with a large response.
 */
final class WritabilityGate {

    private final Channel channel;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();

    WritabilityGate(Channel channel) {
        this.channel = channel;
    }

    /** Wakes waiters; called on the event loop when writability changes or the channel closes. */
    void signal() {
        lock.lock();
        try {
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Blocks while the channel's outbound buffer is above its high-water mark.
     *
     * @throws IOException if the connection closed meanwhile
     */
    void awaitWritable() throws IOException {
        if (channel.isWritable()) {
            return;
        }
        lock.lock();
        try {
            while (!channel.isWritable()) {
                if (!channel.isActive()) {
                    throw new ClientGoneException("connection closed by the front server while sending the response");
                }
                // Bounded wait: writability is re-read even if a wake-up raced with it.
                changed.await(100, TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting to send the response", e);
        } finally {
            lock.unlock();
        }
        if (!channel.isActive()) {
            throw new ClientGoneException("connection closed by the front server while sending the response");
        }
    }

    /** The peer went away: an expected condition, logged without a stack trace. */
    static final class ClientGoneException extends IOException {
        ClientGoneException(String message) {
            super(message);
        }
    }
}
