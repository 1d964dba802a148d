package dev.gatehouse.appserver.worker;

import dev.gatehouse.appserver.api.Body;
import dev.gatehouse.appserver.api.Response;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends an exchange's response on its channel, and decides what a failure leaves the front: a
 * 500 while nothing went out yet, else a connection closed mid-response, so that a broken
 * response never reads as a complete one.
 *
 * <p>One per worker. Streamed bodies wait for the client, so they are never written on the
 * event loop; the outcome of each response goes to the connection's {@link Done}.
 */
final class ChannelResponder {

    private static final Logger log = LoggerFactory.getLogger(ChannelResponder.class);

    /** Told once per response when it is out, or failed (the channel is closing then); on any thread. */
    interface Done {
        void responded(Exchange ex, boolean ok);
    }

    private final WorkerRuntime rt;

    ChannelResponder(WorkerRuntime rt) {
        this.rt = rt;
    }

    /** Sends the response, from a request thread for a streamed body; may block on a slow client. */
    void deliver(Channel ch, WritabilityGate gate, Exchange ex, Response response, Done done) {
        Body body = response.body();
        if ((body instanceof Body.Stream || body instanceof Body.Streaming) && ch.eventLoop().inEventLoop()) {
            rt.executor().execute(() -> send(ch, gate, ex, response, done));
        } else {
            send(ch, gate, ex, response, done);
        }
    }

    /** Sends what is left of a response that {@link DirectServe} began on the bare socket. */
    void sendRest(Channel ch, Exchange ex, ByteBuf rest, Done done) {
        ex.answering = true;
        ch.writeAndFlush(rest).addListener(f -> done.responded(ex, f.isSuccess()));
    }

    private void send(Channel ch, WritabilityGate gate, Exchange ex, Response response, Done done) {
        ex.answering = true;
        boolean head = "HEAD".equals(ex.request.method());
        ResponseWriter.Sent sent;
        try {
            sent = rt.writer().write(ch, gate, response, head, ex.chunkedOk);
        } catch (ResponseWriter.BrokenResponseException e) {
            logBroken(ex, e);
            closeFailed(ch, ex, done);
            return;
        } catch (IOException e) {
            if (e instanceof WritabilityGate.ClientGoneException) {
                closeFailed(ch, ex, done);
                return;
            }
            // Nothing was written yet: the client can still get a proper 500.
            rt.stats().exception();
            log.error("worker {}: {}: cannot send the response, answered 500: {}",
                    rt.options().workerId(), ex.requestLine, e.toString());
            try {
                sent = rt.writer().write(ch, gate, RequestPolicy.SERVER_ERROR, head, ex.chunkedOk);
            } catch (IOException again) {
                closeFailed(ch, ex, done);
                return;
            }
        }
        ex.untilClose = sent.untilClose();
        sent.done().addListener(f -> done.responded(ex, f.isSuccess()));
    }

    private static void closeFailed(Channel ch, Exchange ex, Done done) {
        ch.close();
        ch.eventLoop().execute(() -> done.responded(ex, false));
    }

    private void logBroken(Exchange ex, IOException e) {
        Throwable cause = e.getCause() != null ? e.getCause() : e;
        if (cause instanceof WritabilityGate.ClientGoneException) {
            log.info("worker {}: {}: front server went away mid-response ({})",
                    rt.options().workerId(), ex.requestLine, e.getMessage());
        } else {
            rt.stats().exception();
            log.error("worker {}: {}: response broken off, connection closed: {}: {}{}",
                    rt.options().workerId(), ex.requestLine, e.getMessage(), cause, RequestPolicy.where(cause));
        }
    }
}
