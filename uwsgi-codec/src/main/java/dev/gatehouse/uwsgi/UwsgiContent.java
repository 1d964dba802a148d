package dev.gatehouse.uwsgi;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.DefaultByteBufHolder;
import io.netty.buffer.Unpooled;

/**
 * A chunk of a uwsgi request body. The decoder emits chunks as bytes arrive (no waiting for the
 * whole body); the chunk that completes {@code CONTENT_LENGTH} has {@link #isLast()} set, and a
 * bodyless request is followed by {@link #EMPTY_LAST}, so every request ends with exactly one
 * last chunk.
 *
 * <p>Owns one reference to its buffer, like any {@link io.netty.buffer.ByteBufHolder}.
 */
public final class UwsgiContent extends DefaultByteBufHolder {

    /**
     * The end of a bodyless request. It wraps {@link Unpooled#EMPTY_BUFFER}, whose retain and
     * release do nothing, so it may be released any number of times and shared across channels.
     */
    public static final UwsgiContent EMPTY_LAST = new UwsgiContent(Unpooled.EMPTY_BUFFER, true);

    private final boolean last;

    /** A chunk owning {@code content}; {@code last} marks the end of the body. */
    public UwsgiContent(ByteBuf content, boolean last) {
        super(content);
        this.last = last;
    }

    /** A chunk that more body bytes follow. */
    public static UwsgiContent of(ByteBuf content) {
        return new UwsgiContent(content, false);
    }

    /** The final chunk of a body. */
    public static UwsgiContent last(ByteBuf content) {
        return new UwsgiContent(content, true);
    }

    /** Whether this chunk ends the request body. */
    public boolean isLast() {
        return last;
    }

    @Override
    public UwsgiContent replace(ByteBuf content) {
        return new UwsgiContent(content, last);
    }

    @Override
    public UwsgiContent copy() {
        return (UwsgiContent) super.copy();
    }

    @Override
    public UwsgiContent duplicate() {
        return (UwsgiContent) super.duplicate();
    }

    @Override
    public UwsgiContent retainedDuplicate() {
        return (UwsgiContent) super.retainedDuplicate();
    }

    @Override
    public UwsgiContent retain() {
        super.retain();
        return this;
    }

    @Override
    public UwsgiContent retain(int increment) {
        super.retain(increment);
        return this;
    }

    @Override
    public UwsgiContent touch() {
        super.touch();
        return this;
    }

    @Override
    public UwsgiContent touch(Object hint) {
        super.touch(hint);
        return this;
    }

    @Override
    public boolean equals(Object o) {
        return super.equals(o) && ((UwsgiContent) o).last == last;
    }

    @Override
    public int hashCode() {
        return 31 * super.hashCode() + Boolean.hashCode(last);
    }

    @Override
    public String toString() {
        return "UwsgiContent(" + (last ? "last, " : "") + content().readableBytes() + " bytes)";
    }
}
