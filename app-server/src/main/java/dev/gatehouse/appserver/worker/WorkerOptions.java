package dev.gatehouse.appserver.worker;

import dev.gatehouse.conf.app.Dispatch;

import java.time.Duration;
import java.util.Objects;

/**
 * What one worker needs to serve requests; the app-server's configuration is mapped onto this.
 *
 * @param workerId the worker's number, from 1, for logs and the application's context
 * @param dispatch where the application runs
 * @param maxConcurrency requests handled at once before new ones get 503; 0 = unlimited
 * @param maxVarsSize the largest vars block accepted, in bytes (1 to 65536)
 * @param readTimeout how long a connection may send nothing while a request or its body is due
 * @param keepAlive whether to honour the front server's request to keep the connection
 */
public record WorkerOptions(
        int workerId, Dispatch dispatch, int maxConcurrency, int maxVarsSize, Duration readTimeout, boolean keepAlive) {

    /** Validates the options. */
    public WorkerOptions {
        Objects.requireNonNull(dispatch, "dispatch");
        Objects.requireNonNull(readTimeout, "readTimeout");
        if (maxConcurrency < 0) {
            throw new IllegalArgumentException("maxConcurrency must be >= 0 (0 = unlimited), was " + maxConcurrency);
        }
        if (maxVarsSize < 1 || maxVarsSize > 65536) {
            throw new IllegalArgumentException("maxVarsSize must be 1..65536, was " + maxVarsSize);
        }
        if (readTimeout.isNegative() || readTimeout.isZero()) {
            throw new IllegalArgumentException("readTimeout must be positive, was " + readTimeout);
        }
    }

    /** Defaults: worker 1, virtual threads, unlimited concurrency, 64 KiB vars, 60 s read timeout, keep-alive honoured. */
    public static WorkerOptions defaults() {
        return new WorkerOptions(1, Dispatch.VIRTUAL_THREAD, 0, 65536, Duration.ofSeconds(60), true);
    }
}
