package dev.gatehouse.uwsgi;

import io.netty.util.ReferenceCounted;

import java.util.Objects;

/**
 * The head of one uwsgi request: the header's modifiers and the vars block. The body follows as
 * {@link UwsgiContent} messages, exactly {@link #contentLength()} bytes, the last one flagged
 * {@link UwsgiContent#isLast()}.
 *
 * <p>It owns its {@link UwsgiVars} and implements {@link ReferenceCounted} by delegating to them:
 * releasing the request releases the vars block. The decoder hands out requests with one
 * reference; whoever consumes the request releases it.
 */
public final class UwsgiRequest implements ReferenceCounted {

    private final int modifier1;
    private final int modifier2;
    private final UwsgiVars vars;
    private final long contentLength;

    /**
     * A request to encode, taking over the caller's reference to {@code vars}.
     *
     * @throws IllegalArgumentException when a modifier is outside 0..255
     * @throws UwsgiProtocolException   when the vars hold an unusable {@code CONTENT_LENGTH}
     */
    public UwsgiRequest(int modifier1, int modifier2, UwsgiVars vars) {
        this(modifier1, modifier2, vars, Objects.requireNonNull(vars, "vars").contentLength());
    }

    /** The decoder's constructor: it has validated the modifiers and parsed the length already. */
    UwsgiRequest(int modifier1, int modifier2, UwsgiVars vars, long contentLength) {
        PacketHeader.checkModifier("modifier1", modifier1);
        PacketHeader.checkModifier("modifier2", modifier2);
        this.modifier1 = modifier1;
        this.modifier2 = modifier2;
        this.vars = vars;
        this.contentLength = contentLength;
    }

    /** The packet's {@code modifier1}: 0 for nginx's default (WSGI-style), 8 for uWSGI's JVM plugin. */
    public int modifier1() {
        return modifier1;
    }

    /** The packet's {@code modifier2}: 0 for both WSGI-style and JWSGI requests. */
    public int modifier2() {
        return modifier2;
    }

    /** The request's vars; valid while this request is not released. */
    public UwsgiVars vars() {
        return vars;
    }

    /** The body length in bytes from {@code CONTENT_LENGTH} (0 when absent or empty). */
    public long contentLength() {
        return contentLength;
    }

    @Override
    public int refCnt() {
        return vars.refCnt();
    }

    @Override
    public UwsgiRequest retain() {
        vars.retain();
        return this;
    }

    @Override
    public UwsgiRequest retain(int increment) {
        vars.retain(increment);
        return this;
    }

    @Override
    public UwsgiRequest touch() {
        vars.touch();
        return this;
    }

    @Override
    public UwsgiRequest touch(Object hint) {
        vars.touch(hint);
        return this;
    }

    @Override
    public boolean release() {
        return vars.release();
    }

    @Override
    public boolean release(int decrement) {
        return vars.release(decrement);
    }

    @Override
    public String toString() {
        return "UwsgiRequest(modifier1=" + modifier1 + ", modifier2=" + modifier2 + ", " + vars
                + ", contentLength=" + contentLength + ")";
    }
}
