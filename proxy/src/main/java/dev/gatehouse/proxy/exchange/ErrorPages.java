package dev.gatehouse.proxy.exchange;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The bodies of error responses: one short plain-text line, {@code "404 Not Found\n"}, built once
 * per status. Nothing from the request is echoed, so an error page cannot carry injected markup.
 */
final class ErrorPages {

    private static final ConcurrentHashMap<Integer, ByteBuf> PAGES = new ConcurrentHashMap<>();

    private ErrorPages() {
    }

    /** A read-only duplicate of the page for this status; nothing to release. */
    static ByteBuf page(HttpResponseStatus status) {
        return PAGES.computeIfAbsent(status.code(), c -> Unpooled.unreleasableBuffer(
                Unpooled.wrappedBuffer((status.code() + " " + status.reasonPhrase() + "\n")
                        .getBytes(StandardCharsets.US_ASCII)).asReadOnly())).duplicate();
    }
}
