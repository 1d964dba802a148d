package dev.gatehouse.conf.proxy;

import static dev.gatehouse.conf.proxy.ProxyKeys.*;

import dev.gatehouse.conf.Address;
import dev.gatehouse.conf.schema.ConfigValues;
import dev.gatehouse.conf.schema.ConfigView;
import java.time.Duration;

/**
 * One server of an upstream pool: an entry of {@code servers}, as a table or, with every other
 * field at its default, as a plain address string.
 */
public final class UpstreamServer extends ConfigView {

    UpstreamServer(ConfigValues values) {
        super(values);
    }

    /** The server's unix socket or TCP address. */
    public Address address() {
        return get(SERVER_ADDRESS);
    }

    /** Its share of requests relative to the others, 1 to 1000. */
    public int weight() {
        return get(SERVER_WEIGHT);
    }

    /**
     * Failed attempts within {@link #failTimeout()} that take it out of rotation for
     * {@link #failTimeout()}; 0 = never taken out.
     */
    public int maxFails() {
        return get(SERVER_MAX_FAILS);
    }

    /** The window for counting failures, and how long a failed server rests. */
    public Duration failTimeout() {
        return get(SERVER_FAIL_TIMEOUT);
    }

    /** Used only when every non-backup server is down. */
    public boolean backup() {
        return get(SERVER_BACKUP);
    }
}
