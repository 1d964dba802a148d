package dev.gatehouse.appserver.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gatehouse.appserver.api.WebSocketAccept;
import dev.gatehouse.appserver.api.WebSocketHandler;
import dev.gatehouse.uwsgi.UwsgiVars;
import dev.gatehouse.uwsgi.UwsgiVarsBuilder;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** The handshake checks and the 101 head, from vars alone. */
class WebSocketHandshakeTest {

    private static final WebSocketAccept ACCEPT = WebSocketAccept.with(new WebSocketHandler() { });

    /** Runs {@code check} on a request made of these vars (key, value, ...). */
    private static void withRequest(Consumer<VarsRequest> check, String... kv) {
        UwsgiVarsBuilder b = new UwsgiVarsBuilder();
        for (int i = 0; i < kv.length; i += 2) {
            b.add(kv[i], kv[i + 1]);
        }
        ByteBuf block = Unpooled.buffer();
        b.encodeTo(block);
        UwsgiVars vars = UwsgiVars.parse(block);
        try {
            check.accept(new VarsRequest(vars, new RequestBody(0, FlowControl.NONE)));
        } finally {
            vars.release();
        }
    }

    private static String[] handshake(String... more) {
        String[] base = {"REQUEST_METHOD", "GET", "REQUEST_URI", "/ws", "PATH_INFO", "/ws", "HTTP_UPGRADE", "websocket",
            "HTTP_CONNECTION", "keep-alive, Upgrade", "HTTP_SEC_WEBSOCKET_KEY", "dGhlIHNhbXBsZSBub25jZQ==",
            "HTTP_SEC_WEBSOCKET_VERSION", "13"};
        String[] all = new String[base.length + more.length];
        System.arraycopy(base, 0, all, 0, base.length);
        System.arraycopy(more, 0, all, base.length, more.length);
        return all;
    }

    @Test
    void theHeadCarriesTheAcceptKeyOfRfc6455AndNoSubprotocolUnlessAgreed() {
        withRequest(r -> {
            assertTrue(WebSocketHandshake.requested(r));
            WebSocketHandshake.Result res = WebSocketHandshake.check(r, ACCEPT);
            assertTrue(res.accepted());
            String head = new String(res.head(), StandardCharsets.ISO_8859_1);
            assertTrue(head.startsWith("HTTP/1.1 101 Switching Protocols\r\n"), head);
            assertTrue(head.contains("sec-websocket-accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"), head);
            assertTrue(head.endsWith("\r\n\r\n"), head);
            assertNull(res.subprotocol());
            assertNull(res.extension());
        }, handshake("HTTP_SEC_WEBSOCKET_PROTOCOL", "chat"));
    }

    @Test
    void permessageDeflateIsAgreedWhenOfferedAndAllowed() {
        withRequest(r -> {
            WebSocketHandshake.Result res = WebSocketHandshake.check(r, ACCEPT);
            String head = new String(res.head(), StandardCharsets.ISO_8859_1);
            assertTrue(head.contains("sec-websocket-extensions: permessage-deflate"), head);
            String off = new String(WebSocketHandshake.check(r, ACCEPT.withCompression(false)).head(),
                    StandardCharsets.ISO_8859_1);
            assertFalse(off.contains("sec-websocket-extensions"), off);
        }, handshake("HTTP_SEC_WEBSOCKET_EXTENSIONS", "permessage-deflate; client_max_window_bits"));
    }

    @Test
    void aKeyThatIsNot16BytesOfBase64Is400() {
        withRequest(r -> {
            WebSocketHandshake.Result res = WebSocketHandshake.check(r, ACCEPT);
            assertEquals(400, res.refusal().status());
            assertEquals("Sec-WebSocket-Key is not 16 bytes in base64", res.reason());
        }, "REQUEST_METHOD", "GET", "REQUEST_URI", "/ws", "HTTP_UPGRADE", "websocket", "HTTP_CONNECTION", "Upgrade",
                "HTTP_SEC_WEBSOCKET_KEY", "c2hvcnQ=", "HTTP_SEC_WEBSOCKET_VERSION", "13");
    }

    @Test
    void aConnectionHeaderWithoutUpgradeIs400WithNettysReason() {
        withRequest(r -> {
            WebSocketHandshake.Result res = WebSocketHandshake.check(r, ACCEPT);
            assertEquals(400, res.refusal().status());
            assertTrue(res.reason().contains("Connection"), res.reason());
        }, "REQUEST_METHOD", "GET", "REQUEST_URI", "/ws", "HTTP_UPGRADE", "websocket", "HTTP_CONNECTION", "keep-alive",
                "HTTP_SEC_WEBSOCKET_KEY", "dGhlIHNhbXBsZSBub25jZQ==", "HTTP_SEC_WEBSOCKET_VERSION", "13");
    }

    @Test
    void aPostIs400() {
        withRequest(r -> assertEquals(400, WebSocketHandshake.check(r, ACCEPT).refusal().status()),
                "REQUEST_METHOD", "POST", "REQUEST_URI", "/ws", "HTTP_UPGRADE", "websocket");
    }

    @Test
    void onlyAnUpgradeNamingWebsocketAsksForOne() {
        withRequest(r -> assertFalse(WebSocketHandshake.requested(r)), "REQUEST_METHOD", "GET", "HTTP_UPGRADE", "h2c");
        withRequest(r -> assertTrue(WebSocketHandshake.requested(r)), "REQUEST_METHOD", "GET", "HTTP_UPGRADE",
                "foo, WebSocket");
    }
}
