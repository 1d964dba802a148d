package dev.gatehouse.proxy.http2;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2Connection;
import io.netty.handler.codec.http2.Http2ConnectionDecoder;
import io.netty.handler.codec.http2.Http2ConnectionEncoder;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2FrameListenerDecorator;
import io.netty.handler.codec.http2.Http2FrameLogger;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2Stream;
import io.netty.handler.logging.LogLevel;

/**
 * Netty's frame codec, every check of its own kept, with two of its answers corrected:
 * <ul>
 *   <li>a HEADERS or DATA frame on a client stream Netty has already forgotten: Netty answers a
 *       stream error STREAM_CLOSED whatever the stream's history; {@link ClosedStreams} knows it,
 *       and a frame after END_STREAM both ways, or on an id the client skipped, becomes the
 *       connection error RFC 9113 5.1 and 5.1.1 require;</li>
 *   <li>a HEADERS frame on a half-closed (remote) stream: RFC 9113 5.1 makes it a stream error
 *       STREAM_CLOSED, but Netty 4.2 marks a stream opened by HEADERS with END_STREAM as having
 *       had its trailers too ({@code DefaultStream.activate} and {@code onHeadersRead} both count
 *       the block), and answers PROTOCOL_ERROR "too many headers" before it looks at the state.
 *       {@link InboundHeaders} tells which stream a HEADERS frame being refused was for.</li>
 * </ul>
 * One builder makes one codec (the observer of inbound HEADERS belongs to it).
 */
final class Http2ServerCodec extends Http2FrameCodec {

    private final ClosedStreams closed;
    private final InboundHeaders headers;

    private Http2ServerCodec(Http2ConnectionEncoder encoder, Http2ConnectionDecoder decoder, Http2Settings settings,
            boolean decoupleCloseAndGoAway, boolean flushPreface, InboundHeaders headers) {
        super(encoder, decoder, settings, decoupleCloseAndGoAway, flushPreface);
        this.headers = headers;
        headers.connection = connection();
        closed = new ClosedStreams(connection());
        // This listener hears of frames once Netty's checks passed them.
        decoder.frameListener(new Http2FrameListenerDecorator(decoder.frameListener()) {
            @Override
            public void onRstStreamRead(ChannelHandlerContext ctx, int streamId, long errorCode) throws Http2Exception {
                closed.reset(streamId); // Netty passes on resets of streams it still knows only
                super.onRstStreamRead(ctx, streamId, errorCode);
            }

            @Override
            public void onHeadersRead(ChannelHandlerContext ctx, int streamId, Http2Headers h, int padding,
                    boolean endOfStream) throws Http2Exception {
                headers.accepted();
                super.onHeadersRead(ctx, streamId, h, padding, endOfStream);
            }

            @Override
            public void onHeadersRead(ChannelHandlerContext ctx, int streamId, Http2Headers h, int streamDependency,
                    short weight, boolean exclusive, int padding, boolean endOfStream) throws Http2Exception {
                headers.accepted();
                super.onHeadersRead(ctx, streamId, h, streamDependency, weight, exclusive, padding, endOfStream);
            }
        });
    }

    /**
     * Notes the stream of each inbound HEADERS frame before Netty checks it, through the one hook
     * Netty offers ahead of its checks, the frame logger (which still logs at TRACE under
     * {@code dev.gatehouse.proxy.http2.frames} when that is enabled). The note is cleared once the
     * frame passed, so an error with a note pending is about that frame.
     */
    static final class InboundHeaders extends Http2FrameLogger {
        private Http2Connection connection;
        private int pending;

        InboundHeaders() {
            super(LogLevel.TRACE, "dev.gatehouse.proxy.http2.frames");
        }

        @Override
        public void logHeaders(Direction direction, ChannelHandlerContext ctx, int streamId, Http2Headers headers,
                int padding, boolean endStream) {
            note(direction, streamId);
            super.logHeaders(direction, ctx, streamId, headers, padding, endStream);
        }

        @Override
        public void logHeaders(Direction direction, ChannelHandlerContext ctx, int streamId, Http2Headers headers,
                int streamDependency, short weight, boolean exclusive, int padding, boolean endStream) {
            note(direction, streamId);
            super.logHeaders(direction, ctx, streamId, headers, streamDependency, weight, exclusive, padding,
                    endStream);
        }

        /** Notes an inbound HEADERS frame for a stream already half-closed (remote) when it came. */
        private void note(Direction direction, int streamId) {
            if (direction == Direction.INBOUND && connection != null) {
                Http2Stream s = connection.stream(streamId);
                pending = s != null && s.state() == Http2Stream.State.HALF_CLOSED_REMOTE ? streamId : 0;
            }
        }

        void accepted() {
            pending = 0;
        }

        /** The stream of a HEADERS frame on a half-closed (remote) stream being refused, or 0; and forgets it. */
        int refused() {
            int id = pending;
            pending = 0;
            return id;
        }
    }

    /** A builder with all of {@link Http2FrameCodecBuilder}'s options, for a server. */
    static Builder forServer() {
        return new Builder();
    }

    @Override
    public void onError(ChannelHandlerContext ctx, boolean outbound, Throwable cause) {
        Http2Exception e = Http2CodecUtil.getEmbeddedHttp2Exception(cause);
        int refusedHeaders = outbound ? 0 : headers.refused();
        if (!outbound && e instanceof Http2Exception.StreamException s) {
            int id = s.streamId();
            Http2Stream stream = connection().stream(id);
            if (id == refusedHeaders && s.error() == Http2Error.PROTOCOL_ERROR) {
                cause = Http2Exception.streamError(id, Http2Error.STREAM_CLOSED,
                        "HEADERS on stream %d, half-closed (remote) (%s)", id, s.getMessage());
            } else if (s.error() == Http2Error.STREAM_CLOSED && stream == null
                    && connection().remote().isValidStreamId(id) && connection().streamMayHaveExisted(id)) {
                switch (closed.ending(id)) {
                    case ENDED -> cause = Http2Exception.connectionError(Http2Error.STREAM_CLOSED,
                            "frame on stream %d after it ended both ways (%s)", id, s.getMessage());
                    case NEVER_OPENED -> cause = Http2Exception.connectionError(Http2Error.PROTOCOL_ERROR,
                            "stream %d opened after a higher stream id (%s)", id, s.getMessage());
                    case RESET -> {
                    }
                }
            }
            if (cause instanceof Http2Exception.StreamException) {
                closed.reset(id); // Netty answers it with RST_STREAM
            }
        }
        super.onError(ctx, outbound, cause);
    }

    /** {@link Http2FrameCodecBuilder} building an {@link Http2ServerCodec}. */
    static final class Builder extends Http2FrameCodecBuilder {
        private final InboundHeaders headers = new InboundHeaders();

        private Builder() {
            server(true);
            frameLogger(headers);
        }

        @Override
        protected Http2FrameCodec build(Http2ConnectionDecoder decoder, Http2ConnectionEncoder encoder,
                Http2Settings initialSettings) {
            Http2ServerCodec codec = new Http2ServerCodec(encoder, decoder, initialSettings, decoupleCloseAndGoAway(),
                    flushPreface(), headers);
            codec.gracefulShutdownTimeoutMillis(gracefulShutdownTimeoutMillis());
            return codec;
        }
    }
}
