package dev.gatehouse.proxy.http2;

import dev.gatehouse.conf.proxy.Http2Limits;
import dev.gatehouse.proxy.dispatch.Generation;
import dev.gatehouse.proxy.dispatch.ProxyContext;
import dev.gatehouse.proxy.exchange.Transport;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;

/**
 * The HTTP/2 handlers of a connection: Netty's frame codec ({@link Http2ServerCodec}, which
 * answers frames on closed streams as RFC 9113 says) with every flood protection set explicitly
 * from {@link Http2Limits}, the multiplexer that gives each stream a child channel
 * ({@link Http2StreamInitializer}), and {@link Http2ConnectionGuard}.
 */
public final class Http2Pipeline {

    private Http2Pipeline() {
    }

    /** Adds the HTTP/2 handlers at the end of {@code p}, with the limits of {@code g}. */
    public static void addTo(ChannelPipeline p, ProxyContext context, Generation g, Transport transport) {
        Http2FrameCodec codec = codec(g);
        p.addLast("h2", codec);
        p.addLast("h2-streams", new Http2MultiplexHandler(new Http2StreamInitializer(context, transport)));
        p.addLast("h2-guard", new Http2ConnectionGuard(codec, g.config().keepaliveTimeout()));
    }

    static Http2FrameCodec codec(Generation g) {
        Http2Limits l = g.config().http2();
        return Http2ServerCodec.forServer()
                .initialSettings(Http2Settings.defaultSettings()
                        .maxConcurrentStreams(l.maxConcurrentStreams())
                        // A header block larger than this gets 431; one past 1.25 times it
                        // (CONTINUATION frames that never end) is a connection error: GOAWAY.
                        .maxHeaderListSize(l.maxHeaderListSize().bytes()))
                .validateHeaders(true)
                // Rapid reset (CVE-2023-44487): HEADERS then RST_STREAM, thousands a second.
                .decoderEnforceMaxRstFramesPerWindow(l.maxResets(), (int) Math.max(1, l.resetWindow().toSeconds()))
                // PING and SETTINGS floods: acknowledgements the client never reads.
                .encoderEnforceMaxQueuedControlFrames(l.maxQueuedControlFrames())
                // On stop: GOAWAY, then streams in flight may finish for the shutdown window.
                .gracefulShutdownTimeoutMillis(g.config().shutdownTimeout().toMillis())
                .build();
    }
}
