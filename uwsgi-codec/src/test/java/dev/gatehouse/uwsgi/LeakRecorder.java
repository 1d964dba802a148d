package dev.gatehouse.uwsgi;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import io.netty.buffer.ByteBufAllocator;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Collects Netty's "LEAK:" reports (logback-test.xml attaches it to ResourceLeakDetector's logger)
 * so that tests fail on a leaked buffer instead of only logging it. Surefire runs with
 * {@code -Dio.netty.leakDetection.level=PARANOID}, so every buffer is tracked.
 */
public final class LeakRecorder extends AppenderBase<ILoggingEvent> {

    private static final List<String> LEAKS = new CopyOnWriteArrayList<>();

    @Override
    protected void append(ILoggingEvent event) {
        if (event.getFormattedMessage().contains("LEAK")) {
            LEAKS.add(event.getFormattedMessage());
        }
    }

    /**
     * Makes the leak detector look: it reports collected-but-unreleased buffers when a new buffer
     * is tracked, so collect garbage and allocate a few times, then fail if anything was reported.
     */
    static void assertNoLeaks() {
        for (int round = 0; round < 3; round++) {
            System.gc();
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            for (int i = 0; i < 8; i++) {
                ByteBufAllocator.DEFAULT.buffer(16).release();
            }
        }
        if (!LEAKS.isEmpty()) {
            String first = LEAKS.get(0);
            LEAKS.clear();
            throw new AssertionError("Netty reported leaked buffers:\n" + first);
        }
    }
}
