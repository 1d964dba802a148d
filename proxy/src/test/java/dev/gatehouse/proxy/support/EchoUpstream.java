package dev.gatehouse.proxy.support;

import dev.gatehouse.proxy.exchange.Exchange;
import dev.gatehouse.proxy.exchange.ParsedRequest;
import dev.gatehouse.proxy.upstream.UpstreamHandler;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.LastHttpContent;
import java.io.ByteArrayOutputStream;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * A test implementation of the upstream seam: records each request as it reached the handler
 * and answers 200 with "method target" as body, optionally after a delay (to test that
 * pipelined requests are still answered in order).
 */
public final class EchoUpstream implements UpstreamHandler {

    /** A request as the handler saw it. */
    public record Seen(String method, String uri, String version, List<Map.Entry<String, String>> headers, byte[] body) {
    }

    public final List<Seen> seen = new CopyOnWriteArrayList<>();
    private final long delayMillis;

    public EchoUpstream(long delayMillis) {
        this.delayMillis = delayMillis;
    }

    @Override
    public RequestBodySink forward(Exchange exchange, String upstream) {
        ParsedRequest r = exchange.request();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        return new RequestBodySink() {
            @Override
            public void content(HttpContent part) {
                try {
                    body.writeBytes(ByteBufUtil.getBytes(part.content()));
                } finally {
                    part.release();
                }
                if (part instanceof LastHttpContent) {
                    seen.add(new Seen(r.method().name(), r.uri(), r.protocolVersion().text(),
                            List.copyOf(r.headers().entries()), body.toByteArray()));
                    Runnable respond = () -> {
                        byte[] text = (r.method().name() + " " + r.uri()).getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
                        HttpResponse resp = exchange.newResponse(HttpResponseStatus.OK);
                        resp.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, text.length);
                        exchange.sendHead(resp);
                        exchange.finish(new DefaultLastHttpContent(Unpooled.wrappedBuffer(text)));
                    };
                    if (delayMillis > 0) {
                        exchange.eventLoop().schedule(respond, delayMillis, TimeUnit.MILLISECONDS);
                    } else {
                        respond.run();
                    }
                }
            }

            @Override
            public void abort(String reason) {
            }
        };
    }
}
