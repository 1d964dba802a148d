package dev.gatehouse.appserver.master;

import dev.gatehouse.appserver.control.ResponseTimes;

/**
 * What the whole pool did over one short interval (about a second), from the workers'
 * heartbeats and /proc: the inputs of {@link PoolSizer} and {@link SizingAdvice}.
 *
 * @param seconds the interval's length
 * @param workers serving workers at its end
 * @param requests requests answered in it
 * @param responseMicros their response times added up
 * @param rejected requests refused with 503 by {@code max_concurrency}
 * @param cpuNanos CPU time the workers used, all their threads
 * @param requestCpuNanos CPU time of the threads that run requests (event loop, virtual-thread carriers)
 * @param runDelayNanos time those threads were runnable but waited for a CPU
 * @param responseTimes the histogram of the response times
 * @param inFlight mean requests in flight in the whole pool (Little's law: each worker's response
 *     times added up between two of its heartbeats, over the time between them)
 * @param busiestWorker the highest mean number of requests in flight in one worker
 * @param listenQueue connections waiting to be accepted at its end; -1 when unknown
 * @param rssBytes resident memory of the serving workers, added up
 * @param pssBytes their proportional set sizes added up (shared pages divided among sharers)
 * @param largestRssBytes the resident memory of the largest worker
 */
record LoadSample(double seconds, int workers, long requests, long responseMicros, long rejected, long cpuNanos,
        long requestCpuNanos, long runDelayNanos, ResponseTimes responseTimes, double inFlight, double busiestWorker, long listenQueue, long rssBytes,
        long pssBytes, long largestRssBytes) {

    /** CPUs the workers kept busy on average. */
    double cpuCores() {
        return seconds <= 0 ? 0 : cpuNanos / (seconds * 1e9);
    }

    /** Request threads of the workers that waited for a CPU, on average. */
    double runQueue() {
        return seconds <= 0 ? 0 : runDelayNanos / (seconds * 1e9);
    }

    /**
     * The share of the requests' time spent on a CPU or waiting for one; near 1 the requests are
     * CPU-bound, and more workers cannot make them faster. 0 without requests.
     */
    double cpuShareOfRequests() {
        return responseMicros == 0 ? 0 : (requestCpuNanos + runDelayNanos) / (responseMicros * 1e3);
    }

    /**
     * Several consecutive samples as one: counts added up, means weighted by time, the pool's
     * size, memory and listen queue as at the end, the busiest worker the busiest of any.
     *
     * @param samples at least one, oldest first
     */
    static LoadSample merge(java.util.List<LoadSample> samples) {
        double seconds = 0;
        long requests = 0;
        long micros = 0;
        long rejected = 0;
        long cpu = 0;
        long requestCpu = 0;
        long runDelay = 0;
        ResponseTimes times = ResponseTimes.EMPTY;
        double inFlightSeconds = 0;
        double busiest = 0;
        long queueLow = Long.MAX_VALUE;
        for (LoadSample s : samples) {
            seconds += s.seconds;
            requests += s.requests;
            micros += s.responseMicros;
            rejected += s.rejected;
            cpu += s.cpuNanos;
            requestCpu += s.requestCpuNanos;
            runDelay += s.runDelayNanos;
            times = times.plus(s.responseTimes);
            inFlightSeconds += s.inFlight * s.seconds;
            busiest = Math.max(busiest, s.busiestWorker);
            queueLow = Math.min(queueLow, s.listenQueue);
        }
        LoadSample last = samples.getLast();
        // The queue's lowest point: a queue that was empty once in the window did not last.
        return new LoadSample(seconds, last.workers, requests, micros, rejected, cpu, requestCpu, runDelay, times,
                seconds <= 0 ? 0 : inFlightSeconds / seconds, busiest, queueLow, last.rssBytes, last.pssBytes,
                last.largestRssBytes);
    }
}
