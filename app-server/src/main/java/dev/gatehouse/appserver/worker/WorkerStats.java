package dev.gatehouse.appserver.worker;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/** Counters of one worker, read by the stats endpoint and by tests. Thread-safe. */
public final class WorkerStats {

    private final LongAdder requests = new LongAdder();
    private final LongAdder exceptions = new LongAdder();
    private final LongAdder rejected = new LongAdder();
    private final LongAdder connections = new LongAdder();
    private final LongAdder protocolErrors = new LongAdder();
    private final LongAdder responseNanos = new LongAdder();
    private final AtomicInteger inFlight = new AtomicInteger();

    /** Requests answered (any status). */
    public long requests() {
        return requests.sum();
    }

    /** Requests whose application threw. */
    public long exceptions() {
        return exceptions.sum();
    }

    /** Requests refused with 503 because {@code max_concurrency} was reached. */
    public long rejected() {
        return rejected.sum();
    }

    /** Connections accepted. */
    public long connections() {
        return connections.sum();
    }

    /** Connections closed for a malformed uwsgi packet. */
    public long protocolErrors() {
        return protocolErrors.sum();
    }

    /** Requests being handled right now. */
    public int inFlight() {
        return inFlight.get();
    }

    /** Mean time from request to the last response byte handed to the socket, in microseconds. */
    public long averageResponseMicros() {
        long n = requests.sum();
        return n == 0 ? 0 : responseNanos.sum() / n / 1000;
    }

    int enter() {
        return inFlight.incrementAndGet();
    }

    void exit(long nanos) {
        inFlight.decrementAndGet();
        requests.increment();
        responseNanos.add(nanos);
    }

    void exception() {
        exceptions.increment();
    }

    void rejected503() {
        rejected.increment();
        requests.increment();
    }

    void connection() {
        connections.increment();
    }

    void protocolError() {
        protocolErrors.increment();
    }
}
