package dev.gatehouse.appserver.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.gatehouse.appserver.api.Response;
import dev.gatehouse.conf.app.Dispatch;
import dev.gatehouse.uwsgi.NoLeaks;
import dev.gatehouse.uwsgi.UwsgiRequest;
import dev.gatehouse.uwsgi.UwsgiVarsBuilder;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** A handover no channel takes lets go of its buffers and ends its request. */
@ExtendWith(NoLeaks.class)
class HandoverTest {

    private final WorkerStats stats = new WorkerStats();
    private final RequestPolicy policy = new RequestPolicy(new WorkerRuntime(
            new WorkerOptions(1, Dispatch.VIRTUAL_THREAD, 0, 65536, Duration.ofSeconds(60), true),
            request -> Response.ok("ok"), null, null, stats));

    private Exchange begunExchange(UwsgiRequest packet) {
        Exchange ex = policy.exchange(packet, FlowControl.NONE, false, false);
        policy.begin(ex);
        return ex;
    }

    private static UwsgiRequest packet() {
        return new UwsgiRequest(0, 0, new UwsgiVarsBuilder()
                .add("REQUEST_METHOD", "GET").add("REQUEST_URI", "/file").build());
    }

    @Test
    void abandonedFirstReadIsReleased() {
        ByteBuf bytes = Unpooled.buffer(16).writeInt(42);

        new Handover.Unread(bytes).abandon(policy);

        assertEquals(0, bytes.refCnt());
    }

    @Test
    void abandonedUnsentResponseEndsItsRequest() {
        UwsgiRequest packet = packet();

        new Handover.Unsent(begunExchange(packet), Response.ok("never sent")).abandon(policy);

        assertEquals(0, packet.refCnt());
        assertEquals(0, stats.inFlight());
        assertEquals(1, stats.requests());
    }

    @Test
    void abandonedHalfSentResponseReleasesTheRestAndEndsItsRequest() {
        UwsgiRequest packet = packet();
        ByteBuf rest = Unpooled.buffer(16).writeLong(7);

        new Handover.HalfSent(begunExchange(packet), rest).abandon(policy);

        assertEquals(0, rest.refCnt());
        assertEquals(0, packet.refCnt());
        assertEquals(0, stats.inFlight());
        assertEquals(1, stats.requests());
    }
}
