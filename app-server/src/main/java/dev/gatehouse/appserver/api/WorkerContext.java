package dev.gatehouse.appserver.api;

import java.util.Map;

/**
 * What an {@link Application} learns about the worker it runs in.
 *
 * @param workerId the worker's number, from 1; stable across restarts of that worker slot
 * @param pid the worker's operating-system process id
 * @param settings the effective app-server settings, as {@code key -> value} text in the
 *     configuration file's spelling (for example {@code "max_concurrency" -> "0"})
 */
public record WorkerContext(int workerId, long pid, Map<String, String> settings) {

    /** Makes a context; the settings map is copied and cannot be changed. */
    public WorkerContext {
        settings = Map.copyOf(settings);
    }
}
