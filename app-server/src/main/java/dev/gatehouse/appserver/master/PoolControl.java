package dev.gatehouse.appserver.master;

import dev.gatehouse.conf.app.AppServerConfig;
import dev.gatehouse.conf.app.Dispatch;
import dev.gatehouse.conf.app.PoolOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.OptionalDouble;
import java.util.concurrent.TimeUnit;

/**
 * The master's measuring of its pool, once a second, and, with {@code workers_max} set, its
 * sizing: what the master's loop asks each tick whether the pool should change, and what
 * {@code gatehouse ctl advise} reads. Touched only by the master's loop thread.
 */
final class PoolControl {

    private static final long SAMPLE_NANOS = TimeUnit.SECONDS.toNanos(1);
    /** Fifteen minutes of samples: the longest window {@code ctl advise} looks at. */
    static final int HISTORY_SECONDS = 15 * 60;

    private final LoadHistory history = new LoadHistory(HISTORY_SECONDS);
    private final PoolMeter meter;
    private final int cores = Runtime.getRuntime().availableProcessors();
    private AppServerConfig config;
    private PoolSizer sizer;
    private long nextSampleNanos;

    PoolControl(AppServerConfig config, long nowNanos) {
        meter = new PoolMeter(nowNanos);
        nextSampleNanos = nowNanos + SAMPLE_NANOS;
        configure(config);
    }

    /** Takes a new config (HUP): the pool's bounds may have changed; the measurements stay. */
    void configure(AppServerConfig next) {
        config = next;
        PoolOptions p = next.pool();
        sizer = p.adaptive() ? new PoolSizer(new PoolSizer.Limits(p.min(), p.max(), p.workersMaxRss().bytes(),
                p.scaleUpAfter(), p.scaleDownAfter(), p.scaleInterval(), slotsPerWorker(), cores)) : null;
    }

    boolean adaptive() {
        return sizer != null;
    }

    /** A worker count within the adaptive pool's bounds; any count of at least 1 for a fixed pool. */
    int clamp(int workers) {
        if (sizer == null) {
            return Math.max(1, workers);
        }
        return Math.clamp(workers, sizer.limits().min(), sizer.limits().max());
    }

    /** Whether a second has passed since the last sample: the master ticks five times as often. */
    boolean sampleDue(long nowNanos) {
        return nowNanos - nextSampleNanos >= 0;
    }

    /**
     * Samples the pool, and decides for an adaptive one.
     *
     * @param serving the ready workers
     * @param settled whether the pool is as the master wants it (no worker starting, no reload)
     * @param target the workers the pool is meant to have
     * @return what to do; null for a fixed pool
     */
    PoolSizer.Decision sample(Collection<WorkerHandle> serving, boolean settled, int target, ListenSocket listen,
            long nowNanos) {
        nextSampleNanos = nowNanos + SAMPLE_NANOS;
        LoadSample s = meter.sample(serving, listenQueue(listen), nowNanos);
        history.add(s);
        return sizer == null ? null : sizer.next(s, target, settled);
    }

    /** The sizing advice from the last {@code window} of samples. */
    SizingAdvice advise(Duration window, OptionalDouble targetRate) {
        String source = config.dispatch() == Dispatch.EVENT_LOOP ? "dispatch = event-loop" : "max_concurrency";
        return SizingAdvice.of(history.last(window.toNanos() / 1e9), slotsPerWorker(), source, cores, targetRate);
    }

    /** Requests one worker runs at once: 1 on the event loop, else max_concurrency (0 = no limit). */
    private int slotsPerWorker() {
        return config.dispatch() == Dispatch.EVENT_LOOP ? 1 : config.maxConcurrency();
    }

    private long listenQueue(ListenSocket listen) {
        if (listen == null) {
            return -1;
        }
        if (listen.isUnix()) {
            // ss is a process start a second: only an adaptive pool, which acts on it, pays for it.
            return sizer == null ? -1 : ProcessMemory.unixListenQueue(Path.of(listen.address().path()));
        }
        try {
            return ProcessMemory.tcpListenQueue(listen.port());
        } catch (java.io.IOException e) {
            return -1;
        }
    }
}
