package dev.gatehouse.conf.app;

/** Where a worker runs the application's requests ({@code dispatch} key). */
public enum Dispatch {
    /** One virtual thread per request: blocking application code is fine. The default. */
    VIRTUAL_THREAD("virtual-thread"),
    /** On the connection's I/O thread, for applications that never block. */
    EVENT_LOOP("event-loop");

    private final String token;

    Dispatch(String token) {
        this.token = token;
    }

    /** The spelling in config files: {@code virtual-thread} or {@code event-loop}. */
    public String token() {
        return token;
    }

    @Override
    public String toString() {
        return token;
    }
}
