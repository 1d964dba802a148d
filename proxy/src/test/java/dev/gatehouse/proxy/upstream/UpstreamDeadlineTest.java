package dev.gatehouse.proxy.upstream;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.gatehouse.proxy.upstream.UpstreamDeadline.Wait;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.concurrent.MockTicker;
import io.netty.util.concurrent.Ticker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Send and read timeouts on a loop whose clock the test moves: no sleeps. */
class UpstreamDeadlineTest {

    private final MockTicker clock = Ticker.newMockTicker();
    private final EmbeddedChannel channel = EmbeddedChannel.builder().ticker(clock).build();
    private final List<Wait> timedOut = new ArrayList<>();
    private Wait waiting = Wait.UPSTREAM_RESPONDS;
    private final UpstreamDeadline deadline = new UpstreamDeadline(channel.eventLoop(), Duration.ofSeconds(2),
            Duration.ofSeconds(5), new UpstreamDeadline.Watched() {
                @Override
                public Wait waitingFor() {
                    return waiting;
                }

                @Override
                public void timedOut(Wait what) {
                    timedOut.add(what);
                }
            });

    @AfterEach
    void close() {
        channel.finishAndReleaseAll();
    }

    private void advanceMillis(long ms) {
        clock.advance(ms, TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();
    }

    @Test
    void readTimeoutCountsFromTheLastBytesRead() {
        deadline.read();
        deadline.start();
        advanceMillis(3_000);
        deadline.read();
        advanceMillis(4_900);
        assertEquals(List.of(), timedOut);
        advanceMillis(100);
        assertEquals(List.of(Wait.UPSTREAM_RESPONDS), timedOut);
        advanceMillis(60_000);
        assertEquals(1, timedOut.size(), "the timer is not re-armed after it ran out");
    }

    @Test
    void sendTimeoutCountsFromTheLastWriteProgress() {
        waiting = Wait.UPSTREAM_TAKES_REQUEST;
        deadline.wrote();
        deadline.start();
        advanceMillis(1_500);
        deadline.wrote();
        advanceMillis(1_900);
        assertEquals(List.of(), timedOut);
        advanceMillis(100);
        assertEquals(List.of(Wait.UPSTREAM_TAKES_REQUEST), timedOut);
    }

    @Test
    void aClientSendingItsBodySlowlyIsNotTheUpstreamsTimeout() {
        waiting = Wait.CLIENT_SENDS_BODY;
        deadline.wrote();
        deadline.start();
        for (int i = 0; i < 30; i++) {
            advanceMillis(1_000);
        }
        assertEquals(List.of(), timedOut);
        waiting = Wait.UPSTREAM_TAKES_REQUEST;
        advanceMillis(2_000);
        assertEquals(List.of(Wait.UPSTREAM_TAKES_REQUEST), timedOut);
    }

    @Test
    void pausedReadsGiveAFreshReadTimeoutWhenTheyResume() {
        waiting = Wait.CLIENT_TAKES_RESPONSE;
        deadline.read();
        deadline.start();
        for (int i = 0; i < 12; i++) {
            advanceMillis(5_000);
        }
        assertEquals(List.of(), timedOut);
        waiting = Wait.UPSTREAM_RESPONDS;
        advanceMillis(4_900);
        assertEquals(List.of(), timedOut);
        advanceMillis(100);
        assertEquals(List.of(Wait.UPSTREAM_RESPONDS), timedOut);
    }

    @Test
    void stoppedOrIdleDeadlineNeverFires() {
        deadline.read();
        deadline.start();
        deadline.stop();
        advanceMillis(60_000);
        waiting = Wait.NOTHING;
        deadline.start();
        advanceMillis(60_000);
        assertEquals(List.of(), timedOut);
    }
}
