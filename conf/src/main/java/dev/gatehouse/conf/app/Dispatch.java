package dev.gatehouse.conf.app;

import dev.gatehouse.conf.ConfigWord;
import java.util.Locale;

/** Where a worker runs the application's requests ({@code dispatch} key). */
public enum Dispatch implements ConfigWord {
    /** One virtual thread per request: blocking application code is fine. The default. */
    VIRTUAL_THREAD,
    /** On the connection's I/O thread, for applications that never block. */
    EVENT_LOOP;

    /** The spelling in config files, {@code virtual-thread} or {@code event-loop}: hyphens, as in uWSGI's option names. */
    @Override
    public String token() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    @Override
    public String toString() {
        return token();
    }
}
