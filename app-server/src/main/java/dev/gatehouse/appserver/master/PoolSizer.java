package dev.gatehouse.appserver.master;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Locale;

/**
 * Decides, one load sample at a time, whether the adaptive pool ({@code workers_min} to
 * {@code workers_max}) should grow, shrink or hold. It keeps no clock of its own: time is the
 * samples' lengths added up, which makes every decision a function of the samples fed to it
 * (and its unit tests exact).
 *
 * <p>The pool is <em>saturated</em> when, over the last {@code scale_up_after}, one of these
 * held: the workers' request slots were at least {@value #BUSY}% busy (a slot is one request at a
 * time with {@code dispatch = "event-loop"}, {@code max_concurrency} otherwise); requests were shed
 * with 503 every second; connections waited in the listen queue the whole time. It grows then, by as many
 * workers as the waiting demand needs, at most doubling, never past {@code workers_max} or the
 * {@code workers_max_rss} ceiling, and not when the CPU is the bottleneck (its cores busy, or
 * the requests' time mostly spent on a CPU or waiting for one), since another worker only adds a
 * competitor for it.
 *
 * <p>It shrinks by one when, over the last {@code scale_down_after}, nothing was shed or queued
 * and the load would have fit in one worker fewer at half its slots; and again only after
 * another {@code scale_down_after}: removing is slow on purpose, adding is quick, so a bursty
 * load does not make the pool flap. Changes are at least {@code scale_interval} apart, counted
 * from when the last change took effect. Past {@code workers_max_rss} it recycles the largest
 * worker, at most once per {@code scale_down_after}: a fresh worker gives back what a grown heap
 * or a leak took, but when every worker is simply that large, recycling again at once would only
 * churn.
 */
final class PoolSizer {

    /** Busy share of the request slots, in percent, at which the pool counts as saturated. */
    static final int BUSY = 85;
    /** The share of its slots the pool is sized to after growing: room for the next burst. */
    private static final double GROW_TO = 0.7;
    /** The share of one worker fewer's slots the load must fit in before one is removed. */
    private static final double SHRINK_BELOW = 0.5;
    /** The CPU share (of all cores) past which the CPU, not the worker count, is the limit. */
    private static final double CPU_BOUND = 0.9;
    /**
     * The share of the requests' time on a CPU or waiting for one past which they are CPU-bound:
     * another worker would wait for the same CPU.
     */
    private static final double CPU_BOUND_REQUESTS = 0.8;

    /**
     * The pool's bounds and pace.
     *
     * @param min fewest workers
     * @param max most workers
     * @param maxRssBytes ceiling on the serving workers' resident memory added up; 0 = none
     * @param scaleUpAfter how long the pool must be saturated before it grows
     * @param scaleDownAfter how long it must be underused before one worker goes
     * @param scaleInterval least time between two changes
     * @param slotsPerWorker requests one worker runs at once; 0 = no limit (virtual threads
     *     without max_concurrency), which leaves only 503s and the listen queue as signals
     * @param cores CPUs the workers can use
     */
    record Limits(int min, int max, long maxRssBytes, Duration scaleUpAfter, Duration scaleDownAfter,
            Duration scaleInterval, int slotsPerWorker, int cores) {

        Limits {
            if (min < 1 || max < min) {
                throw new IllegalArgumentException("need 1 <= min <= max, got min " + min + ", max " + max);
            }
        }
    }

    /** What keeps a saturated pool from growing. */
    enum Limit {
        NONE, WORKERS_MAX, CPU, MEMORY
    }

    /** What to do now. */
    sealed interface Decision {

        /**
         * Nothing to change.
         *
         * @param limit what keeps a saturated pool from growing; {@link Limit#NONE} when nothing does
         * @param why the figures behind it, for the log; null with {@link Limit#NONE}
         */
        record Hold(Limit limit, String why) implements Decision {
        }

        /** Start workers until there are {@code to}. */
        record Grow(int to, String why) implements Decision {
        }

        /** Retire workers until there are {@code to}. */
        record Shrink(int to, String why) implements Decision {
        }

        /** Replace the largest worker with a fresh one: the pool is over its memory ceiling. */
        record RecycleLargest(String why) implements Decision {
        }
    }

    private static final Decision.Hold HOLD = new Decision.Hold(Limit.NONE, null);

    private final Limits limits;
    private final Deque<LoadSample> recent = new ArrayDeque<>();
    private double secondsSinceChange;
    /** Recycling does not shrink a pool whose workers are all large; it is bounded, not repeated at once. */
    private double secondsSinceRecycle = Double.POSITIVE_INFINITY;

    PoolSizer(Limits limits) {
        this.limits = limits;
    }

    Limits limits() {
        return limits;
    }

    /**
     * Takes the next sample and decides.
     *
     * @param current the workers the pool is meant to have now
     * @param settled false while a change is still taking effect (a worker starting, a reload):
     *     the sizer holds, and counts time towards the next change only from when it is settled
     */
    Decision next(LoadSample s, int current, boolean settled) {
        if (!settled) {
            recent.clear();
            secondsSinceChange = 0;
            return HOLD;
        }
        recent.addLast(s);
        secondsSinceChange += s.seconds();
        secondsSinceRecycle += s.seconds();
        double keep = Math.max(seconds(limits.scaleUpAfter()), seconds(limits.scaleDownAfter()));
        while (span() - recent.getFirst().seconds() >= keep) {
            recent.removeFirst();
        }
        if (limits.maxRssBytes() > 0 && s.rssBytes() > limits.maxRssBytes()
                && secondsSinceChange >= seconds(limits.scaleInterval())
                && secondsSinceRecycle >= seconds(limits.scaleDownAfter())) {
            secondsSinceRecycle = 0;
            return changed(new Decision.RecycleLargest("the pool's resident memory " + mib(s.rssBytes())
                    + " > workers_max_rss " + mib(limits.maxRssBytes()) + " (largest worker " + mib(s.largestRssBytes()) + ")"));
        }
        List<LoadSample> upWindow = window(seconds(limits.scaleUpAfter()));
        if (upWindow != null) {
            LoadSample up = LoadSample.merge(upWindow);
            boolean shedThroughout = upWindow.stream().allMatch(w -> w.rejected() > 0);
            String saturated = saturation(up, current, shedThroughout);
            if (saturated != null) {
                return grow(up, current, saturated);
            }
        }
        List<LoadSample> downWindow = window(seconds(limits.scaleDownAfter()));
        LoadSample down = downWindow == null ? null : LoadSample.merge(downWindow);
        if (down != null && current > limits.min() && secondsSinceChange >= seconds(limits.scaleDownAfter())
                && fitsInOneFewer(down, current)) {
            return changed(new Decision.Shrink(current - 1, describe(down, current) + " for "
                    + String.format(Locale.ROOT, "%.1f s", down.seconds())));
        }
        return HOLD;
    }

    private Decision grow(LoadSample up, int current, String saturated) {
        if (current >= limits.max()) {
            return new Decision.Hold(Limit.WORKERS_MAX, saturated + "; at workers_max " + limits.max());
        }
        double cpuShare = up.cpuCores() / limits.cores();
        if (cpuShare >= CPU_BOUND || up.cpuShareOfRequests() >= CPU_BOUND_REQUESTS) {
            return new Decision.Hold(Limit.CPU, saturated + "; the CPU is the limit (" + String.format(Locale.ROOT,
                    "%.1f of %d cores busy, %.0f%% of the requests' time on a CPU or waiting for one", up.cpuCores(),
                    limits.cores(), 100 * up.cpuShareOfRequests()) + "), another worker would only compete for it");
        }
        if (secondsSinceChange < seconds(limits.scaleInterval())) {
            return HOLD;
        }
        int wanted = current + 1;
        if (limits.slotsPerWorker() > 0) {
            double demand = up.inFlight() + Math.max(0, up.listenQueue());
            wanted = Math.max(wanted, (int) Math.ceil(demand / (GROW_TO * limits.slotsPerWorker())));
        }
        int to = Math.min(Math.min(wanted, 2 * current), limits.max());
        if (limits.maxRssBytes() > 0 && current > 0) {
            long perWorker = up.rssBytes() / Math.max(1, up.workers());
            while (to > current && up.rssBytes() + perWorker * (to - current) > limits.maxRssBytes()) {
                to--;
            }
            if (to == current) {
                return new Decision.Hold(Limit.MEMORY, saturated + "; another worker of about " + mib(perWorker)
                        + " would pass workers_max_rss " + mib(limits.maxRssBytes()));
            }
        }
        return changed(new Decision.Grow(to, saturated));
    }

    /** Why the window counts as saturated, or null when it does not. */
    private String saturation(LoadSample w, int current, boolean shedThroughout) {
        List<String> why = new ArrayList<>(3);
        int slots = limits.slotsPerWorker() * current;
        if (slots > 0 && w.inFlight() >= slots * BUSY / 100.0) {
            why.add(describe(w, current));
        }
        if (shedThroughout) {
            why.add(w.rejected() + " request(s) shed with 503 (max_concurrency)");
        }
        if (w.listenQueue() > 0) {
            why.add("listen queue at least " + w.listenQueue());
        }
        if (why.isEmpty()) {
            return null;
        }
        return String.join(", ", why) + String.format(Locale.ROOT, " for %.1f s", w.seconds());
    }

    private boolean fitsInOneFewer(LoadSample w, int current) {
        if (w.rejected() > 0 || w.listenQueue() > 0) {
            return false;
        }
        int fewerSlots = limits.slotsPerWorker() * (current - 1);
        // Without a slot limit there is no busy share: an empty queue all along is the signal.
        return limits.slotsPerWorker() == 0 || w.inFlight() <= fewerSlots * SHRINK_BELOW;
    }

    private String describe(LoadSample w, int current) {
        if (limits.slotsPerWorker() == 1) {
            return String.format(Locale.ROOT, "%.1f/%d workers busy", w.inFlight(), current);
        }
        if (limits.slotsPerWorker() > 1) {
            return String.format(Locale.ROOT, "%.1f of %d request slots busy (%d workers x max_concurrency %d)",
                    w.inFlight(), limits.slotsPerWorker() * current, current, limits.slotsPerWorker());
        }
        return String.format(Locale.ROOT, "%.1f requests in flight, listen queue %d", w.inFlight(),
                Math.max(0, w.listenQueue()));
    }

    /** The recent samples spanning {@code seconds}, oldest first; null until that much has been seen since the last change. */
    private List<LoadSample> window(double seconds) {
        if (recent.isEmpty() || span() < seconds * 0.9) {
            return null;
        }
        List<LoadSample> w = new ArrayList<>();
        double spanned = 0;
        var it = recent.descendingIterator();
        while (it.hasNext() && spanned < seconds - 1e-6) {
            LoadSample s = it.next();
            w.add(s);
            spanned += s.seconds();
        }
        return w.reversed();
    }

    private double span() {
        double total = 0;
        for (LoadSample s : recent) {
            total += s.seconds();
        }
        return total;
    }

    private Decision changed(Decision d) {
        recent.clear();
        secondsSinceChange = 0;
        return d;
    }

    private static double seconds(Duration d) {
        return d.toNanos() / 1e9;
    }

    private static String mib(long bytes) {
        return bytes / (1024 * 1024) + " MiB";
    }
}
