package dev.gatehouse.appserver.worker;

import dev.gatehouse.appserver.api.Response;
import io.netty.buffer.ByteBuf;

/**
 * What {@link DirectServe} gives the channel that takes a connection over from it: the bytes
 * it read, or a request it ran whose response it could not finish without a channel.
 *
 * <p>Owned by whoever holds it: the channel, or {@link #abandon} when none can take it.
 */
sealed interface Handover {

    /**
     * No channel takes the connection (the worker is closing, or the channel could not be made):
     * lets go of what was handed over, and ends its request.
     */
    void abandon(RequestPolicy policy);

    /** The bytes read from the connection so far, maybe none: the channel's first read. */
    record Unread(ByteBuf bytes) implements Handover {
        @Override
        public void abandon(RequestPolicy policy) {
            bytes.release();
        }
    }

    /** A request that ran, whose response goes out through a channel: a streamed or file body. */
    record Unsent(Exchange exchange, Response response) implements Handover {
        @Override
        public void abandon(RequestPolicy policy) {
            policy.end(exchange);
        }
    }

    /** A response encoded whole that the socket took only part of; {@code rest} is what is left of it. */
    record HalfSent(Exchange exchange, ByteBuf rest) implements Handover {
        @Override
        public void abandon(RequestPolicy policy) {
            rest.release();
            policy.end(exchange);
        }
    }
}
