package dev.gatehouse.proxy.upstream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gatehouse.proxy.upstream.NextUpstream.Attempt;
import dev.gatehouse.proxy.upstream.NextUpstream.Decision;
import dev.gatehouse.proxy.upstream.NextUpstream.Failure;
import dev.gatehouse.proxy.upstream.NextUpstream.Limits;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The retry decision after a failed attempt, case by case, as nginx's ngx_http_upstream_next makes it. */
class NextUpstreamTest {

    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource(delimiter = '|', textBlock = """
            # case                                          | failure          | phase          | response | pooled | stale left | resendable | tries | elapsed ms | max tries | timeout ms | servers | decision
            connect refused moves on even for POST          | ERROR            | CONNECTING     | false    | false  | true       | false      | 1     | 0          | 0         | 0          | 2       | RETRY_NEXT
            connect refused on the only server              | ERROR            | CONNECTING     | false    | false  | true       | true       | 1     | 0          | 0         | 0          | 1       | BAD_GATEWAY
            connect timeout on the only server              | TIMEOUT          | CONNECTING     | false    | false  | true       | true       | 1     | 0          | 0         | 0          | 1       | GATEWAY_TIMEOUT
            sent GET without an answer moves on             | ERROR            | AWAITING_HEAD  | false    | false  | true       | true       | 1     | 0          | 0         | 0          | 2       | RETRY_NEXT
            sent POST is not sent again                     | ERROR            | AWAITING_HEAD  | false    | false  | true       | false      | 1     | 0          | 0         | 0          | 2       | BAD_GATEWAY
            half-written POST is not sent again             | ERROR            | SENDING        | false    | false  | true       | false      | 1     | 0          | 0         | 0          | 2       | BAD_GATEWAY
            read timeout of a GET moves on                  | TIMEOUT          | AWAITING_HEAD  | false    | false  | true       | true       | 1     | 0          | 0         | 0          | 2       | RETRY_NEXT
            read timeout of a POST is 504                   | TIMEOUT          | AWAITING_HEAD  | false    | false  | true       | false      | 1     | 0          | 0         | 0          | 2       | GATEWAY_TIMEOUT
            send timeout of a POST is 504                   | TIMEOUT          | SENDING        | false    | false  | true       | false      | 1     | 0          | 0         | 0          | 2       | GATEWAY_TIMEOUT
            a response byte came: no retry                  | ERROR            | AWAITING_HEAD  | true     | false  | true       | true       | 1     | 0          | 0         | 0          | 2       | BAD_GATEWAY
            a response byte came, then a timeout            | TIMEOUT          | AWAITING_HEAD  | true     | false  | true       | true       | 1     | 0          | 0         | 0          | 2       | GATEWAY_TIMEOUT
            head went to the client: cut                    | ERROR            | RELAYING_BODY  | true     | false  | true       | true       | 1     | 0          | 0         | 0          | 2       | CUT_CLIENT
            head went to the client, then a timeout: cut    | TIMEOUT          | RELAYING_BODY  | true     | true   | true       | true       | 1     | 0          | 0         | 0          | 2       | CUT_CLIENT
            invalid head is 502 with servers left           | INVALID_RESPONSE | AWAITING_HEAD  | true     | false  | true       | true       | 1     | 0          | 0         | 0          | 2       | BAD_GATEWAY
            broken chunk after the head: cut                | INVALID_RESPONSE | RELAYING_BODY  | true     | false  | true       | true       | 1     | 0          | 0         | 0          | 2       | CUT_CLIENT
            pooled connection closed idle, even a POST      | ERROR            | AWAITING_HEAD  | false    | true   | true       | false      | 1     | 0          | 0         | 0          | 1       | RETRY_FRESH
            pooled connection reset while sending           | ERROR            | SENDING        | false    | true   | true       | false      | 1     | 0          | 1         | 0          | 1       | RETRY_FRESH
            pooled connection closed idle, retry used       | ERROR            | AWAITING_HEAD  | false    | true   | false      | true       | 1     | 0          | 0         | 0          | 1       | BAD_GATEWAY
            pooled, retry used, another server left         | ERROR            | AWAITING_HEAD  | false    | true   | false      | true       | 1     | 0          | 0         | 0          | 2       | RETRY_NEXT
            pooled connection timing out is not stale       | TIMEOUT          | AWAITING_HEAD  | false    | true   | true       | true       | 1     | 0          | 0         | 0          | 1       | GATEWAY_TIMEOUT
            pooled connection that answered is not stale    | ERROR            | AWAITING_HEAD  | true     | true   | true       | true       | 1     | 0          | 0         | 0          | 2       | BAD_GATEWAY
            pooled connection with an invalid head          | INVALID_RESPONSE | AWAITING_HEAD  | false    | true   | true       | true       | 1     | 0          | 0         | 0          | 2       | BAD_GATEWAY
            next_upstream_tries reached                     | ERROR            | CONNECTING     | false    | false  | true       | true       | 2     | 0          | 2         | 0          | 3       | BAD_GATEWAY
            next_upstream_tries not reached                 | ERROR            | CONNECTING     | false    | false  | true       | true       | 1     | 0          | 2         | 0          | 3       | RETRY_NEXT
            next_upstream_timeout passed                    | TIMEOUT          | CONNECTING     | false    | false  | true       | true       | 1     | 1000       | 0         | 1000       | 3       | GATEWAY_TIMEOUT
            next_upstream_timeout not passed                | TIMEOUT          | CONNECTING     | false    | false  | true       | true       | 1     | 999        | 0         | 1000       | 3       | RETRY_NEXT
            every server tried                              | ERROR            | CONNECTING     | false    | false  | true       | true       | 3     | 0          | 0         | 0          | 3       | BAD_GATEWAY
            """)
    void decides(String name, Failure failure, CallPhase phase, boolean responseStarted, boolean pooled,
            boolean staleRetryLeft, boolean resendable, int tries, long elapsedMillis, int maxTries, long timeoutMillis,
            int servers, Decision expected) {
        Attempt a = new Attempt(failure, phase, responseStarted, pooled, staleRetryLeft, resendable, tries,
                TimeUnit.MILLISECONDS.toNanos(elapsedMillis));
        Limits limits = new Limits(maxTries, TimeUnit.MILLISECONDS.toNanos(timeoutMillis), servers);
        assertEquals(expected, NextUpstream.decide(a, limits), name);
    }

    @Test
    void givingUpAnswers502Or504AndOnlyThen() {
        assertEquals(HttpResponseStatus.BAD_GATEWAY, Decision.BAD_GATEWAY.status());
        assertEquals(HttpResponseStatus.GATEWAY_TIMEOUT, Decision.GATEWAY_TIMEOUT.status());
        assertNull(Decision.RETRY_NEXT.status());
        assertNull(Decision.RETRY_FRESH.status());
        assertNull(Decision.CUT_CLIENT.status());
    }

    @Test
    void noServerLeftIs504OnlyAfterATimeout() {
        assertEquals(HttpResponseStatus.BAD_GATEWAY, NextUpstream.noServerLeft(null));
        assertEquals(HttpResponseStatus.BAD_GATEWAY, NextUpstream.noServerLeft(Failure.ERROR));
        assertEquals(HttpResponseStatus.BAD_GATEWAY, NextUpstream.noServerLeft(Failure.INVALID_RESPONSE));
        assertEquals(HttpResponseStatus.GATEWAY_TIMEOUT, NextUpstream.noServerLeft(Failure.TIMEOUT));
    }

    @Test
    void postPatchLockAndUpgradesAreNeverSentTwice() {
        for (HttpMethod m : new HttpMethod[] {HttpMethod.GET, HttpMethod.HEAD, HttpMethod.PUT, HttpMethod.DELETE,
                HttpMethod.OPTIONS}) {
            assertTrue(NextUpstream.resendableMethod(m, false), m.name());
        }
        assertFalse(NextUpstream.resendableMethod(HttpMethod.POST, false));
        assertFalse(NextUpstream.resendableMethod(HttpMethod.PATCH, false));
        assertFalse(NextUpstream.resendableMethod(HttpMethod.valueOf("LOCK"), false));
        assertFalse(NextUpstream.resendableMethod(HttpMethod.GET, true));
    }
}
