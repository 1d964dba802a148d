package dev.gatehouse.proxy.http2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gatehouse.proxy.exchange.BadRequest;
import dev.gatehouse.proxy.exchange.HeadLimits;
import dev.gatehouse.proxy.exchange.ParsedRequest;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2ResetFrame;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** HTTP/2 frames in, the HTTP/1.x decoder's objects out: frames on an embedded channel, no sockets. */
class Http2RequestDecoderTest {

    private final EmbeddedChannel ch = new EmbeddedChannel(new Http2RequestDecoder(new HeadLimits(8192, 32768, 5)));

    private static Http2Headers get(String path) {
        return new DefaultHttp2Headers().method("GET").scheme("https").path(path).authority("example.com:8443");
    }

    @Test
    void turnsAHeadersFrameIntoAParsedRequestAndAnEmptyLastContent() {
        ch.writeInbound(new DefaultHttp2HeadersFrame(get("/a/b%20c?x=1#frag").add("accept", "*/*"), true));
        ParsedRequest r = ch.readInbound();
        assertEquals("HTTP/2.0", r.protocolVersion().text());
        assertEquals("/a/b%20c", r.rawPath());
        assertEquals("x=1", r.rawQuery());
        assertEquals(0, r.contentLength());
        assertEquals("example.com:8443", r.headers().get("host"));
        assertEquals("*/*", r.headers().get("accept"));
        assertInstanceOf(LastHttpContent.class, ch.readInbound());
    }

    @Test
    void bodyOfUnknownLengthIsChunkedAndEndsWithTheLastDataFrame() {
        ch.writeInbound(new DefaultHttp2HeadersFrame(get("/up").method("POST"), false));
        ParsedRequest r = ch.readInbound();
        assertTrue(r.chunked());
        assertEquals(-1, r.contentLength());
        ch.writeInbound(new DefaultHttp2DataFrame(Unpooled.copiedBuffer("ab", StandardCharsets.US_ASCII), false));
        ch.writeInbound(new DefaultHttp2DataFrame(Unpooled.copiedBuffer("c", StandardCharsets.US_ASCII), true));
        HttpContent first = ch.readInbound();
        assertEquals("ab", first.content().toString(StandardCharsets.US_ASCII));
        first.release();
        LastHttpContent last = ch.readInbound();
        assertEquals("c", last.content().toString(StandardCharsets.US_ASCII));
        last.release();
    }

    @Test
    void trailersEndTheBody() {
        ch.writeInbound(new DefaultHttp2HeadersFrame(get("/up").method("POST"), false));
        ch.readInbound();
        ch.writeInbound(new DefaultHttp2HeadersFrame(new DefaultHttp2Headers().add("x-checksum", "1"), true));
        LastHttpContent last = ch.readInbound();
        assertEquals("1", last.trailingHeaders().get("x-checksum"));
    }

    @Test
    void dataPastContentLengthResetsTheStream() {
        // Netty's decoder resets such a stream first on a real connection; this is the second line.
        ch.writeInbound(new DefaultHttp2HeadersFrame(get("/up").method("POST").add("content-length", "2"), false));
        ParsedRequest r = ch.readInbound();
        assertEquals(2, r.contentLength());
        ch.writeInbound(new DefaultHttp2DataFrame(Unpooled.copiedBuffer("abc", StandardCharsets.US_ASCII), true));
        assertNull(ch.readInbound());
        assertResetWithProtocolError(ch);
    }

    private static void assertResetWithProtocolError(EmbeddedChannel c) {
        Http2ResetFrame reset = c.readOutbound();
        assertEquals(Http2Error.PROTOCOL_ERROR.code(), reset.errorCode());
        assertFalse(c.isOpen(), "the stream is closed after its reset");
    }

    @Test
    void cookieCrumbsAreJoinedAndUnderscoreNamesDropped() {
        ch.writeInbound(new DefaultHttp2HeadersFrame(get("/").add("cookie", "a=1").add("x_real_ip", "1.2.3.4")
                .add("cookie", "b=2"), true));
        ParsedRequest r = ch.readInbound();
        assertEquals("a=1; b=2", r.headers().get("cookie"));
        assertNull(r.headers().get("x_real_ip"));
    }

    @Test
    void maxHeadersAtTheLimitAndPastIt() {
        Http2Headers five = get("/");
        for (int i = 0; i < 5; i++) {
            five.add("x-" + i, "v");
        }
        ch.writeInbound(new DefaultHttp2HeadersFrame(five, true));
        assertInstanceOf(ParsedRequest.class, ch.readInbound());
        EmbeddedChannel other = new EmbeddedChannel(new Http2RequestDecoder(new HeadLimits(8192, 32768, 5)));
        other.writeInbound(new DefaultHttp2HeadersFrame(five.add("x-5", "v"), true));
        BadRequest b = other.readInbound();
        assertEquals(431, b.status().code());
    }

    @Test
    void refusesWhatHttp1WouldRefuseWith400() {
        assertEquals(400, refused(get("*")).status().code()); // asterisk-form only for OPTIONS
        assertEquals(400, refused(get("/").method("get")).status().code());
        assertEquals(400, refused(get("/a b")).status().code());
    }

    @Test
    void resetsMalformedRequests() {
        assertMalformed(new DefaultHttp2Headers().method("GET").path("/").authority("a")); // no :scheme
        assertMalformed(new DefaultHttp2Headers().scheme("https").path("/").authority("a")); // no :method
        assertMalformed(new DefaultHttp2Headers().method("GET").scheme("https").path("/")); // no authority
        assertMalformed(get("relative"));
        assertMalformed(get("/").add("host", "other.example"));
        assertMalformed(get("/").authority("a b"));
        // Netty's HPACK decoder refuses these first on a real connection; the checks here are
        // the second line of defence, so they need headers built without validation.
        assertMalformed(new DefaultHttp2Headers(false).method("GET").scheme("https").path("/").authority("a")
                .add("x-a", "a\u0001b"));
        assertMalformed(get("/").add("content-length", "x"));
    }

    private static BadRequest refused(Http2Headers h) {
        EmbeddedChannel c = new EmbeddedChannel(new Http2RequestDecoder(new HeadLimits(8192, 32768, 100)));
        c.writeInbound(new DefaultHttp2HeadersFrame(h, true));
        return c.readInbound();
    }

    private static void assertMalformed(Http2Headers h) {
        EmbeddedChannel c = new EmbeddedChannel(new Http2RequestDecoder(new HeadLimits(8192, 32768, 100)));
        c.writeInbound(new DefaultHttp2HeadersFrame(h, true));
        assertNull(c.readInbound(), "nothing passed on for " + h);
        assertResetWithProtocolError(c);
    }

    @Test
    void connectHasNoPathAndBecomesAnAuthorityRequest() {
        ch.writeInbound(new DefaultHttp2HeadersFrame(new DefaultHttp2Headers().method("CONNECT")
                .authority("example.com:443"), true));
        ParsedRequest r = ch.readInbound();
        assertEquals("", r.rawPath()); // the dispatcher answers 405, as for HTTP/1.x CONNECT
        assertEquals("example.com:443", r.uri());
    }
}
