package dev.gatehouse.proxy.dispatch;

import io.netty.channel.Channel;

/**
 * The reasons reading from a client channel is paused, as one set: several handlers of a channel
 * pause reads for reasons of their own (the upstream cannot take more request body, the client
 * does not read its responses, a pipelined request waits its turn), and reads resume only when
 * no reason is left. Used on the channel's event loop only.
 */
public final class ReadPauses {

    /** Why reads are paused. */
    public enum Reason {
        /** The handler forwarding the request body cannot take more now. */
        REQUEST_BODY,
        /** The client does not take the responses: the channel is not writable. */
        CLIENT_NOT_READING,
        /** A pipelined request waits until the response before it is complete. */
        PIPELINED,
        /** A request asked to switch protocols: the next bytes belong to the new protocol. */
        UPGRADE
    }

    private final Channel channel;
    private int reasons;

    /** No pause yet on {@code channel}. */
    public ReadPauses(Channel channel) {
        this.channel = channel;
    }

    /** Pauses reads for {@code why}. */
    public void pause(Reason why) {
        if (reasons == 0) {
            channel.config().setAutoRead(false);
        }
        reasons |= 1 << why.ordinal();
    }

    /** Drops {@code why}; reads resume when it was the last reason. */
    public void resume(Reason why) {
        int before = reasons;
        reasons &= ~(1 << why.ordinal());
        if (before != 0 && reasons == 0) {
            channel.config().setAutoRead(true);
        }
    }

    /** Whether reads are paused for {@code why}. */
    public boolean paused(Reason why) {
        return (reasons & 1 << why.ordinal()) != 0;
    }

    /** Drops every reason and reads: a closing connection discards what the client still sends. */
    public void clear() {
        reasons = 0;
        channel.config().setAutoRead(true);
    }
}
