package dev.gatehouse.proxy.dispatch;

/** Sent to every client connection when the proxy stops. */
public enum ShutdownEvent {
    /** Finish the current response, then close; close at once when idle. */
    DRAIN
}
