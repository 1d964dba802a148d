package dev.gatehouse.appserver.worker;

/** Where a worker runs the application's {@code handle}. */
public enum Dispatch {
    /** One virtual thread per request: blocking application code is fine. The default. */
    VIRTUAL_THREAD,
    /**
     * On the connection's I/O thread, after the whole body has arrived: for applications that
     * never block. Saves a thread hand-off per request.
     */
    EVENT_LOOP;

    /**
     * Parses the configuration spelling, {@code virtual-thread} or {@code event-loop}.
     *
     * @throws IllegalArgumentException for anything else
     */
    public static Dispatch parse(String s) {
        return switch (s) {
            case "virtual-thread" -> VIRTUAL_THREAD;
            case "event-loop" -> EVENT_LOOP;
            default -> throw new IllegalArgumentException("dispatch must be \"virtual-thread\" or \"event-loop\", was \"" + s + "\"");
        };
    }
}
