package dev.gatehouse.proxy.server;

import dev.gatehouse.conf.proxy.ListenConfig;
import dev.gatehouse.proxy.dispatch.Generation;
import dev.gatehouse.proxy.dispatch.ProxyContext;
import dev.gatehouse.proxy.exchange.Transport;
import dev.gatehouse.proxy.http1.Http1Pipeline;
import dev.gatehouse.proxy.http2.Http2Pipeline;
import dev.gatehouse.proxy.tls.ConnectionErrors;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.ApplicationProtocolNegotiationHandler;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * After the TLS handshake, sets the connection up for the protocol ALPN chose: HTTP/2 for
 * {@code h2}, HTTP/1.1 otherwise (a client without ALPN included). A failed handshake is one
 * INFO line with the client's address and the reason, never a stack trace: on an internet-facing
 * port scanners and old clients fail handshakes all day.
 */
public final class AlpnSwitch extends ApplicationProtocolNegotiationHandler {

    private static final Logger log = LoggerFactory.getLogger(AlpnSwitch.class);

    private final ProxyContext context;
    private final Generation generation;
    private final ListenConfig listener;
    private boolean failureLogged;

    /** A switch for a connection accepted under {@code generation} on {@code listener}. */
    public AlpnSwitch(ProxyContext context, Generation generation, ListenConfig listener) {
        super(ApplicationProtocolNames.HTTP_1_1);
        this.context = context;
        this.generation = generation;
        this.listener = listener;
    }

    @Override
    protected void configurePipeline(ChannelHandlerContext ctx, String protocol) {
        if (ApplicationProtocolNames.HTTP_2.equals(protocol) && listener.http2()) {
            Http2Pipeline.addTo(ctx.pipeline(), context, generation, new Transport(true, true, listener));
        } else {
            Http1Pipeline.addTo(ctx.pipeline(), context, generation, new Transport(true, false, listener));
        }
    }

    @Override
    protected void handshakeFailure(ChannelHandlerContext ctx, Throwable cause) {
        logFailure(ctx, cause);
        ctx.close();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // A handshake error can arrive both here and in handshakeFailure: logged once.
        if (cause instanceof SSLException || cause.getCause() instanceof SSLException) {
            logFailure(ctx, cause);
        } else {
            log.debug("{}: closing before the protocol was chosen: {}", ctx.channel().remoteAddress(),
                    ConnectionErrors.reason(cause));
        }
        ctx.close();
    }

    private void logFailure(ChannelHandlerContext ctx, Throwable cause) {
        if (!failureLogged) {
            failureLogged = true;
            log.info("{}: TLS handshake failed: {}", ctx.channel().remoteAddress(), ConnectionErrors.reason(cause));
        }
    }
}
