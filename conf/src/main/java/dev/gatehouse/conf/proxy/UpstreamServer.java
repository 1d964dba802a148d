package dev.gatehouse.conf.proxy;

import dev.gatehouse.conf.Address;
import java.time.Duration;
import java.util.Objects;

/**
 * One server of an upstream pool: an entry of {@code servers}, as a table or, with every other
 * field at its default, as a plain address string.
 *
 * @param address the server's unix socket or TCP address
 * @param weight its share of requests relative to the others, 1 to 1000
 * @param maxFails failed attempts within {@code failTimeout} that take it out of rotation for
 *     {@code failTimeout}; 0 = never taken out
 * @param failTimeout the window for counting failures, and how long a failed server rests
 * @param backup used only when every non-backup server is down
 */
public record UpstreamServer(Address address, int weight, int maxFails, Duration failTimeout, boolean backup) {

    /** Checks for nulls. */
    public UpstreamServer {
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(failTimeout, "failTimeout");
    }
}
