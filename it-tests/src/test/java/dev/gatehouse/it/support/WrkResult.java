package dev.gatehouse.it.support;

import java.time.Duration;

/**
 * What one wrk run measured.
 *
 * @param requests completed requests
 * @param requestsPerSecond wrk's {@code Requests/sec}
 * @param latencyP50 the median latency
 * @param latencyP90 the 90th percentile latency
 * @param latencyP99 the 99th percentile latency
 * @param non2xxOr3xx responses with a status of 400 or more (wrk's "Non-2xx or 3xx responses")
 * @param connectErrors socket errors while connecting
 * @param readErrors socket errors while reading
 * @param writeErrors socket errors while writing
 * @param timeouts requests that exceeded wrk's timeout
 * @param output wrk's full output, for the record
 */
public record WrkResult(long requests, double requestsPerSecond, Duration latencyP50, Duration latencyP90,
        Duration latencyP99, long non2xxOr3xx, long connectErrors, long readErrors, long writeErrors,
        long timeouts, String output) {

    /** @return all socket errors and timeouts together */
    public long socketErrors() {
        return connectErrors + readErrors + writeErrors + timeouts;
    }

    /** @return whether every request succeeded: no error status, no socket error */
    public boolean clean() {
        return non2xxOr3xx == 0 && socketErrors() == 0;
    }

    /** @return one line for a log or report */
    public String summary() {
        return String.format("%.0f req/s, %d requests, p50 %s, p99 %s, errors: %d status, %d socket",
                requestsPerSecond, requests, format(latencyP50), format(latencyP99), non2xxOr3xx, socketErrors());
    }

    private static String format(Duration d) {
        long micros = d.toNanos() / 1000;
        return micros < 1000 ? micros + "us" : String.format("%.2fms", micros / 1000.0);
    }
}
