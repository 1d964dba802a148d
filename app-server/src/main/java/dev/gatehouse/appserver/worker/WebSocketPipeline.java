package dev.gatehouse.appserver.worker;

import dev.gatehouse.appserver.api.WebSocketAccept;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.websocketx.Utf8FrameValidator;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameDecoder;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameEncoder;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.netty.handler.codec.http.websocketx.extensions.WebSocketServerExtension;

/**
 * The handlers of a connection after its 101, one concern each, all Netty's but the last:
 * the RFC 6455 frame decoder (masked client frames, frame size limit; a protocol violation
 * answered with the right close status) and encoder (unmasked), the permessage-deflate codec when
 * agreed, the UTF-8 check of text messages, the fragment aggregator (message size limit), then
 * the {@link WebSocketSession}.
 */
final class WebSocketPipeline {

    private WebSocketPipeline() {
    }

    /**
     * Replaces the uwsgi handlers of {@code p} with the WebSocket ones. The uwsgi decoder goes
     * last: it hands the bytes it holds but had not decoded to the frame decoder.
     */
    static void install(ChannelPipeline p, WebSocketAccept accept, WebSocketServerExtension extension,
            WebSocketSession session) {
        if (p.get("read-timeout") != null) {
            // An open socket may be silent for as long as its application likes.
            p.remove("read-timeout");
        }
        // A compressed frame may be a little larger than what it inflates to (incompressible
        // data): the limit of its payload leaves deflate's worst-case growth (zlib's
        // compressBound), and the message limit applies to the inflated bytes.
        int frameLimit = accept.maxFrameSize();
        if (extension != null) {
            frameLimit = (int) Math.min(Integer.MAX_VALUE, (long) frameLimit + (frameLimit >> 12) + (frameLimit >> 14) + 64);
        }
        WebSocketDecoderConfig config = WebSocketDecoderConfig.newBuilder()
                .maxFramePayloadLength(frameLimit)
                .expectMaskedFrames(true)
                .allowMaskMismatch(false)
                .allowExtensions(extension != null)
                // The session sends the close and keeps reading until the peer's answer: a peer
                // still sending when the connection is cut gets a reset and loses the close frame.
                .closeOnProtocolViolation(false)
                .withUTF8Validator(true)
                .build();
        String at = "uwsgi-decoder";
        at = add(p, at, "ws-decoder", new WebSocket13FrameDecoder(config));
        at = add(p, at, "ws-encoder", new WebSocket13FrameEncoder(false));
        if (extension != null) {
            at = add(p, at, "ws-inflater", extension.newExtensionDecoder());
            at = add(p, at, "ws-deflater", extension.newExtensionEncoder());
        }
        at = add(p, at, "ws-utf8", new Utf8FrameValidator(false));
        at = add(p, at, "ws-aggregator", new WebSocketFrameAggregator(accept.maxMessageSize()));
        add(p, at, "ws-session", session);
        p.remove("uwsgi-decoder");
    }

    private static String add(ChannelPipeline p, String after, String name, io.netty.channel.ChannelHandler h) {
        p.addAfter(after, name, h);
        return name;
    }
}
