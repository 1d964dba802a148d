package dev.gatehouse.conf.app;

import static dev.gatehouse.conf.app.AppServerKeys.*;

import dev.gatehouse.conf.Size;
import dev.gatehouse.conf.schema.ConfigValues;
import dev.gatehouse.conf.schema.ConfigView;
import java.time.Duration;
import java.util.Optional;

/**
 * The keys of {@code gatehouse-app.toml} for a pool that sizes itself ({@code workers_min} to
 * {@code workers_max}) rather than keeping {@code workers} processes: the keys declared into the
 * pool group of {@code AppServerKeys}. Equal when every pool key has an equal value.
 */
public final class PoolOptions extends ConfigView {

    PoolOptions(ConfigValues values) {
        super(values);
    }

    /** Fewest workers, as set; see {@link #min()}. */
    public Optional<Integer> workersMin() {
        return optional(WORKERS_MIN);
    }

    /** Most workers, as set; unset: the pool is fixed at {@code workers}. */
    public Optional<Integer> workersMax() {
        return optional(WORKERS_MAX);
    }

    /** Ceiling on the workers' resident memory added up; zero = none. */
    public Size workersMaxRss() {
        return get(WORKERS_MAX_RSS);
    }

    /** Whether the pool sizes itself ({@code workers_max} is set). */
    public boolean adaptive() {
        return workersMax().isPresent();
    }

    /** Fewest workers, and the count the master starts with: {@code workers_min}, 1 when unset. */
    public int min() {
        return workersMin().orElse(1);
    }

    /** Most workers: {@code workers_max}, 0 when the pool is fixed. */
    public int max() {
        return workersMax().orElse(0);
    }

    /** How long the pool must be saturated before it grows. */
    public Duration scaleUpAfter() {
        return get(SCALE_UP_AFTER);
    }

    /** How long the load must fit in one worker fewer before one is retired, and between two retirements. */
    public Duration scaleDownAfter() {
        return get(SCALE_DOWN_AFTER);
    }

    /** Least time between two changes. */
    public Duration scaleInterval() {
        return get(SCALE_INTERVAL);
    }
}
