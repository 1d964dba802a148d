package dev.gatehouse.proxy.upstream;

import dev.gatehouse.conf.proxy.UpstreamConfig;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;

/**
 * What follows a failed attempt of an {@link UpstreamCall}, as nginx's {@code ngx_http_upstream_next}
 * decides it for {@code uwsgi_next_upstream error timeout}: a pure function of what happened, what
 * the request allows and the pool's limits, with no I/O and no clock of its own.
 *
 * <p>In order: a pooled connection that failed with an error before any response byte was closed by
 * the server while it sat idle, so the server never saw the request, and it goes once more on a
 * fresh connection whatever the method (nginx counts no try for a cached connection's error). Once
 * the response head went to the client, the client connection is cut. An invalid response is a 502
 * with no retry ({@code invalid_header} is not in nginx's default). Otherwise the next server is
 * tried when no response byte came and the request was not written yet or may be sent again, within
 * {@code next_upstream_tries} and {@code next_upstream_timeout} (0 for either: no limit) and the
 * pool's server count; else the answer is 504 for a timeout, 502 for anything else.
 */
final class NextUpstream {

    private NextUpstream() {
    }

    /** What went wrong with an attempt. */
    enum Failure {
        /** Refused, reset or closed connection, a write or read error. */
        ERROR,
        /** connect_timeout, send_timeout or read_timeout ran out. */
        TIMEOUT,
        /** A response nginx would refuse too: a bad or too big head, a broken chunk, an unasked-for 101. */
        INVALID_RESPONSE
    }

    /** What the call does next. */
    enum Decision {
        /** Again on the same server over a fresh connection; the try is not counted, the server not blamed. */
        RETRY_FRESH(null),
        /** The server counts a failure; the next server not tried yet gets the request. */
        RETRY_NEXT(null),
        /** The server counts a failure; the client connection is closed, its response being under way. */
        CUT_CLIENT(null),
        /** The server counts a failure; the client gets 502. */
        BAD_GATEWAY(HttpResponseStatus.BAD_GATEWAY),
        /** The server counts a failure; the client gets 504. */
        GATEWAY_TIMEOUT(HttpResponseStatus.GATEWAY_TIMEOUT);

        private final HttpResponseStatus status;

        Decision(HttpResponseStatus status) {
            this.status = status;
        }

        /** The status the client is answered with; null unless the call gives up before a response head. */
        HttpResponseStatus status() {
            return status;
        }
    }

    /**
     * A failed attempt and what the request behind it allows.
     *
     * @param failure what went wrong
     * @param phase where the call was when it went wrong: {@link CallPhase#CONNECTING} means nothing
     *     was written, {@link CallPhase#RELAYING_BODY} that the client has a response head
     * @param responseStarted whether any byte of a response came from the server
     * @param pooledConnection whether the attempt used an idle connection from the pool
     * @param staleRetryLeft whether the one retry on a fresh connection is still unused
     * @param resendable whether the request may be sent a second time: an idempotent method and a
     *     body that can be sent again
     * @param tries the servers tried so far, this one included
     * @param elapsedNanos the time since the call began
     */
    record Attempt(Failure failure, CallPhase phase, boolean responseStarted, boolean pooledConnection,
            boolean staleRetryLeft, boolean resendable, int tries, long elapsedNanos) {
    }

    /**
     * What bounds the retries of one request.
     *
     * @param maxTries {@code next_upstream_tries}; 0 for no limit
     * @param timeoutNanos {@code next_upstream_timeout}; 0 for no limit
     * @param servers the pool's servers, backups included: a request tries each at most once
     */
    record Limits(int maxTries, long timeoutNanos, int servers) {
        static Limits of(UpstreamConfig cfg, int servers) {
            return new Limits(cfg.nextUpstreamTries(), cfg.nextUpstreamTimeout().toNanos(), servers);
        }
    }

    /** The decision for a failed attempt. */
    static Decision decide(Attempt a, Limits limits) {
        boolean closedWhileIdle = a.pooledConnection() && !a.responseStarted() && a.failure() == Failure.ERROR;
        if (closedWhileIdle && a.staleRetryLeft()) {
            return Decision.RETRY_FRESH;
        }
        if (a.phase() == CallPhase.RELAYING_BODY) {
            return Decision.CUT_CLIENT;
        }
        if (a.failure() == Failure.INVALID_RESPONSE) {
            return Decision.BAD_GATEWAY;
        }
        boolean written = a.phase() != CallPhase.CONNECTING;
        boolean mayRetry = !a.responseStarted() && (!written || a.resendable())
                && (limits.maxTries() == 0 || a.tries() < limits.maxTries())
                && a.tries() < limits.servers()
                && (limits.timeoutNanos() == 0 || a.elapsedNanos() < limits.timeoutNanos());
        if (mayRetry) {
            return Decision.RETRY_NEXT;
        }
        return a.failure() == Failure.TIMEOUT ? Decision.GATEWAY_TIMEOUT : Decision.BAD_GATEWAY;
    }

    /**
     * The status for a request whose last failure was {@code last} and for which no server is left
     * to try: 504 after a timeout, else 502 (also when nothing failed yet: every server is down).
     */
    static HttpResponseStatus noServerLeft(Failure last) {
        return last == Failure.TIMEOUT ? HttpResponseStatus.GATEWAY_TIMEOUT : HttpResponseStatus.BAD_GATEWAY;
    }

    /**
     * Whether a request may be sent to a second server once written to a first: not for POST, LOCK
     * and PATCH (nginx's {@code ngx_http_upstream_next} without {@code non_idempotent}), nor for an
     * upgrade request, as the server may have switched protocols and begun work.
     */
    static boolean resendableMethod(HttpMethod method, boolean upgrade) {
        return !method.equals(HttpMethod.POST) && !method.equals(HttpMethod.PATCH) && !method.name().equals("LOCK")
                && !upgrade;
    }
}
