package dev.gatehouse.appserver.worker;

import io.netty.buffer.ByteBuf;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The body of one request as an {@link InputStream}: the event loop offers chunks as they
 * arrive, the application's thread reads them. Exactly {@code CONTENT_LENGTH} bytes, then -1.
 *
 * <p>Memory stays bounded: past {@link #HIGH_WATER} queued bytes reading from the socket is
 * paused, and resumed once the reader has taken the queue below {@link #LOW_WATER}. After the
 * response, {@link #discard()} drops what is queued and whatever still arrives.
 */
final class RequestBody extends InputStream {

    static final int HIGH_WATER = 256 * 1024;
    static final int LOW_WATER = 64 * 1024;

    private final long length;
    private final FlowControl flow;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final ArrayDeque<ByteBuf> chunks = new ArrayDeque<>();
    private long received;
    private long consumed;
    private int queued;
    private boolean paused;
    private boolean discarding;
    private String abortReason;

    RequestBody(long length, FlowControl flow) {
        this.length = length;
        this.flow = flow;
    }

    /** The declared length. */
    long length() {
        return length;
    }

    /** Bytes received so far from the front server. */
    long received() {
        lock.lock();
        try {
            return received;
        } finally {
            lock.unlock();
        }
    }

    /** True once every declared byte has arrived. */
    boolean isComplete() {
        lock.lock();
        try {
            return received >= length;
        } finally {
            lock.unlock();
        }
    }

    /** True once the connection ended before the whole body arrived. */
    boolean isAborted() {
        lock.lock();
        try {
            return abortReason != null;
        } finally {
            lock.unlock();
        }
    }

    /** Takes ownership of a chunk; called on the event loop. */
    void offer(ByteBuf chunk) {
        lock.lock();
        try {
            received += chunk.readableBytes();
            if (discarding || !chunk.isReadable()) {
                chunk.release();
                return;
            }
            chunks.add(chunk);
            queued += chunk.readableBytes();
            if (queued > HIGH_WATER && !paused) {
                paused = true;
                flow.pause();
            }
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** The connection ended before the whole body arrived: readers get an {@link IOException}. */
    void abort(String reason) {
        lock.lock();
        try {
            if (abortReason == null) {
                abortReason = reason;
            }
            releaseQueued();
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Drops the queued bytes and every later chunk; reading from the socket resumes. */
    void discard() {
        lock.lock();
        try {
            discarding = true;
            releaseQueued();
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        resumeIfPaused(true);
    }

    private void releaseQueued() {
        ByteBuf b;
        while ((b = chunks.poll()) != null) {
            b.release();
        }
        queued = 0;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] dst, int off, int len) throws IOException {
        java.util.Objects.checkFromIndexSize(off, len, dst.length);
        if (len == 0) {
            return 0;
        }
        int n;
        lock.lock();
        try {
            ByteBuf head;
            while ((head = chunks.peek()) == null) {
                if (consumed >= length) {
                    return -1;
                }
                if (abortReason != null) {
                    throw new IOException(abortReason);
                }
                if (discarding) {
                    throw new IOException("request body was closed");
                }
                awaitChange();
            }
            n = Math.min(len, head.readableBytes());
            head.readBytes(dst, off, n);
            if (!head.isReadable()) {
                chunks.poll().release();
            }
            queued -= n;
            consumed += n;
        } finally {
            lock.unlock();
        }
        resumeIfPaused(false);
        return n;
    }

    private void awaitChange() throws IOException {
        try {
            // A bounded wait re-checks state even if a signal were ever lost; the read
            // timeout of the connection is what ends a stalled upload.
            changed.await(1, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for the request body", e);
        }
    }

    private void resumeIfPaused(boolean always) {
        boolean resume = false;
        lock.lock();
        try {
            if (paused && (always || queued < LOW_WATER)) {
                paused = false;
                resume = true;
            }
        } finally {
            lock.unlock();
        }
        if (resume) {
            flow.resume();
        }
    }

    @Override
    public int available() {
        lock.lock();
        try {
            return queued;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void close() {
        discard();
    }
}
