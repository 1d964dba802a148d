package dev.gatehouse.proxy.upstream;

import dev.gatehouse.conf.proxy.ProxyConfig;
import dev.gatehouse.proxy.exchange.Exchange;
import io.netty.handler.codec.http.HttpContent;

/**
 * The seam for forwarding requests to uwsgi upstreams: the HTTP front calls it for every request
 * whose location names an upstream (directly, or after {@code try_files} found no file). The
 * proxy refuses to start, or to reload, a config with such a location when no implementation is
 * registered, so a request is never answered by a stub.
 *
 * <p>Threading: every method is called on the client connection's event loop, and the
 * implementation writes the response through the {@link Exchange} (from any thread; the exchange
 * hops to the event loop). Requests of one connection are handed over one at a time: the next
 * pipelined request waits until {@link Exchange#finish()} (or an error response) ends this one.
 */
public interface UpstreamHandler extends AutoCloseable {

    /**
     * Starts forwarding one request. The request head is {@link Exchange#request()}; its decoded
     * path is {@link Exchange#path()}.
     *
     * @param exchange the client exchange to answer
     * @param upstream the name of the {@code [upstream.NAME]} pool
     * @return where the request body goes, part by part; for a request without a body the sink
     *     still gets one (empty) last part
     */
    RequestBodySink forward(Exchange exchange, String upstream);

    /** Releases pools and connections; called when a reload replaced this handler, and at stop. */
    @Override
    default void close() {
    }

    /** Receives a request body as the client sends it. */
    interface RequestBodySink {
        /**
         * One part of the body; the sink owns (and must release) it. A
         * {@link io.netty.handler.codec.http.LastHttpContent} ends the body.
         */
        void content(HttpContent part);

        /** The client went away or sent a broken body; nothing more comes. */
        void abort(String reason);
    }

    /** Makes the handler for a configuration: at start and on every reload. */
    @FunctionalInterface
    interface Factory {
        /**
         * A handler for this config's upstreams.
         *
         * @throws dev.gatehouse.conf.ConfigException when the upstreams cannot be served
         */
        UpstreamHandler create(ProxyConfig config);
    }
}
