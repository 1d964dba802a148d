package dev.gatehouse.appserver.master;

import dev.gatehouse.appserver.control.Heartbeat;
import dev.gatehouse.appserver.control.ResponseTimes;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;

/**
 * Turns the serving workers' cumulative counters (heartbeats, /proc) into one {@link LoadSample}
 * per call: the difference since the previous call. A worker seen for the first time counts from
 * zero, since its counters started with it; a worker gone since takes its baseline with it.
 * Touched only by the master's loop thread.
 *
 * <p>Heartbeats come once a second from each worker, not in step with the samples, so a sample
 * may hold no heartbeat of a worker or two. Counts (requests, response times) simply add up over
 * longer windows; the number of requests in flight is computed per worker over the time between
 * its own heartbeats, and carried over to a sample its heartbeat missed.
 */
final class PoolMeter {

    /** A worker's counters at the previous sample, and its requests in flight then. */
    private record Baseline(Heartbeat heartbeat, long heartbeatNanos, long cpuNanos,
            ProcessMemory.RequestThreads threads, double inFlight) {
    }

    private Map<Long, Baseline> baselines = new HashMap<>();
    private long lastNanos;

    PoolMeter(long nowNanos) {
        lastNanos = nowNanos;
    }

    /**
     * The pool's load since the previous call.
     *
     * @param serving the workers that are serving (ready, not stopping)
     * @param listenQueue connections waiting in the accept queue now; -1 when unknown
     */
    LoadSample sample(Collection<WorkerHandle> serving, long listenQueue, long nowNanos) {
        double seconds = (nowNanos - lastNanos) / 1e9;
        lastNanos = nowNanos;
        Map<Long, Baseline> next = new HashMap<>();
        long requests = 0;
        long responseMicros = 0;
        long rejected = 0;
        long cpu = 0;
        long requestCpu = 0;
        long runDelay = 0;
        ResponseTimes times = ResponseTimes.EMPTY;
        double inFlight = 0;
        double busiest = 0;
        long rss = 0;
        long pss = 0;
        long largest = 0;
        for (WorkerHandle w : serving) {
            Heartbeat hb = w.heartbeat;
            Baseline was = baselines.get(w.pid);
            if (was == null) {
                was = new Baseline(Heartbeat.NONE, w.readyAtNanos, 0, ProcessMemory.RequestThreads.NONE, 0);
            }
            long micros = Math.max(0, hb.responseMicros() - was.heartbeat.responseMicros());
            double workerInFlight = was.inFlight;
            if (w.heartbeatNanos != was.heartbeatNanos && w.heartbeatNanos - was.heartbeatNanos > 0) {
                workerInFlight = micros / ((w.heartbeatNanos - was.heartbeatNanos) / 1e3);
            }
            Baseline now = new Baseline(hb, w.heartbeatNanos, ProcessMemory.cpuNanos(w.pid),
                    ProcessMemory.requestThreads(w.pid), workerInFlight);
            next.put(w.pid, now);
            requests += Math.max(0, hb.requests() - was.heartbeat.requests());
            responseMicros += micros;
            rejected += Math.max(0, hb.rejected() - was.heartbeat.rejected());
            cpu += Math.max(0, now.cpuNanos - was.cpuNanos);
            // A carrier thread that ended took its times with it: a drop is no negative time.
            requestCpu += Math.max(0, now.threads.cpuNanos() - was.threads.cpuNanos());
            runDelay += Math.max(0, now.threads.waitNanos() - was.threads.waitNanos());
            times = times.plus(hb.responseTimes().minus(was.heartbeat.responseTimes()));
            inFlight += workerInFlight;
            busiest = Math.max(busiest, workerInFlight);
            rss += w.rssBytes;
            pss += ProcessMemory.pssBytes(w.pid);
            largest = Math.max(largest, w.rssBytes);
        }
        baselines = next;
        return new LoadSample(seconds, serving.size(), requests, responseMicros, rejected, cpu, requestCpu, runDelay, times,
                inFlight, busiest, listenQueue, rss, pss, largest);
    }
}
