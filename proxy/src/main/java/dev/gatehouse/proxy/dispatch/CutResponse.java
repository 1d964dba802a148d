package dev.gatehouse.proxy.dispatch;

/**
 * Written by the dispatcher after the last part of a response that cannot be completed (the
 * exchange was aborted, or failed after its head was sent). The front end that sees it go out
 * ends the connection once the writes before it are out: HTTP/1 with its lingering close, an
 * HTTP/2 stream with a reset. It never reaches an encoder.
 */
public enum CutResponse {
    /** The one marker. */
    INSTANCE
}
