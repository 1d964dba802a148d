package dev.gatehouse.appserver.master;

import java.util.List;
import java.util.Locale;
import java.util.OptionalDouble;

/**
 * How many workers the measured load needs, worked out the way articles on worker sizing do it
 * by hand, from the pool's own measurements: what {@code gatehouse ctl advise} prints.
 *
 * <p>Little's law: requests in flight = arrival rate x time in the system. A worker holds
 * {@code slots} requests at once (1 with {@code dispatch = "event-loop"}, {@code max_concurrency}
 * otherwise, or, with no limit, the most one worker was seen to hold), so workers = rate x
 * service time / slots. The service time used is the one the app needs, not the one a busy CPU
 * stretched it to: the time our threads waited for a CPU is taken out (never below the CPU time
 * itself), or a saturated CPU-bound pool would advise ever more workers.
 *
 * @param seconds the window the figures come from
 * @param requests requests answered in it
 * @param rate requests per second
 * @param meanMillis mean service time, as measured (first byte of the request to last of the answer)
 * @param p95Millis 95th percentile service time (within the histogram's 25% bucket width)
 * @param cpuMillis CPU time per request (all the workers' CPU, over the requests)
 * @param cpuWaitMillis time per request the workers' threads waited for a CPU
 * @param slots requests one worker runs at once
 * @param slotsMeasured whether {@code slots} was observed (no configured limit) rather than configured
 * @param slotsSource the key that sets {@code slots}, for the text ({@code dispatch = event-loop},
 *     {@code max_concurrency}); ignored when measured
 * @param cores CPUs the machine gives the workers
 * @param workersNow serving workers at the end of the window
 * @param rssPerWorker resident memory of a worker: the pool's, over its workers, at the second it was largest
 * @param pssPerWorker proportional set size of a worker (shared pages divided among sharers), the same way
 * @param workers the worker count Little's law gives for the measured rate
 * @param targetRate the rate the operator asked about; empty: none
 * @param targetWorkers the worker count for that rate (0 when none was asked)
 * @param targetCores the CPUs that rate needs (0 when none was asked)
 */
record SizingAdvice(double seconds, long requests, double rate, double meanMillis, double p95Millis,
        double cpuMillis, double cpuWaitMillis, double slots, boolean slotsMeasured, String slotsSource, int cores,
        int workersNow,
        long rssPerWorker, long pssPerWorker, int workers, OptionalDouble targetRate, int targetWorkers,
        double targetCores) {

    /** The headroom the advice adds on top of the law's count: size for 80% busy. */
    static final double HEADROOM = 0.8;

    /**
     * Works the advice out.
     *
     * @param samples the window, oldest first; empty gives an advice with no requests
     * @param slotsPerWorker the configured requests per worker at once; 0 = no limit (then measured)
     * @param slotsSource the key that sets them, for the text
     * @param cores CPUs the workers can use
     * @param targetRate a rate to size for; empty: only the measured one
     */
    static SizingAdvice of(List<LoadSample> samples, int slotsPerWorker, String slotsSource, int cores,
            OptionalDouble targetRate) {
        LoadSample all = samples.isEmpty() ? null : LoadSample.merge(samples);
        if (all == null || all.requests() == 0) {
            return new SizingAdvice(all == null ? 0 : all.seconds(), 0, 0, 0, 0, 0, 0, Math.max(1, slotsPerWorker),
                    slotsPerWorker == 0, slotsSource, cores, all == null ? 0 : all.workers(), 0, 0, 0, targetRate, 0, 0);
        }
        double rate = all.requests() / all.seconds();
        double mean = all.responseMicros() / 1e3 / all.requests();
        double cpu = all.cpuNanos() / 1e6 / all.requests();
        double cpuWait = all.runDelayNanos() / 1e6 / all.requests();
        double needed = Math.max(cpu, mean - cpuWait);
        double slots = slotsPerWorker > 0 ? slotsPerWorker : Math.max(1, all.busiestWorker());
        int workers = atLeastOne(rate * needed / 1e3 / slots);
        long rss = samples.stream().mapToLong(s -> s.workers() == 0 ? 0 : s.rssBytes() / s.workers()).max().orElse(0);
        long pss = samples.stream().mapToLong(s -> s.workers() == 0 ? 0 : s.pssBytes() / s.workers()).max().orElse(0);
        int targetWorkers = 0;
        double targetCores = 0;
        if (targetRate.isPresent()) {
            targetWorkers = atLeastOne(targetRate.getAsDouble() * needed / 1e3 / slots);
            targetCores = targetRate.getAsDouble() * cpu / 1e3;
        }
        return new SizingAdvice(all.seconds(), all.requests(), rate, mean, all.responseTimes().quantileMicros(0.95) / 1e3,
                cpu, cpuWait, slots, slotsPerWorker == 0, slotsSource, cores, all.workers(), rss, pss, workers, targetRate,
                targetWorkers, targetCores);
    }

    private static int atLeastOne(double workers) {
        // A hair of float error must not add a worker: 2.0000001 is 2.
        return Math.max(1, (int) Math.ceil(workers - 1e-6));
    }

    /** The count with {@link #HEADROOM}. */
    static int withHeadroom(int workers, double exact) {
        return Math.max(workers, atLeastOne(exact / HEADROOM));
    }

    /** The reasoning, in one short paragraph, then the figures. */
    String toText() {
        StringBuilder sb = new StringBuilder();
        if (requests == 0) {
            return String.format(Locale.ROOT, "No requests in the last %.0f s: nothing to size from yet."
                    + " Run this while the app takes its usual load.%n", seconds);
        }
        double serviceMs = Math.max(cpuMillis, meanMillis - cpuWaitMillis);
        double inFlight = rate * serviceMs / 1e3;
        sb.append(String.format(Locale.ROOT, "Over the last %s the pool answered %,d requests, %.1f/s, in %.1f ms"
                + " on average (p95 %.1f ms), %.2f ms of it on a CPU", span(), requests, rate, meanMillis, p95Millis,
                cpuMillis));
        if (cpuWaitMillis > 0.05 * meanMillis) {
            sb.append(String.format(Locale.ROOT, " and %.1f ms waiting for one (a busy CPU, not counted below)",
                    cpuWaitMillis));
        }
        sb.append(String.format(Locale.ROOT, ". By Little's law %.1f/s x %.1f ms = %.1f requests in flight;"
                + " one worker runs %s at once, so this load needs %d worker(s), %d with %d%% headroom (%d serve now).",
                rate, serviceMs, inFlight, slotsText(), workers, withHeadroom(workers, inFlight / slots),
                Math.round((1 / HEADROOM - 1) * 100), workersNow));
        double cpuNow = rate * cpuMillis / 1e3;
        if (cpuNow >= 0.8 * cores) {
            sb.append(String.format(Locale.ROOT, " The CPU is the limit: %.1f of %d cores are busy, and more workers"
                    + " than cores would only take turns on them.", cpuNow, cores));
        }
        if (targetRate.isPresent()) {
            double t = targetRate.getAsDouble();
            sb.append(String.format(Locale.ROOT, " For %.0f/s: %.1f in flight, %d worker(s) (%d with headroom),"
                    + " %.1f cores of CPU", t, t * serviceMs / 1e3, targetWorkers,
                    withHeadroom(targetWorkers, t * serviceMs / 1e3 / slots), targetCores));
            if (targetCores > cores) {
                sb.append(String.format(Locale.ROOT, ", more than the %d this machine has: no worker count reaches"
                        + " that rate here", cores));
            }
            if (pssPerWorker > 0) {
                sb.append(String.format(Locale.ROOT, ", about %s of memory (%s PSS per worker)",
                        bytes(pssPerWorker * targetWorkers), bytes(pssPerWorker)));
            }
            sb.append('.');
        }
        sb.append('\n');
        return sb.toString();
    }

    /** The figures as JSON, for scripts: one object. */
    String toJson() {
        StringBuilder sb = new StringBuilder("{");
        sb.append(String.format(Locale.ROOT, "\"window_seconds\":%.1f,\"requests\":%d,\"rate\":%.3f,\"mean_ms\":%.3f,"
                + "\"p95_ms\":%.3f,\"cpu_ms_per_request\":%.3f,\"cpu_wait_ms_per_request\":%.3f,"
                + "\"slots_per_worker\":%.2f,\"slots_measured\":%b,\"cores\":%d,\"workers_now\":%d,"
                + "\"rss_per_worker\":%d,\"pss_per_worker\":%d,\"workers\":%d", seconds, requests, rate, meanMillis,
                p95Millis, cpuMillis, cpuWaitMillis, slots, slotsMeasured, cores, workersNow, rssPerWorker, pssPerWorker,
                workers));
        if (targetRate.isPresent()) {
            sb.append(String.format(Locale.ROOT, ",\"target_rate\":%.3f,\"target_workers\":%d,\"target_cores\":%.3f",
                    targetRate.getAsDouble(), targetWorkers, targetCores));
        }
        return sb.append("}\n").toString();
    }

    private String slotsText() {
        if (slotsMeasured) {
            return String.format(Locale.ROOT, "%.1f request(s) (the most one held; no max_concurrency)", slots);
        }
        return String.format(Locale.ROOT, "%.0f request%s (%s)", slots, slots == 1 ? "" : "s", slotsSource);
    }

    private String span() {
        return seconds >= 120 ? String.format(Locale.ROOT, "%.1f min", seconds / 60)
                : String.format(Locale.ROOT, "%.0f s", seconds);
    }

    private static String bytes(long b) {
        return b >= 1L << 30 ? String.format(Locale.ROOT, "%.1f GiB", b / (double) (1L << 30))
                : String.format(Locale.ROOT, "%d MiB", b >> 20);
    }
}
