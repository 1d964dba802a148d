package dev.gatehouse.appserver.servlet;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.eclipse.jetty.io.EofException;
import org.eclipse.jetty.util.Callback;

/**
 * The response body from Jetty to the worker: Jetty offers one buffer at a time (it sends the
 * next only once the previous one's callback completed), the worker reads it as the body stream
 * of the {@link dev.gatehouse.appserver.api.Response} and completes the callback once it has copied
 * the buffer out. So a servlet writing faster than the client reads waits, with no buffering
 * beyond Jetty's own output buffer: backpressure from the front's socket back to the servlet.
 */
final class ResponseBodyPipe extends InputStream {

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private ByteBuffer current;
    private Callback currentCallback;
    private boolean lastOffered;
    private boolean closed;
    private Throwable failure;

    /**
     * Jetty's next buffer. The callback completes once the worker has taken every byte of it, or
     * fails when the worker stopped reading (the front went away).
     */
    void offer(ByteBuffer content, boolean last, Callback callback) {
        boolean refuse;
        lock.lock();
        try {
            refuse = closed || failure != null;
            if (!refuse) {
                current = content != null ? content : ByteBuffer.allocate(0);
                currentCallback = callback;
                lastOffered |= last;
                changed.signalAll();
            }
        } finally {
            lock.unlock();
        }
        if (refuse) {
            if (content == null || !content.hasRemaining()) {
                // The worker already has every byte (it read to the declared length); nothing is lost.
                callback.succeeded();
            } else {
                callback.failed(new EofException("the front stopped reading the response"));
            }
        }
    }

    /**
     * Jetty failed after the response began: the worker's read fails, so it breaks the response.
     *
     * @return the callback of the buffer that was waiting, for the caller to fail, or null
     */
    Callback fail(Throwable cause) {
        Callback pending;
        lock.lock();
        try {
            failure = cause;
            pending = currentCallback;
            current = null;
            currentCallback = null;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        return pending;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xFF;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        while (true) {
            Callback done = null;
            int n = 0;
            lock.lock();
            try {
                while (current == null && !lastOffered && failure == null && !closed) {
                    changed.awaitUninterruptibly();
                }
                if (failure != null) {
                    throw new IOException("the servlet's response failed: " + failure, failure);
                }
                if (closed) {
                    throw new IOException("response body stream closed");
                }
                if (current == null) {
                    return -1; // the last buffer was taken
                }
                n = Math.min(len, current.remaining());
                current.get(b, off, n);
                if (!current.hasRemaining()) {
                    done = currentCallback;
                    current = null;
                    currentCallback = null;
                }
            } finally {
                lock.unlock();
            }
            // Outside the lock: completing the callback lets Jetty send its next buffer at once.
            if (done != null) {
                done.succeeded();
            }
            if (n > 0) {
                return n;
            }
        }
    }

    /** The worker is done with the body: any buffer still offered fails, and later ones too. */
    @Override
    public void close() {
        Callback pending;
        boolean unread;
        lock.lock();
        try {
            closed = true;
            pending = currentCallback;
            unread = current != null && current.hasRemaining();
            current = null;
            currentCallback = null;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        if (pending != null) {
            if (unread) {
                pending.failed(new EofException("the front stopped reading the response"));
            } else {
                pending.succeeded();
            }
        }
    }
}
