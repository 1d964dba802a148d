package dev.gatehouse.appserver.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gatehouse.appserver.api.Application;
import dev.gatehouse.appserver.api.Request;
import dev.gatehouse.appserver.api.Response;
import dev.gatehouse.conf.app.Dispatch;
import dev.gatehouse.uwsgi.NoLeaks;
import dev.gatehouse.uwsgi.UwsgiRequest;
import dev.gatehouse.uwsgi.UwsgiVarsBuilder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The request decisions both serving paths share, and the counting around each request. */
@ExtendWith(NoLeaks.class)
class RequestPolicyTest {

    private final List<UwsgiRequest> packets = new ArrayList<>();
    private final WorkerStats stats = new WorkerStats();

    @AfterEach
    void releasePackets() {
        for (UwsgiRequest p : packets) {
            if (p.refCnt() > 0) {
                p.release();
            }
        }
    }

    /** Answers 200, or what {@link #answer} says; no non-blocking hint. */
    static class PlainApp implements Application {
        Response answer = Response.ok("ok");
        RuntimeException failure;

        @Override
        public Response handle(Request request) {
            if (failure != null) {
                throw failure;
            }
            return answer;
        }
    }

    static PlainApp failing(String message) {
        PlainApp app = new PlainApp();
        app.failure = new IllegalStateException(message);
        return app;
    }

    /** Non-blocking below /inline; throws from isNonBlocking below /broken. */
    static final class HintingApp extends PlainApp {
        @Override
        public boolean isNonBlocking(Request request) {
            if (request.path().startsWith("/broken")) {
                throw new IllegalStateException("hint failed");
            }
            return request.path().startsWith("/inline");
        }
    }

    private static WorkerOptions options(Dispatch dispatch, int maxConcurrency, boolean keepAlive) {
        return new WorkerOptions(3, dispatch, maxConcurrency, 65536, Duration.ofSeconds(60), keepAlive);
    }

    private RequestPolicy policy(WorkerOptions options, Application app) {
        return new RequestPolicy(new WorkerRuntime(options, app, null, null, stats));
    }

    private RequestPolicy policy(Application app) {
        return policy(options(Dispatch.VIRTUAL_THREAD, 0, true), app);
    }

    /** A GET or POST packet; {@code extra} are name/value pairs. */
    private UwsgiRequest packet(String uri, long contentLength, String... extra) {
        UwsgiVarsBuilder b = new UwsgiVarsBuilder()
                .add("REQUEST_METHOD", contentLength > 0 ? "POST" : "GET")
                .add("REQUEST_URI", uri)
                .add("PATH_INFO", uri);
        if (contentLength > 0) {
            b.add("CONTENT_LENGTH", Long.toString(contentLength));
        }
        for (int i = 0; i < extra.length; i += 2) {
            b.add(extra[i], extra[i + 1]);
        }
        UwsgiRequest p = new UwsgiRequest(0, 0, b.build());
        packets.add(p);
        return p;
    }

    private Exchange exchange(RequestPolicy policy, UwsgiRequest packet) {
        return policy.exchange(packet, FlowControl.NONE, false, false);
    }

    @Test
    void keepAliveAskedOnlyWhenTheFrontAsksAndTheWorkerHonoursIt() {
        RequestPolicy on = policy(options(Dispatch.VIRTUAL_THREAD, 0, true), new PlainApp());
        RequestPolicy off = policy(options(Dispatch.VIRTUAL_THREAD, 0, false), new PlainApp());
        UwsgiRequest asked = packet("/", 0, "GATEHOUSE_KEEPALIVE", "1");

        assertTrue(on.keepAliveAsked(asked));
        assertFalse(off.keepAliveAsked(asked));
        assertFalse(on.keepAliveAsked(packet("/", 0)));
        assertFalse(on.keepAliveAsked(packet("/", 0, "GATEHOUSE_KEEPALIVE", "0")));
        assertFalse(on.keepAliveAsked(packet("/", 0, "GATEHOUSE_KEEPALIVE", "")));
    }

    @Test
    void keepAliveAndUpgradeRequestsNeedAChannel() {
        RequestPolicy policy = policy(new PlainApp());

        assertTrue(policy.needsChannel(packet("/", 0, "GATEHOUSE_KEEPALIVE", "1")));
        assertTrue(policy.needsChannel(packet("/ws", 0, "HTTP_UPGRADE", "websocket")));
        assertFalse(policy.needsChannel(packet("/", 0)));
        assertFalse(policy(options(Dispatch.VIRTUAL_THREAD, 0, false), new PlainApp())
                .needsChannel(packet("/", 0, "GATEHOUSE_KEEPALIVE", "1")));
    }

    @Test
    void eventLoopDispatchRunsEveryRequestInline() {
        RequestPolicy policy = policy(options(Dispatch.EVENT_LOOP, 0, true), new PlainApp());

        assertTrue(policy.runsInline(packet("/", 0)));
        assertTrue(policy.runsInline(packet("/upload", RequestPolicy.INLINE_BODY_LIMIT * 10L)));
    }

    @Test
    void anAppWithoutTheHintRunsOnVirtualThreads() {
        assertFalse(policy(new PlainApp()).runsInline(packet("/inline", 0)));
    }

    @Test
    void theHintRunsInlineOnlyABodyThatFitsInMemory() {
        RequestPolicy policy = policy(new HintingApp());

        assertTrue(policy.runsInline(packet("/inline", 0)));
        assertTrue(policy.runsInline(packet("/inline", RequestPolicy.INLINE_BODY_LIMIT)));
        assertFalse(policy.runsInline(packet("/inline", RequestPolicy.INLINE_BODY_LIMIT + 1)));
        assertFalse(policy.runsInline(packet("/other", 0)));
    }

    @Test
    void aFailingHintRunsTheRequestOnAVirtualThread() {
        assertFalse(policy(new HintingApp()).runsInline(packet("/broken", 0)));
    }

    @Test
    void maxConcurrencyZeroNeverTurnsARequestAway() {
        RequestPolicy policy = policy(options(Dispatch.VIRTUAL_THREAD, 0, true), new PlainApp());
        for (int i = 0; i < 3; i++) {
            policy.begin(exchange(policy, packet("/" + i, 0)));
        }

        assertFalse(policy.overloaded(exchange(policy, packet("/next", 0))));
        assertEquals(0, stats.rejected());
    }

    @Test
    void aRequestPastMaxConcurrencyIsCountedAsARejected503() {
        RequestPolicy policy = policy(options(Dispatch.VIRTUAL_THREAD, 2, true), new PlainApp());
        policy.begin(exchange(policy, packet("/a", 0)));

        assertFalse(policy.overloaded(exchange(policy, packet("/b", 0))));
        policy.begin(exchange(policy, packet("/b", 0)));
        assertTrue(policy.overloaded(exchange(policy, packet("/c", 0))));
        assertEquals(1, stats.rejected());
        assertEquals(1, stats.requests(), "a 503 is an answered request");
        assertEquals(503, RequestPolicy.OVERLOADED.status());
        assertEquals("1", RequestPolicy.OVERLOADED.header("Retry-After"));
    }

    /** What the policy answers for a GET that {@code app} handles. */
    private Response callThrough(PlainApp app) {
        RequestPolicy policy = policy(app);
        return policy.call(exchange(policy, packet("/", 0)));
    }

    @Test
    void callReturnsTheApplicationsResponse() {
        PlainApp app = new PlainApp();

        assertSame(app.answer, callThrough(app));
        assertEquals(0, stats.exceptions());
    }

    @Test
    void anApplicationThatThrowsOrReturnsNullGetsA500() {
        PlainApp throwing = failing("boom");
        PlainApp answeringNull = new PlainApp();
        answeringNull.answer = null;

        assertSame(RequestPolicy.SERVER_ERROR, callThrough(throwing));
        assertSame(RequestPolicy.SERVER_ERROR, callThrough(answeringNull));
        assertEquals(2, stats.exceptions());
    }

    @Test
    void aFailureFromABodyCutOffByTheFrontIsNotAnswered() {
        RequestPolicy policy = policy(failing("body ended"));
        Exchange ex = exchange(policy, packet("/upload", 10));
        ex.body.abort("front server closed the connection after 0 of 10 body bytes");

        assertNull(policy.call(ex));
        assertEquals(0, stats.exceptions());
    }

    @Test
    void theExchangeTakesChunkedFromTheFrontAndTheCallersChoices() {
        RequestPolicy policy = policy(new PlainApp());

        Exchange chunked = policy.exchange(packet("/", 0, "GATEHOUSE_CHUNKED", "1"), FlowControl.NONE, true, true);
        Exchange plain = policy.exchange(packet("/", 0), FlowControl.NONE, false, false);

        assertTrue(chunked.chunkedOk);
        assertTrue(chunked.keepAlive);
        assertTrue(chunked.inline);
        assertFalse(plain.chunkedOk);
        assertFalse(plain.keepAlive);
        assertFalse(plain.inline);
        assertEquals("GET /", plain.requestLine);
    }

    private void assertCounted(long requests, int inFlight) {
        assertEquals(requests, stats.requests(), "requests answered");
        assertEquals(inFlight, stats.inFlight(), "requests in flight");
    }

    /** An exchange for {@code packet} that the application got. */
    private Exchange begun(RequestPolicy policy, UwsgiRequest packet) {
        Exchange ex = exchange(policy, packet);
        policy.begin(ex);
        return ex;
    }

    @Test
    void aBegunRequestIsInFlightUntilItEndsAndIsCountedOnce() {
        RequestPolicy policy = policy(new PlainApp());
        UwsgiRequest packet = packet("/slow", 0);

        Exchange ex = begun(policy, packet);
        assertEquals(1, stats.inFlight());
        assertEquals("GET /slow", stats.oldest().requestLine());

        policy.end(ex);
        policy.end(ex);
        assertCounted(1, 0);
        assertNull(stats.oldest());
        assertEquals(0, packet.refCnt(), "the packet is released at the end");
    }

    @Test
    void endingARequestThatNeverBeganCountsNothing() {
        RequestPolicy policy = policy(new PlainApp());
        UwsgiRequest packet = packet("/", 0);

        policy.end(exchange(policy, packet));

        assertCounted(0, 0);
        assertEquals(0, packet.refCnt());
    }

    @Test
    void anAnsweredRequestKeepsItsVars() {
        // A WebSocket is one answered request from its 101, and its handler reads the vars later.
        RequestPolicy policy = policy(new PlainApp());
        UwsgiRequest packet = packet("/ws", 0);

        policy.answered(begun(policy, packet));

        assertCounted(1, 0);
        assertEquals(1, packet.refCnt(), "the vars are still there");
    }

    @Test
    void whereNamesTheTopFrame() {
        Throwable t = new IllegalStateException("boom");
        t.setStackTrace(new StackTraceElement[] {new StackTraceElement("dev.App", "handle", "App.java", 42)});
        Throwable bare = new IllegalStateException("boom");
        bare.setStackTrace(new StackTraceElement[0]);

        assertEquals(" (at dev.App.handle(App.java:42))", RequestPolicy.where(t));
        assertEquals("", RequestPolicy.where(bare));
    }
}
