package dev.gatehouse.appserver.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gatehouse.appserver.api.Response;
import dev.gatehouse.conf.app.Dispatch;
import dev.gatehouse.uwsgi.NoLeaks;
import dev.gatehouse.uwsgi.UwsgiRequest;
import dev.gatehouse.uwsgi.UwsgiVarsBuilder;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** A response written on a channel, and what each way of failing leaves the front. */
@ExtendWith(NoLeaks.class)
class ChannelResponderTest {

    @TempDir
    Path dir;

    private final WorkerStats stats = new WorkerStats();
    private final EmbeddedChannel channel = new EmbeddedChannel();
    /** The embedded loop stands in for the request threads too: its tasks run on runPendingTasks. */
    private final WorkerRuntime rt = new WorkerRuntime(
            new WorkerOptions(1, Dispatch.VIRTUAL_THREAD, 0, 65536, Duration.ofSeconds(60), false),
            request -> Response.ok("unused"), channel.eventLoop(), new ResponseWriter(new HttpDateClock()), stats);
    private final RequestPolicy policy = new RequestPolicy(rt);
    private final ChannelResponder responder = new ChannelResponder(rt);
    private final WritabilityGate gate = new WritabilityGate(channel);
    private final UwsgiRequest packet = new UwsgiRequest(0, 0, new UwsgiVarsBuilder()
            .add("REQUEST_METHOD", "GET").add("REQUEST_URI", "/x").build());
    private final Exchange ex = policy.exchange(packet, FlowControl.NONE, false, false);

    /** What {@link ChannelResponder.Done} was told. */
    private Boolean outcome;
    private final ChannelResponder.Done done = (exchange, ok) -> {
        assertSame(ex, exchange);
        outcome = ok;
    };

    @AfterEach
    void release() {
        channel.finishAndReleaseAll();
        ex.release();
    }

    private String written() {
        StringBuilder text = new StringBuilder();
        ByteBuf b;
        while ((b = channel.readOutbound()) != null) {
            text.append(b.toString(StandardCharsets.ISO_8859_1));
            b.release();
        }
        return text.toString();
    }

    @Test
    void aBytesResponseGoesOutAndIsReportedSent() {
        responder.deliver(channel, gate, ex, Response.ok("hello"), done);

        String out = written();
        assertTrue(out.startsWith("HTTP/1.1 200 OK\r\n"), out);
        assertTrue(out.contains("Content-Length: 5\r\n"), out);
        assertTrue(out.endsWith("\r\n\r\nhello"), out);
        assertEquals(Boolean.TRUE, outcome);
        assertTrue(ex.answering);
        assertFalse(ex.untilClose);
    }

    @Test
    void aFileThatCannotBeOpenedIsA500BeforeAnyByteWentOut() {
        responder.deliver(channel, gate, ex, Response.file(dir.resolve("missing.bin"), "application/octet-stream"),
                done);

        String out = written();
        assertTrue(out.startsWith("HTTP/1.1 500 Internal Server Error\r\n"), out);
        assertTrue(out.endsWith("Internal Server Error\n"), out);
        assertEquals(Boolean.TRUE, outcome);
        assertEquals(1, stats.exceptions());
    }

    @Test
    void aStreamThatFailsClosesTheConnectionAndReportsFailure() {
        Response failing = Response.status(200).body((OutputStream out) -> {
            throw new IOException("backend failed before anything was sent");
        }).build();

        responder.deliver(channel, gate, ex, failing, done);
        channel.runPendingTasks();

        assertFalse(channel.isOpen());
        assertEquals(Boolean.FALSE, outcome);
        assertEquals(1, stats.exceptions());
    }

    @Test
    void theRestOfAHalfSentResponseGoesOut() {
        ByteBuf rest = Unpooled.copiedBuffer("lo, World!", StandardCharsets.US_ASCII);

        responder.sendRest(channel, ex, rest, done);

        assertEquals("lo, World!", written());
        assertEquals(Boolean.TRUE, outcome);
        assertTrue(ex.answering);
    }
}
