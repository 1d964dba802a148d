package dev.gatehouse.proxy.dispatch;

import dev.gatehouse.proxy.accesslog.AccessLog;
import dev.gatehouse.proxy.statics.StaticFiles;
import io.netty.channel.group.ChannelGroup;

/**
 * What every connection of one proxy shares: the current {@link Generation}, the static file
 * service, the access log, the open connections, and whether the proxy is draining for a stop.
 */
public final class ProxyContext {

    private volatile Generation generation;
    private volatile boolean draining;
    private final StaticFiles statics;
    private final AccessLog accessLog;
    private final ChannelGroup connections;

    /** A context starting with this generation. */
    public ProxyContext(Generation generation, StaticFiles statics, AccessLog accessLog, ChannelGroup connections) {
        this.generation = generation;
        this.statics = statics;
        this.accessLog = accessLog;
        this.connections = connections;
    }

    /** The current generation. */
    public Generation generation() {
        return generation;
    }

    /** Swaps in a new generation and returns the old one. */
    public Generation swap(Generation next) {
        Generation old = generation;
        generation = next;
        return old;
    }

    /** Whether the proxy is stopping: no new keep-alive, idle connections closed. */
    public boolean draining() {
        return draining;
    }

    /** Starts draining for a stop. */
    public void startDraining() {
        draining = true;
    }

    /** The static file service. */
    public StaticFiles statics() {
        return statics;
    }

    /** The access log. */
    public AccessLog accessLog() {
        return accessLog;
    }

    /** The open client connections. */
    public ChannelGroup connections() {
        return connections;
    }
}
