package dev.gatehouse.appserver.worker;

import dev.gatehouse.uwsgi.UwsgiRequest;

/**
 * One request on a connection, from its packet to its last response byte. Lives on the event
 * loop; only {@link #untilClose} is written from the application's thread.
 */
final class Exchange {
    final UwsgiRequest packet;
    final RequestBody body;
    final VarsRequest request;
    /** Kept as text: logs may need it after the vars were released. */
    final String requestLine;
    final boolean keepAlive;
    final boolean chunkedOk;
    /** Runs on the event loop once the whole body is in (event-loop dispatch, or the app's hint). */
    final boolean inline;
    final long startNanos = System.nanoTime();
    /** Its {@link WorkerStats#enter} id while the request is counted in flight, else 0 ({@link RequestPolicy}). */
    long statsId;
    boolean bodyReceived;
    boolean dispatched;
    boolean responded;
    /**
     * The response has started to go out (set by the thread that writes it): a front closing now,
     * mid-body, has the answer or is getting it, as nginx does with every such exchange.
     */
    volatile boolean answering;
    boolean released;
    volatile boolean untilClose;

    Exchange(UwsgiRequest packet, RequestBody body, boolean keepAlive, boolean chunkedOk, boolean inline) {
        this.packet = packet;
        this.body = body;
        this.request = new VarsRequest(packet.vars(), body);
        this.requestLine = request.requestLine();
        this.keepAlive = keepAlive;
        this.chunkedOk = chunkedOk;
        this.inline = inline;
    }

    void release() {
        if (!released) {
            released = true;
            packet.release();
        }
    }
}
