package dev.gatehouse.appserver.worker;

import dev.gatehouse.appserver.control.ResponseTimes;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/** Counters of one worker, read by the stats endpoint and by tests. Thread-safe. */
public final class WorkerStats {

    private final LongAdder requests = new LongAdder();
    private final LongAdder exceptions = new LongAdder();
    private final LongAdder rejected = new LongAdder();
    private final LongAdder connections = new LongAdder();
    private final LongAdder directConnections = new LongAdder();
    private final LongAdder protocolErrors = new LongAdder();
    private final LongAdder responseNanos = new LongAdder();
    private final ResponseTimes.Recorder responseTimes = new ResponseTimes.Recorder();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger busyConnections = new AtomicInteger();
    private final AtomicInteger openWebSockets = new AtomicInteger();
    private final AtomicLong sequence = new AtomicLong();
    private final ConcurrentHashMap<Long, Running> running = new ConcurrentHashMap<>();

    /**
     * A request being handled.
     *
     * @param startMillis epoch millis when it started
     * @param requestLine e.g. {@code GET /x}
     */
    public record Running(long startMillis, String requestLine) {
    }

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

    /** Connections served whole without a channel ({@link DirectServe}); part of {@link #connections()}. */
    long directConnections() {
        return directConnections.sum();
    }

    /** Connections closed for a malformed uwsgi packet. */
    public long protocolErrors() {
        return protocolErrors.sum();
    }

    /** Requests being handled right now. */
    public int inFlight() {
        return inFlight.get();
    }

    /**
     * The response times of all requests answered so far (request to the last response byte
     * handed to the socket), added up, in microseconds; over {@link #requests()}, the mean.
     */
    public long totalResponseMicros() {
        return responseNanos.sum() / 1000;
    }

    /** The histogram of response times so far. */
    public ResponseTimes responseTimes() {
        return responseTimes.snapshot();
    }

    /**
     * Connections that owe a response: accepted and not yet served, or in the middle of a
     * request. Idle keep-alive connections (between requests) are not counted.
     */
    public int busyConnections() {
        return busyConnections.get();
    }

    void connectionBusy() {
        busyConnections.incrementAndGet();
    }

    void connectionIdle() {
        busyConnections.decrementAndGet();
    }

    /** WebSockets open now; each also counts in {@link #busyConnections()}. */
    public int openWebSockets() {
        return openWebSockets.get();
    }

    void webSocketOpened() {
        openWebSockets.incrementAndGet();
    }

    void webSocketClosed() {
        openWebSockets.decrementAndGet();
    }

    /**
     * A WebSocket callback started: watched by harakiri like a request, without counting as one
     * (the socket was counted once, when it opened).
     */
    long callbackStarted(String what) {
        long id = sequence.incrementAndGet();
        running.put(id, new Running(System.currentTimeMillis(), what));
        return id;
    }

    void callbackEnded(long id) {
        running.remove(id);
    }

    /** The request running longest, or null when idle: what harakiri watches. */
    public Running oldest() {
        Running oldest = null;
        for (Running r : running.values()) {
            if (oldest == null || r.startMillis() < oldest.startMillis()) {
                oldest = r;
            }
        }
        return oldest;
    }

    long enter(String requestLine) {
        inFlight.incrementAndGet();
        long id = sequence.incrementAndGet();
        running.put(id, new Running(System.currentTimeMillis(), requestLine));
        return id;
    }

    void exit(long id, long nanos) {
        running.remove(id);
        inFlight.decrementAndGet();
        requests.increment();
        responseNanos.add(nanos);
        responseTimes.record(nanos);
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

    void directConnection() {
        connections.increment();
        directConnections.increment();
    }

    void protocolError() {
        protocolErrors.increment();
    }
}
