package dev.gatehouse.proxy.http1;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gatehouse.conf.proxy.ProxyConfig;
import dev.gatehouse.proxy.dispatch.ClientTimeouts;
import dev.gatehouse.proxy.dispatch.CutResponse;
import dev.gatehouse.proxy.dispatch.Generation;
import dev.gatehouse.proxy.dispatch.ProxyContext;
import dev.gatehouse.proxy.dispatch.ReadPauses;
import dev.gatehouse.proxy.dispatch.ShutdownEvent;
import dev.gatehouse.proxy.exchange.ParsedRequest;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Keep-alive, pipelining and closing of an HTTP/1.x connection, with the dispatcher replaced by a recorder. */
class Http1ConnectionTest {

    private final ProxyConfig config = ProxyConfig.fromToml("keepalive_requests = 3", "t.toml", Map.of());
    private final ProxyContext context = new ProxyContext(Generation.build(config, null), null, null,
            new DefaultChannelGroup("test", GlobalEventExecutor.INSTANCE));
    private final List<Object> dispatched = new ArrayList<>();

    @Test
    void http11KeepsAliveUnlessTheClientSaysClose() {
        assertTrue(Http1Connection.keepAlive(HttpVersion.HTTP_1_1, null, 1, config, false));
        assertTrue(Http1Connection.keepAlive(HttpVersion.HTTP_1_1, "keep-alive, Upgrade", 1, config, false));
        assertFalse(Http1Connection.keepAlive(HttpVersion.HTTP_1_1, "Upgrade, Close", 1, config, false));
    }

    @Test
    void http10KeepsAliveOnlyWhenAsked() {
        assertFalse(Http1Connection.keepAlive(HttpVersion.HTTP_1_0, null, 1, config, false));
        assertTrue(Http1Connection.keepAlive(HttpVersion.HTTP_1_0, "Keep-Alive", 1, config, false));
    }

    @Test
    void noKeepAliveAtKeepaliveRequestsWhileDrainingOrWithATimeoutOfZero() {
        assertFalse(Http1Connection.keepAlive(HttpVersion.HTTP_1_1, null, 3, config, false));
        assertFalse(Http1Connection.keepAlive(HttpVersion.HTTP_1_1, null, 1, config, true));
        ProxyConfig noKeepAlive = ProxyConfig.fromToml("keepalive_timeout = \"0s\"", "t.toml", Map.of());
        assertFalse(Http1Connection.keepAlive(HttpVersion.HTTP_1_1, null, 1, noKeepAlive, false));
    }

    @Test
    void holdsAPipelinedRequestBackUntilTheResponseBeforeItEnds() {
        EmbeddedChannel ch = channel();
        ParsedRequest first = get("/a", null);
        ParsedRequest second = get("/b", null);
        ch.writeInbound(first, LastHttpContent.EMPTY_LAST_CONTENT, second, LastHttpContent.EMPTY_LAST_CONTENT);
        assertEquals(List.of(first, LastHttpContent.EMPTY_LAST_CONTENT), dispatched);
        assertFalse(ch.config().isAutoRead(), "reads pause while a request waits");

        respond(ch, response());
        assertEquals(List.of(first, LastHttpContent.EMPTY_LAST_CONTENT, second, LastHttpContent.EMPTY_LAST_CONTENT),
                dispatched);
        assertTrue(ch.config().isAutoRead());
        assertTrue(ch.isOpen());
    }

    @Test
    void closesAfterTheResponseWhenTheClientSaidClose() {
        EmbeddedChannel ch = channel();
        ch.writeInbound(get("/a", "close"), LastHttpContent.EMPTY_LAST_CONTENT);
        HttpResponse head = respond(ch, response());
        assertEquals("close", head.headers().get(HttpHeaderNames.CONNECTION));
        ch.runPendingTasks();
        assertFalse(ch.isOpen());
    }

    @Test
    void aResponseMarkedCloseClosesAKeepAliveConnection() {
        EmbeddedChannel ch = channel();
        ch.writeInbound(get("/a", null), LastHttpContent.EMPTY_LAST_CONTENT);
        HttpResponse marked = response();
        marked.headers().set(HttpHeaderNames.CONNECTION, "close");
        respond(ch, marked);
        ch.runPendingTasks();
        assertFalse(ch.isOpen());
    }

    @Test
    void answersAnHttp10ClientInHttp10WithKeepAliveWhenItAsked() {
        EmbeddedChannel ch = channel();
        ParsedRequest r = new ParsedRequest(HttpVersion.HTTP_1_0, HttpMethod.GET, "/a", headers("keep-alive"), "/a",
                null, 0, false);
        ch.writeInbound(r, LastHttpContent.EMPTY_LAST_CONTENT);
        HttpResponse head = respond(ch, response());
        assertSame(HttpVersion.HTTP_1_0, head.protocolVersion());
        assertEquals("keep-alive", head.headers().get(HttpHeaderNames.CONNECTION));
        assertTrue(ch.isOpen());
    }

    @Test
    void theResponseAfterALateBodyStartsTheNextRequestOnlyWhenTheBodyEnded() {
        EmbeddedChannel ch = channel();
        ParsedRequest post = new ParsedRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/a", headers(null), "/a",
                null, 3, false);
        ch.writeInbound(post);
        respond(ch, response());
        ParsedRequest next = get("/b", null);
        ch.writeInbound(LastHttpContent.EMPTY_LAST_CONTENT, next);
        assertEquals(List.of(post, LastHttpContent.EMPTY_LAST_CONTENT, next), dispatched);
    }

    @Test
    void aCutResponseClosesTheConnection() {
        EmbeddedChannel ch = channel();
        ch.writeInbound(get("/a", null), LastHttpContent.EMPTY_LAST_CONTENT);
        ch.writeOutbound(response());
        ch.writeOutbound(CutResponse.INSTANCE);
        ch.runPendingTasks();
        assertFalse(ch.isOpen());
        assertTrue(ch.readOutbound() instanceof HttpResponse);
        for (Object out = ch.readOutbound(); out != null; out = ch.readOutbound()) {
            assertFalse(out instanceof CutResponse, "the marker never reaches the encoder");
        }
    }

    @Test
    void drainAnswersTheLastRequestOfAnIdleConnectionWithCloseInsteadOfCuttingIt() {
        EmbeddedChannel ch = channel();
        ch.writeInbound(get("/a", null), LastHttpContent.EMPTY_LAST_CONTENT);
        assertEquals("keep-alive", respond(ch, response()).headers().get(HttpHeaderNames.CONNECTION, "keep-alive"));
        context.startDraining(); // as ProxyServer.stop does before it tells each connection
        ch.pipeline().fireUserEventTriggered(ShutdownEvent.DRAIN);
        ch.runPendingTasks();
        assertTrue(ch.isOpen(), "a request may be on its way: the idle connection waits for it");

        ch.writeInbound(get("/b", null), LastHttpContent.EMPTY_LAST_CONTENT);
        assertEquals("close", respond(ch, response()).headers().get(HttpHeaderNames.CONNECTION));
        ch.runPendingTasks();
        assertFalse(ch.isOpen());
    }

    @Test
    void drainClosesASilentIdleConnectionOnceTheGraceIsOver() throws InterruptedException {
        EmbeddedChannel ch = channel();
        long drained = System.nanoTime();
        ch.pipeline().fireUserEventTriggered(ShutdownEvent.DRAIN);
        long deadline = drained + TimeUnit.SECONDS.toNanos(60);
        while (ch.isOpen()) {
            assertTrue(System.nanoTime() < deadline, "the silent connection was never closed");
            Thread.sleep(10);
            ch.runPendingTasks();
        }
        assertTrue(System.nanoTime() - drained >= Http1Connection.DRAIN_IDLE_GRACE_NANOS,
                "closed before the grace was over");
        assertTrue(dispatched.isEmpty());
    }

    @Test
    void drainClosesABusyConnectionAfterItsResponse() {
        EmbeddedChannel busy = channel();
        busy.writeInbound(get("/a", null), LastHttpContent.EMPTY_LAST_CONTENT);
        busy.pipeline().fireUserEventTriggered(ShutdownEvent.DRAIN);
        assertTrue(busy.isOpen());
        HttpResponse head = respond(busy, response());
        assertEquals("close", head.headers().get(HttpHeaderNames.CONNECTION));
        busy.runPendingTasks();
        assertFalse(busy.isOpen());
    }

    private EmbeddedChannel channel() {
        dispatched.clear();
        EmbeddedChannel ch = new EmbeddedChannel();
        ClientTimeouts timeouts = new ClientTimeouts(config);
        ch.pipeline().addLast(timeouts, new Http1Connection(context, timeouts, new ReadPauses(ch)),
                new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                        dispatched.add(msg);
                    }
                });
        return ch;
    }

    /** Writes a head and the last content, as an exchange does, and returns the head as it went out. */
    private static HttpResponse respond(EmbeddedChannel ch, HttpResponse head) {
        ch.writeOutbound(head, LastHttpContent.EMPTY_LAST_CONTENT);
        HttpResponse out = ch.readOutbound();
        assertSame(LastHttpContent.EMPTY_LAST_CONTENT, ch.readOutbound());
        return out;
    }

    private static HttpResponse response() {
        return new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
    }

    private static ParsedRequest get(String path, String connection) {
        return new ParsedRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, path, headers(connection), path, null, 0, false);
    }

    private static HttpHeaders headers(String connection) {
        HttpHeaders h = new DefaultHttpHeaders();
        if (connection != null) {
            h.set(HttpHeaderNames.CONNECTION, connection);
        }
        return h;
    }
}
