package dev.gatehouse.proxy.upstream;

import dev.gatehouse.conf.proxy.UpstreamServer;

/**
 * One server of a pool and its shared state: the balancer's weight and active count, passive
 * health as nginx's round-robin module keeps it ({@code max_fails} failures, each within
 * {@code fail_timeout} of the previous one, take the server out for {@code fail_timeout}), and
 * whether it keeps connections open after a response. Guarded by the pool's lock, except the
 * volatile {@link #keepsConnections}.
 */
final class UpstreamPeer {

    /** Pooled connections a server closed before their reuse, in a row, before it counts as one that never keeps them (real uWSGI). */
    static final int CLOSES_BEFORE_NO_REUSE = 3;

    final UpstreamServer server;
    final String name;
    int currentWeight;
    int active;
    int fails;
    long checkedNanos;
    private int closedIdle;
    private volatile boolean keepsConnections = true;

    UpstreamPeer(UpstreamServer server) {
        this.server = server;
        this.name = server.address().toString();
    }

    /** Whether max_fails/fail_timeout currently keep this server out of rotation. */
    boolean down(long now, boolean healthChecked) {
        return healthChecked && server.maxFails() > 0 && fails >= server.maxFails()
                && now - checkedNanos <= server.failTimeout().toNanos();
    }

    void failed(long now) {
        if (now - checkedNanos > server.failTimeout().toNanos()) {
            fails = 0;
        }
        fails++;
        checkedNanos = now;
    }

    void succeeded() {
        fails = 0;
    }

    /** Whether connections to it are worth keeping after a framed response. */
    boolean keepsConnections() {
        return keepsConnections;
    }

    /**
     * A pooled connection was closed by the server before it was used again. A server that does
     * this every time closes after each response (real uWSGI ignores GATEHOUSE_KEEPALIVE): its
     * connections are then not pooled any more, so no request ever meets a stale one.
     */
    synchronized void closedWhileIdle() {
        if (++closedIdle >= CLOSES_BEFORE_NO_REUSE) {
            keepsConnections = false;
        }
    }

    /** A pooled connection served another request: the server does keep connections. */
    synchronized void reused() {
        closedIdle = 0;
    }

    @Override
    public String toString() {
        return name;
    }
}
