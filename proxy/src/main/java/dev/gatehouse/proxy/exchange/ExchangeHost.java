package dev.gatehouse.proxy.exchange;

import io.netty.channel.ChannelHandler;
import io.netty.util.AsciiString;

/**
 * The side of a client connection (or HTTP/2 stream) an {@link Exchange} answers through: it
 * writes and flushes the response, paces the request body, serves internal redirects and learns
 * when the exchange is over. The dispatcher implements it; the exchange sits below the
 * dispatcher and knows it only by this interface. Every method is called on the event loop.
 */
public interface ExchangeHost {

    /** How the connection reached the proxy. */
    Transport transport();

    /** The {@code Server} header to add, or null for none. */
    AsciiString serverHeader();

    /** Writes one response message, flushing it now or at the end of the current batch. */
    void write(Object msg);

    /** Holds back (true) or releases (false) flushes; see {@link Exchange#holdFlushes}. */
    void holdFlushes(boolean hold);

    /** Pauses or resumes reading the request body. */
    void requestBodyReads(boolean read);

    /** Serves {@code ex} again from another path: see {@link Exchange#internalRedirect}. */
    void internalRedirect(Exchange ex, String uri);

    /** The response of {@code ex} is complete; its last part is written next. */
    void exchangeFinished(Exchange ex);

    /**
     * {@code ex} was cut off before its response was complete (the client went away, a handler
     * gave up): the connection (or HTTP/2 stream) ends after what was written.
     */
    void exchangeCut(Exchange ex);

    /** Whether the connection may become a tunnel now: the client sent nothing after its upgrade request. */
    boolean mayUpgrade();

    /**
     * {@code ex} was answered with 101: the connection leaves HTTP, and {@code tunnel} takes its
     * bytes from now on.
     */
    void upgraded(Exchange ex, ChannelHandler tunnel);
}
