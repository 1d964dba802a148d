package dev.gatehouse.proxy.upstream;

import dev.gatehouse.conf.proxy.LocationConfig;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * How many upgraded connections (tunnels) each location has open or about to open, against its
 * {@code max_tunnels}. A slot is taken when an upgrade request is forwarded, so that a burst of
 * handshakes cannot overshoot the limit, and given back when the answer is not a 101 or when the
 * tunnel ends. One set per configuration generation: tunnels of a replaced configuration count
 * against that configuration's limits until they end.
 */
final class TunnelSlots {

    private final ConcurrentHashMap<LocationConfig, AtomicInteger> open = new ConcurrentHashMap<>();

    /** Takes a slot of {@code location}; false when its {@code max_tunnels} are all taken. */
    boolean take(LocationConfig location) {
        int max = location.maxTunnels();
        AtomicInteger n = open.computeIfAbsent(location, l -> new AtomicInteger());
        while (true) {
            int now = n.get();
            if (max > 0 && now >= max) {
                return false;
            }
            if (n.compareAndSet(now, now + 1)) {
                return true;
            }
        }
    }

    /** Gives a slot back. */
    void release(LocationConfig location) {
        AtomicInteger n = open.get(location);
        if (n != null) {
            n.decrementAndGet();
        }
    }

    /** Slots of {@code location} taken now. */
    int inUse(LocationConfig location) {
        AtomicInteger n = open.get(location);
        return n == null ? 0 : n.get();
    }
}
