package dev.gatehouse.appserver.master;

import dev.gatehouse.appserver.control.Heartbeat;
import io.netty.channel.Channel;

/** The master's record of one worker process. Touched only by the master's loop thread. */
final class WorkerHandle {

    enum State {
        /** Spawned; the app is loading. */
        STARTING,
        /** Accepting requests. */
        READY,
        /** Told to stop gracefully; still finishing requests. */
        STOPPING
    }

    final int id;
    final int generation;
    final Process process;
    final long pid;
    final long spawnedAtMillis = System.currentTimeMillis();
    final long spawnedAtNanos = System.nanoTime();
    final long maxRequests;
    State state = State.STARTING;
    Channel control;
    long lastSeenNanos = System.nanoTime();
    long readyAtNanos;
    long stopDeadlineNanos;
    Heartbeat heartbeat = Heartbeat.NONE;
    /** When {@link #heartbeat} arrived. */
    long heartbeatNanos;
    long rssBytes;
    /** The worker this one replaces once ready (max_requests, reload_on_rss, harakiri). */
    WorkerHandle replaces;
    /** SIGKILL was sent: only its exit is awaited now. */
    boolean killed;
    /** Why this worker is being stopped, for the log. */
    String stopReason;

    WorkerHandle(int id, int generation, Process process, long maxRequests) {
        this.id = id;
        this.generation = generation;
        this.process = process;
        this.pid = process.pid();
        this.maxRequests = maxRequests;
    }

    boolean isActive() {
        return state != State.STOPPING;
    }

    @Override
    public String toString() {
        return "worker " + id + " (pid " + pid + ")";
    }
}
