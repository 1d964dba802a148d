package dev.gatehouse.appserver.api;

/**
 * A web application run by the Gatehouse app-server.
 *
 * <p>One instance is created per worker process, with a public no-argument constructor.
 * {@link #handle} is called for every request, concurrently from many threads (by default one
 * virtual thread per request), so an implementation must be thread-safe. Blocking in
 * {@code handle} is fine unless the worker runs with {@code dispatch = "event-loop"}.
 */
public interface Application {

    /**
     * Handles one request. An exception becomes a {@code 500 Internal Server Error} (no stack
     * trace in the body), a log line names the request, and the worker keeps serving.
     *
     * @param request the request, rebuilt from the uwsgi vars the front server sent
     * @return the response to send; never {@code null}
     * @throws Exception any failure of the application
     */
    Response handle(Request request) throws Exception;

    /**
     * Whether this request's {@link #handle} never blocks, so the worker may run it on its I/O
     * thread instead of starting a virtual thread for it. That saves a thread hand-off each way,
     * which on small requests is a good part of the server's CPU time per request.
     *
     * <p>Answer {@code true} only for requests whose handling does no blocking I/O, takes no
     * contended locks and does not sleep: while it runs, the worker's other connections wait.
     * The request's body has fully arrived by the time such a {@code handle} runs (bodies up to
     * 64 KiB; larger ones always go to a virtual thread). This method itself runs on the I/O
     * thread and must be cheap; it sees the request line and headers, not the body.
     * Default: {@code false}, every request on its own virtual thread.
     *
     * @param request the request, body not yet read
     * @return true to run {@code handle} on the I/O thread
     */
    default boolean isNonBlocking(Request request) {
        return false;
    }

    /**
     * Whether to open a WebSocket for this request, which asks for one ({@code Upgrade:
     * websocket}). Return a {@link WebSocketAccept} to accept: the worker then checks the
     * handshake (a wrong {@code Sec-WebSocket-Version} gets 426, a missing or malformed key 400),
     * answers {@code 101} with the right {@code Sec-WebSocket-Accept}, and runs the socket (see
     * {@link WebSocketHandler} for threading). Return {@code null} to serve the request as any
     * other, with {@link #handle} (which may answer 403, 404, ...).
     *
     * <p>Called on a virtual thread, so it may block (a session lookup). The request stays
     * readable (headers, cookies, query) for as long as the socket is open, so handlers may keep
     * it. An open socket counts
     * as one request for {@code max_requests}, keeps the worker busy for a graceful stop or a
     * reload, and is closed with {@code 1001} when the worker's {@code graceful_timeout} ends.
     * Default: {@code null}, no WebSockets.
     *
     * @param request the handshake request
     * @return the accept with the socket's handler, or null
     * @throws Exception any failure; answered 500 as in {@link #handle}
     */
    default WebSocketAccept acceptWebSocket(Request request) throws Exception {
        return null;
    }

    /**
     * Called once in each worker before the first request, for per-worker set-up (pools,
     * caches). An exception here stops the worker, and the server reports the app as unloadable.
     *
     * @param context which worker this is and the configuration it runs with
     * @throws Exception any failure to start
     */
    default void start(WorkerContext context) throws Exception {
    }

    /**
     * Called once when the worker shuts down, after in-flight requests have finished or timed
     * out. Exceptions are logged and otherwise ignored.
     *
     * @throws Exception any failure to stop
     */
    default void stop() throws Exception {
    }
}
