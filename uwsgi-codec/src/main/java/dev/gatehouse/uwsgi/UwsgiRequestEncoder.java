package dev.gatehouse.uwsgi;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.EncoderException;
import io.netty.handler.codec.MessageToMessageEncoder;

import java.util.List;

/**
 * Encodes outgoing requests for a uwsgi backend: a {@link UwsgiRequest} becomes one buffer with
 * the 4-byte header and the vars block; each {@link UwsgiContent} passes on as its own buffer,
 * not copied. Other messages pass through untouched.
 *
 * <p>It checks the framing the backend will rely on, because a body longer or shorter than
 * {@code CONTENT_LENGTH} would desynchronise a persistent upstream connection (the next request
 * would be read as body, or the body as a request). It throws {@link EncoderException} when a
 * chunk would overrun {@code CONTENT_LENGTH}, when a last chunk arrives with body bytes still
 * owed, or when a request starts before the previous body is complete. After a complete body an
 * extra {@link UwsgiContent#EMPTY_LAST} is accepted, so decoder output can be forwarded as is.
 * One instance per channel.
 */
public class UwsgiRequestEncoder extends MessageToMessageEncoder<Object> {

    private long bodyRemaining;

    @Override
    public boolean acceptOutboundMessage(Object msg) {
        return msg instanceof UwsgiRequest || msg instanceof UwsgiContent;
    }

    @Override
    protected void encode(ChannelHandlerContext ctx, Object msg, List<Object> out) {
        if (msg instanceof UwsgiRequest request) {
            encodeRequest(ctx, request, out);
        } else {
            encodeContent((UwsgiContent) msg, out);
        }
    }

    private void encodeRequest(ChannelHandlerContext ctx, UwsgiRequest request, List<Object> out) {
        if (bodyRemaining != 0) {
            throw new EncoderException("uwsgi request written while " + bodyRemaining
                    + " body bytes of the previous request are still owed");
        }
        UwsgiVars vars = request.vars();
        // One buffer for header and vars: a few hundred bytes copied buys a single write.
        ByteBuf buf = ctx.alloc().ioBuffer(PacketHeader.SIZE + vars.encodedSize());
        PacketHeader.write(buf, request.modifier1(), vars.encodedSize(), request.modifier2());
        vars.encodeTo(buf);
        out.add(buf);
        bodyRemaining = request.contentLength();
    }

    private void encodeContent(UwsgiContent content, List<Object> out) {
        ByteBuf body = content.content();
        int n = body.readableBytes();
        if (n > bodyRemaining) {
            throw new EncoderException("uwsgi body chunk of " + n + " bytes overruns CONTENT_LENGTH: only "
                    + bodyRemaining + " bytes remain");
        }
        bodyRemaining -= n;
        if (content.isLast() && bodyRemaining != 0) {
            throw new EncoderException("last uwsgi body chunk leaves " + bodyRemaining
                    + " bytes of CONTENT_LENGTH unsent");
        }
        // MessageToMessageEncoder releases the holder after encode(); retain so the buffer lives on.
        out.add(body.retain());
    }

    /** Body bytes still owed for the request last written; 0 when the body is complete. */
    public long bodyBytesRemaining() {
        return bodyRemaining;
    }
}
