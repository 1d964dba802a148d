package dev.gatehouse.appserver.master;

import io.netty.channel.Channel;

/** Everything the master reacts to; queued by signal handlers, process watchers and the control socket. */
sealed interface MasterEvent {

    /** A signal arrived (its name without SIG: HUP, TERM, INT, TTIN, TTOU, USR1). */
    record SignalReceived(String name) implements MasterEvent {
    }

    /** A worker process ended. */
    record WorkerExited(WorkerHandle worker, int exitCode) implements MasterEvent {
    }

    /** A line from a worker's control connection. */
    record ControlLine(Channel channel, String line) implements MasterEvent {
    }

    /** A command from {@code gatehouse ctl} on the admin socket; the answer goes back on the channel. */
    record AdminCommand(Channel channel, String line) implements MasterEvent {
    }

    /** The new master this one started for an upgrade ended. */
    record SuccessorExited(long pid, int exitCode) implements MasterEvent {
    }
}
