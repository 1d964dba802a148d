package dev.gatehouse.uwsgi;

import io.netty.handler.codec.DecoderException;

/**
 * A uwsgi packet broke the wire contract: a length running past its block, an empty key, a
 * refused modifier, a vars block over the limit, an unusable {@code CONTENT_LENGTH}, or a
 * connection that closed in the middle of a packet.
 *
 * <p>It extends {@link DecoderException} so that {@code ByteToMessageDecoder} passes it through
 * unwrapped: a handler's {@code exceptionCaught} sees this type and can log {@link #getMessage()}
 * (which already names what was wrong and where) before closing the connection.
 *
 * <p>{@link #offset()} counts bytes from the start of the packet (its {@code modifier1} byte) when
 * the error comes from {@link UwsgiRequestDecoder}, and from the start of the vars block when it
 * comes from {@link UwsgiVars#parse(io.netty.buffer.ByteBuf)}.
 */
public class UwsgiProtocolException extends DecoderException {

    private static final long serialVersionUID = 1L;

    private final long offset;

    /**
     * @param message what was wrong; the offset is appended as "(at byte offset N)" when known
     * @param offset  where in the packet (or vars block) the fault was found, or -1 when no single
     *                byte is to blame
     */
    public UwsgiProtocolException(String message, long offset) {
        super(offset >= 0 ? message + " (at byte offset " + offset + ")" : message);
        this.offset = offset;
    }

    /** A fault with no byte offset, such as a refused configuration of the encoder side. */
    public UwsgiProtocolException(String message) {
        this(message, -1);
    }

    /** The byte offset of the fault, or -1 when not applicable. */
    public long offset() {
        return offset;
    }
}
