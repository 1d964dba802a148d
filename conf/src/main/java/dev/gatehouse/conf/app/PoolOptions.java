package dev.gatehouse.conf.app;

import dev.gatehouse.conf.Size;
import java.time.Duration;
import java.util.Objects;

/**
 * The keys of {@code gatehouse-app.toml} for a pool that sizes itself ({@code workers_min} to
 * {@code workers_max}) rather than keeping {@code workers} processes.
 *
 * @param min fewest workers, and the count the master starts with
 * @param max most workers; 0 = the pool is fixed at {@code workers}
 * @param maxRss ceiling on the workers' resident memory added up; zero = none
 * @param scaleUpAfter how long the pool must be saturated before it grows
 * @param scaleDownAfter how long the load must fit in one worker fewer before one is retired
 * @param scaleInterval least time between two changes
 */
public record PoolOptions(int min, int max, Size maxRss, Duration scaleUpAfter, Duration scaleDownAfter,
        Duration scaleInterval) {

    /** Checks for nulls. */
    public PoolOptions {
        Objects.requireNonNull(maxRss, "maxRss");
        Objects.requireNonNull(scaleUpAfter, "scaleUpAfter");
        Objects.requireNonNull(scaleDownAfter, "scaleDownAfter");
        Objects.requireNonNull(scaleInterval, "scaleInterval");
    }

    /** Whether the pool sizes itself ({@code workers_max} is set). */
    public boolean adaptive() {
        return max > 0;
    }
}
