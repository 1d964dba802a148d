package dev.gatehouse.proxy.http2;

import dev.gatehouse.proxy.dispatch.CutResponse;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.LastHttpContent;

/**
 * What is left of connection policy on one HTTP/2 stream: a response that would close an
 * HTTP/1 connection ({@code Connection: close}: a refused body, a broken request), or one that
 * was cut ({@link CutResponse}), closes the stream channel once what was written is out. A
 * stream whose request is complete is closed by then and stays so; one whose request body still
 * comes is reset, which takes the place of HTTP/1's lingering close. It reads the response's
 * own head before the frame codec drops the {@code Connection} header.
 */
final class Http2StreamEnd extends ChannelOutboundHandlerAdapter {

    private boolean closeAfterResponse;
    /** The latest write, which completes after every earlier one. */
    private ChannelFuture lastWrite;

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg == CutResponse.INSTANCE) {
            promise.trySuccess();
            closeAfterWrites(ctx);
            return;
        }
        boolean informational = msg instanceof HttpResponse head
                && head.status().codeClass() == HttpStatusClass.INFORMATIONAL;
        if (msg instanceof HttpResponse head && !informational) {
            closeAfterResponse = head.headers().containsValue(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE, true);
        }
        ChannelPromise p = promise.unvoid();
        lastWrite = p;
        ctx.write(msg, p);
        if (closeAfterResponse && msg instanceof LastHttpContent && !informational) {
            closeAfterWrites(ctx);
        }
    }

    /** Closing at once would reset the stream before flow control let the last frames out. */
    private void closeAfterWrites(ChannelHandlerContext ctx) {
        ChannelFuture last = lastWrite;
        ctx.flush();
        if (last == null || last.isDone()) {
            ctx.close();
        } else {
            last.addListener(ChannelFutureListener.CLOSE);
        }
    }
}
