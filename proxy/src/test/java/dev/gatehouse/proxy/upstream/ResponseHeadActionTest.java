package dev.gatehouse.proxy.upstream;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import org.junit.jupiter.api.Test;

/** What an upstream head asks of the proxy: a tunnel, a file, or a plain relay. */
class ResponseHeadActionTest {

    private static ResponseHead head(int status, String... headers) {
        HttpHeaders h = new DefaultHttpHeaders();
        for (int i = 0; i < headers.length; i += 2) {
            h.add(headers[i], headers[i + 1]);
        }
        return new ResponseHead(HttpResponseStatus.valueOf(status), h, ResponseHead.Framing.NONE, -1);
    }

    @Test
    void plainResponseIsRelayed() {
        assertEquals(ResponseHeadAction.RELAY, ResponseHeadAction.of(head(200, "Content-Type", "text/plain"), true));
    }

    @Test
    void switchingProtocolsWinsOverFileHeaders() {
        assertEquals(ResponseHeadAction.SWITCH_PROTOCOLS,
                ResponseHeadAction.of(head(101, "Upgrade", "websocket", "X-Accel-Redirect", "/x"), true));
    }

    @Test
    void accelRedirectWinsOverSendfile() {
        assertEquals(ResponseHeadAction.ACCEL_REDIRECT,
                ResponseHeadAction.of(head(200, "x-accel-redirect", "/files/a", "X-Sendfile", "/srv/a"), true));
        assertEquals(ResponseHeadAction.ACCEL_REDIRECT, ResponseHeadAction.of(head(404, "X-Accel-Redirect", "x"), false));
    }

    @Test
    void sendfileOnlyWhereTheLocationHasRoots() {
        assertEquals(ResponseHeadAction.SENDFILE, ResponseHeadAction.of(head(200, "X-Sendfile", "/srv/a"), true));
        assertEquals(ResponseHeadAction.RELAY, ResponseHeadAction.of(head(200, "X-Sendfile", "/srv/a"), false));
    }

    @Test
    void emptyFileHeadersCountAsAbsent() {
        assertEquals(ResponseHeadAction.RELAY,
                ResponseHeadAction.of(head(200, "X-Accel-Redirect", "", "X-Sendfile", ""), true));
    }
}
