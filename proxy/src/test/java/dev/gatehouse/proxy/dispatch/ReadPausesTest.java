package dev.gatehouse.proxy.dispatch;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;

/** Reads resume only when the last reason to pause them is gone. */
class ReadPausesTest {

    private final EmbeddedChannel ch = new EmbeddedChannel();
    private final ReadPauses reads = new ReadPauses(ch);

    @Test
    void readsResumeWhenNoReasonIsLeft() {
        reads.pause(ReadPauses.Reason.PIPELINED);
        reads.pause(ReadPauses.Reason.CLIENT_NOT_READING);
        reads.resume(ReadPauses.Reason.PIPELINED);
        assertFalse(ch.config().isAutoRead(), "the client still does not read");
        reads.resume(ReadPauses.Reason.CLIENT_NOT_READING);
        assertTrue(ch.config().isAutoRead());
    }

    @Test
    void resumingAReasonNeverPausedChangesNothing() {
        reads.pause(ReadPauses.Reason.UPGRADE);
        reads.resume(ReadPauses.Reason.REQUEST_BODY);
        assertFalse(ch.config().isAutoRead());
        assertTrue(reads.paused(ReadPauses.Reason.UPGRADE));
    }

    @Test
    void clearReadsWhateverWasPaused() {
        reads.pause(ReadPauses.Reason.REQUEST_BODY);
        reads.clear();
        assertTrue(ch.config().isAutoRead());
        assertFalse(reads.paused(ReadPauses.Reason.REQUEST_BODY));
    }
}
