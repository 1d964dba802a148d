package dev.gatehouse.uwsgi;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;

import java.util.List;
import java.util.Objects;

/**
 * Decodes a stream of uwsgi request packets into, per request, one {@link UwsgiRequest} followed
 * by {@link UwsgiContent} chunks ending with exactly one {@linkplain UwsgiContent#isLast() last}
 * chunk ({@link UwsgiContent#EMPTY_LAST} for a bodyless request). Works for any split of the input
 * into reads; bytes after a body stay buffered for the next request on the connection.
 *
 * <p><b>State machine.</b> {@code HEADER} (4 bytes) → {@code VARS} ({@code datasize} bytes) →
 * {@code BODY} (exactly {@code CONTENT_LENGTH} bytes, emitted as they arrive, at most
 * {@link UwsgiDecoderConfig#maxChunkSize()} per chunk) → {@code HEADER}. Body chunks are retained
 * slices of the read buffers, never copied. The vars block is a retained slice too, except that by
 * default a block that arrived in direct memory is copied once into a heap buffer (see
 * {@link UwsgiDecoderConfig#copyVarsToHeap()} for why); {@link UwsgiVars} itself never copies.
 *
 * <p><b>Errors.</b> A refused modifier pair or a {@code datasize} over
 * {@link UwsgiDecoderConfig#maxVarsSize()} is refused from the header alone, before the block is
 * buffered; a malformed block or {@code CONTENT_LENGTH} when the block is complete. The decoder
 * throws only {@link UwsgiProtocolException} (offsets count from the packet's first byte), which
 * {@code ByteToMessageDecoder} passes to {@code exceptionCaught} unwrapped. Afterwards it discards
 * all further input: the connection is out of sync, and the handler is expected to close it.
 *
 * <p><b>End of input.</b> When the connection closes (or its input shuts down) in the middle of a
 * packet, the decoder first delivers any chunk it already decoded, then fires
 * {@code exceptionCaught} with a {@link UwsgiProtocolException} such as "connection closed with
 * 5 of 9 body bytes missing", then {@code channelInactive} follows. So an application reading the
 * body learns that it was truncated instead of seeing a short body. A close between requests is
 * clean and fires nothing. {@link #isMidRequest()} and {@link #bodyBytesRemaining()} report the
 * same state to a handler that wants to look itself (for instance on a read timeout).
 *
 * <p>The decoder never waits in a loop: with too few bytes it returns and waits for the next read.
 * Limiting how long a peer may take is the read timeout's job. One instance per channel.
 */
public class UwsgiRequestDecoder extends ByteToMessageDecoder {

    private enum State { HEADER, VARS, BODY, FAILED }

    private final UwsgiDecoderConfig config;

    private State state = State.HEADER;
    private int modifier1;
    private int modifier2;
    private int datasize;
    private long contentLength;
    private long bodyRemaining;

    /** A decoder with {@link UwsgiDecoderConfig#defaults()}. */
    public UwsgiRequestDecoder() {
        this(UwsgiDecoderConfig.defaults());
    }

    public UwsgiRequestDecoder(UwsgiDecoderConfig config) {
        this.config = Objects.requireNonNull(config, "config");
    }

    /** The limits and rules this decoder applies. */
    public UwsgiDecoderConfig config() {
        return config;
    }

    /**
     * Whether part of a packet has been received but not the whole of it (header, vars block or
     * body). False between requests and after a protocol error.
     */
    public boolean isMidRequest() {
        return switch (state) {
            case HEADER -> actualReadableBytes() > 0;
            case VARS, BODY -> true;
            case FAILED -> false;
        };
    }

    /** How many body bytes of the current request have not arrived yet; 0 outside a body. */
    public long bodyBytesRemaining() {
        return state == State.BODY ? bodyRemaining : 0;
    }

    /**
     * Decodes a packet that arrived whole, without a channel: for a server that reads a fresh
     * connection's first bytes itself and skips the pipeline when they are one complete request.
     *
     * <p>Returns the request when {@code in} holds exactly one complete packet (header, vars block
     * and all {@code CONTENT_LENGTH} body bytes, nothing after them) that a decoder with
     * {@code config} accepts; the reader index is then at the body's first byte, and the vars
     * block is held the way {@link #decode} holds it (a heap copy or a retained slice). Returns
     * null, with {@code in} untouched, for anything else: too few bytes, bytes past the body, or a
     * packet the decoder would refuse. The caller then feeds the same bytes to a decoder, which
     * waits for the rest or reports the error.
     */
    public static UwsgiRequest decodeWhole(ByteBuf in, UwsgiDecoderConfig config, ByteBufAllocator alloc) {
        int at = in.readerIndex();
        int readable = in.readableBytes();
        if (readable < PacketHeader.SIZE) {
            return null;
        }
        int m1 = in.getUnsignedByte(at + PacketHeader.MODIFIER1_OFFSET);
        int size = in.getUnsignedShortLE(at + PacketHeader.DATASIZE_OFFSET);
        int m2 = in.getUnsignedByte(at + PacketHeader.MODIFIER2_OFFSET);
        if (!config.modifierRule().accepts(m1, m2) || size > config.maxVarsSize()
                || readable < PacketHeader.SIZE + size) {
            return null;
        }
        ByteBuf block;
        if (config.copyVarsToHeap() && !in.hasArray()) {
            block = alloc.heapBuffer(size, size).writeBytes(in, at + PacketHeader.SIZE, size);
        } else {
            block = in.retainedSlice(at + PacketHeader.SIZE, size);
        }
        UwsgiVars vars;
        try {
            vars = UwsgiVars.parse(block, PacketHeader.SIZE);
        } catch (UwsgiProtocolException e) {
            block.release();
            return null;
        }
        long length;
        try {
            length = vars.contentLength();
        } catch (UwsgiProtocolException e) {
            length = -1;
        }
        if (length != readable - PacketHeader.SIZE - size) {
            vars.release();
            return null;
        }
        in.readerIndex(at + PacketHeader.SIZE + size);
        return new UwsgiRequest(m1, m2, vars, length);
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        // Each state either completes (consuming bytes) or returns for more input, so the loop
        // ends after at most one pass per buffered packet part.
        for (;;) {
            switch (state) {
                case HEADER -> {
                    if (in.readableBytes() < PacketHeader.SIZE) {
                        return;
                    }
                    readHeader(in);
                }
                case VARS -> {
                    if (in.readableBytes() < datasize) {
                        return;
                    }
                    readVars(ctx, in, out);
                }
                case BODY -> {
                    if (!in.isReadable()) {
                        return;
                    }
                    readBodyChunk(in, out);
                }
                case FAILED -> {
                    in.skipBytes(in.readableBytes());
                    return;
                }
            }
        }
    }

    private void readHeader(ByteBuf in) {
        int at = in.readerIndex();
        int m1 = in.getUnsignedByte(at + PacketHeader.MODIFIER1_OFFSET);
        int size = in.getUnsignedShortLE(at + PacketHeader.DATASIZE_OFFSET);
        int m2 = in.getUnsignedByte(at + PacketHeader.MODIFIER2_OFFSET);
        if (!config.modifierRule().accepts(m1, m2)) {
            throw fail(in, new UwsgiProtocolException("refused uwsgi packet with modifier1=" + m1 + " modifier2=" + m2
                    + ": this server accepts " + config.modifierRule().describe()
                    + " (behind nginx, check uwsgi_modifier1/uwsgi_modifier2)", PacketHeader.MODIFIER1_OFFSET));
        }
        if (size > config.maxVarsSize()) {
            throw fail(in, new UwsgiProtocolException("uwsgi vars block of " + size
                    + " bytes (header datasize) exceeds the configured maximum of " + config.maxVarsSize() + " bytes",
                    PacketHeader.DATASIZE_OFFSET));
        }
        in.skipBytes(PacketHeader.SIZE);
        modifier1 = m1;
        modifier2 = m2;
        datasize = size;
        state = State.VARS;
    }

    private void readVars(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        ByteBuf block;
        if (config.copyVarsToHeap() && !in.hasArray()) {
            block = ctx.alloc().heapBuffer(datasize, datasize).writeBytes(in, datasize);
        } else {
            block = in.readRetainedSlice(datasize);
        }
        UwsgiVars vars;
        long length;
        try {
            vars = UwsgiVars.parse(block, PacketHeader.SIZE);
            length = vars.contentLength();
        } catch (UwsgiProtocolException e) {
            block.release();
            throw fail(in, e);
        }
        out.add(new UwsgiRequest(modifier1, modifier2, vars, length));
        contentLength = length;
        if (length == 0) {
            out.add(UwsgiContent.EMPTY_LAST);
            state = State.HEADER;
        } else {
            bodyRemaining = length;
            state = State.BODY;
        }
    }

    private void readBodyChunk(ByteBuf in, List<Object> out) {
        int n = (int) Math.min(Math.min(in.readableBytes(), bodyRemaining), config.maxChunkSize());
        ByteBuf chunk = in.readRetainedSlice(n);
        bodyRemaining -= n;
        boolean last = bodyRemaining == 0;
        out.add(new UwsgiContent(chunk, last));
        if (last) {
            state = State.HEADER;
        }
    }

    private UwsgiProtocolException fail(ByteBuf in, UwsgiProtocolException e) {
        state = State.FAILED;
        in.skipBytes(in.readableBytes());
        return e;
    }

    @Override
    protected void decodeLast(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        // ByteToMessageDecoder has just run decode() over everything buffered; what is left is a
        // packet part that can no longer complete.
        UwsgiProtocolException truncated = truncation(in.readableBytes());
        in.skipBytes(in.readableBytes());
        if (truncated == null) {
            return;
        }
        state = State.FAILED;
        // Deliver chunks decoded before the close first, so the handler sees them before the error.
        if (!out.isEmpty()) {
            for (Object msg : out) {
                ctx.fireChannelRead(msg);
            }
            out.clear();
            ctx.fireChannelReadComplete();
        }
        ctx.fireExceptionCaught(truncated);
    }

    private UwsgiProtocolException truncation(int buffered) {
        return switch (state) {
            case HEADER -> buffered == 0 ? null : new UwsgiProtocolException("connection closed after " + buffered
                    + " of the 4 uwsgi header bytes", buffered);
            case VARS -> new UwsgiProtocolException("connection closed after " + buffered + " of the " + datasize
                    + "-byte uwsgi vars block", PacketHeader.SIZE + buffered);
            case BODY -> new UwsgiProtocolException("connection closed with " + bodyRemaining + " of " + contentLength
                    + " body bytes missing", PacketHeader.SIZE + datasize + (contentLength - bodyRemaining));
            case FAILED -> null;
        };
    }
}
