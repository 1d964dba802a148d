package dev.gatehouse.appserver.worker;

import dev.gatehouse.appserver.api.Request;
import dev.gatehouse.appserver.api.Response;
import dev.gatehouse.appserver.api.WebSocketAccept;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshakeException;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker13;
import io.netty.handler.codec.http.websocketx.extensions.WebSocketExtensionData;
import io.netty.handler.codec.http.websocketx.extensions.WebSocketExtensionUtil;
import io.netty.handler.codec.http.websocketx.extensions.WebSocketServerExtension;
import io.netty.handler.codec.http.websocketx.extensions.compression.PerMessageDeflateServerExtensionHandshaker;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;

/**
 * Checks a WebSocket handshake that arrived as uwsgi vars and makes its {@code 101} answer.
 * Netty's {@link WebSocketServerHandshaker13} does the RFC 6455 part (the {@code Upgrade} and
 * {@code Connection} tokens, {@code Sec-WebSocket-Accept}, the subprotocol choice) on a request
 * rebuilt from the vars; its {@code handshake()} itself needs an HTTP codec in the pipeline,
 * which a uwsgi connection has not, so the response is taken and written here. The version and
 * the key are checked first, with the statuses RFC 6455 4.2.2 names: 426 with
 * {@code Sec-WebSocket-Version: 13} for another version, 400 for a missing or malformed key.
 */
final class WebSocketHandshake {

    /** The var of the request's {@code Upgrade} header. */
    static final dev.gatehouse.uwsgi.VarKey HTTP_UPGRADE = dev.gatehouse.uwsgi.VarKey.of("HTTP_UPGRADE");

    /** Room past the message limit for the inflater's buffer; see {@link #deflate}. */
    private static final int INFLATE_MARGIN = 64 * 1024;

    private WebSocketHandshake() {
    }

    /** Either {@code refusal} (a response to send instead), or the 101 head and what was agreed. */
    record Result(Response refusal, String reason, byte[] head, String subprotocol,
            WebSocketServerExtension extension) {
        boolean accepted() {
            return refusal == null;
        }
    }

    /** Whether the request asks for a WebSocket ({@code Upgrade} names {@code websocket}). */
    static boolean requested(Request request) {
        String upgrade = request.header("Upgrade");
        if (upgrade == null) {
            return false;
        }
        for (String token : upgrade.split(",")) {
            if (token.strip().equalsIgnoreCase("websocket")) {
                return true;
            }
        }
        return false;
    }

    /** Checks the handshake and agrees on subprotocol and compression as {@code accept} allows. */
    static Result check(Request request, WebSocketAccept accept) {
        if (!request.method().equals("GET")) {
            return refuse(400, "a WebSocket handshake is a GET request, this was " + request.method());
        }
        if (request.contentLength() > 0) {
            return refuse(400, "a WebSocket handshake has no body, this one had " + request.contentLength() + " bytes");
        }
        String version = request.header("Sec-WebSocket-Version");
        if (!"13".equals(version == null ? null : version.strip())) {
            String why = version == null ? "Sec-WebSocket-Version is missing" : "Sec-WebSocket-Version " + version
                    + " is not supported";
            Response r = Response.status(426)
                    .header("Content-Type", "text/plain; charset=utf-8")
                    .header("Sec-WebSocket-Version", "13")
                    .body("Upgrade Required: " + why + "; this server speaks WebSocket version 13 (RFC 6455)\n")
                    .build();
            return new Result(r, why, null, null, null);
        }
        String key = request.header("Sec-WebSocket-Key");
        if (key == null || !isKey(key.strip())) {
            return refuse(400, key == null ? "Sec-WebSocket-Key is missing"
                    : "Sec-WebSocket-Key is not 16 bytes in base64");
        }
        FullHttpRequest req = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, request.rawUri());
        for (String name : new String[] {"Connection", "Upgrade", "Sec-WebSocket-Key", "Sec-WebSocket-Version",
                "Sec-WebSocket-Protocol"}) {
            for (String v : request.headers(name)) {
                req.headers().add(name, v);
            }
        }
        String subprotocols = accept.subprotocols().isEmpty() ? null : String.join(",", accept.subprotocols());
        FullHttpResponse res;
        Handshaker handshaker = new Handshaker(request.rawUri(), subprotocols);
        try {
            res = handshaker.response(req);
        } catch (WebSocketServerHandshakeException e) {
            return refuse(400, e.getMessage());
        } finally {
            req.release();
        }
        WebSocketServerExtension extension = accept.compression() ? deflate(request, accept) : null;
        if (extension != null) {
            res.headers().set(HttpHeaderNames.SEC_WEBSOCKET_EXTENSIONS, headerValue(extension.newReponseData()));
        }
        StringBuilder head = new StringBuilder(256).append("HTTP/1.1 101 Switching Protocols\r\n");
        for (Map.Entry<String, String> h : res.headers()) {
            head.append(h.getKey()).append(": ").append(h.getValue()).append("\r\n");
        }
        head.append("\r\n");
        String chosen = res.headers().get(HttpHeaderNames.SEC_WEBSOCKET_PROTOCOL);
        res.release();
        return new Result(null, null, head.toString().getBytes(StandardCharsets.ISO_8859_1), chosen, extension);
    }

    /** RFC 6455 4.1: the key is a base64-encoded 16-byte random value. */
    private static boolean isKey(String key) {
        if (key.length() != 24) {
            return false;
        }
        try {
            return Base64.getDecoder().decode(key).length == 16;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** permessage-deflate (RFC 7692) when the client offers it in a form Netty's handshaker takes. */
    private static WebSocketServerExtension deflate(Request request, WebSocketAccept accept) {
        String offered = String.join(",", request.headers("Sec-WebSocket-Extensions"));
        if (offered.isBlank()) {
            return null;
        }
        // Compression level 6, the client's window as offered, and inflated frames bounded a
        // little past the message limit, so that a small compressed frame cannot expand without
        // bound. Netty's inflater fails once its buffer is full and it wants more room, which it
        // may want at the very end of the data too: the margin lets a message of exactly the
        // limit through, and the session checks the limit itself.
        PerMessageDeflateServerExtensionHandshaker deflate = new PerMessageDeflateServerExtensionHandshaker(6, false,
                15, false, false, accept.maxMessageSize() + INFLATE_MARGIN);
        for (WebSocketExtensionData data : WebSocketExtensionUtil.extractExtensions(offered)) {
            WebSocketServerExtension ext = deflate.handshakeExtension(data);
            if (ext != null) {
                return ext;
            }
        }
        return null;
    }

    private static String headerValue(WebSocketExtensionData data) {
        StringBuilder s = new StringBuilder(data.name());
        for (Map.Entry<String, String> p : data.parameters().entrySet()) {
            s.append("; ").append(p.getKey());
            if (p.getValue() != null) {
                s.append('=').append(p.getValue());
            }
        }
        return s.toString();
    }

    private static Result refuse(int status, String why) {
        String text = (status == 400 ? "Bad Request: " : "") + why + "\n";
        return new Result(Response.text(status, text), why, null, null, null);
    }

    /** Netty's handshaker, used for its response only (its handshake() wants an HTTP codec). */
    private static final class Handshaker extends WebSocketServerHandshaker13 {
        Handshaker(String uri, String subprotocols) {
            super(uri, subprotocols, WebSocketDecoderConfig.newBuilder().build());
        }

        FullHttpResponse response(FullHttpRequest req) {
            return newHandshakeResponse(req, EmptyHttpHeaders.INSTANCE);
        }
    }
}
