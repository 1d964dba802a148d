package dev.gatehouse.appserver.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gatehouse.appserver.api.Application;
import dev.gatehouse.appserver.api.Request;
import dev.gatehouse.appserver.api.Response;
import dev.gatehouse.uwsgi.NoLeaks;
import io.netty.channel.unix.DomainSocketAddress;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** An application's isNonBlocking hint runs the request on the I/O thread, with its whole body. */
@ExtendWith(NoLeaks.class)
class NonBlockingHintTest {

    @TempDir
    Path dir;

    private WorkerServer server;

    /** Answers with the thread that ran it and the body length it read. */
    static final class ThreadReportingApp implements Application {
        @Override
        public boolean isNonBlocking(Request request) {
            return request.path().startsWith("/inline");
        }

        @Override
        public Response handle(Request request) throws IOException {
            long n = request.body().readAllBytes().length;
            Thread t = Thread.currentThread();
            return Response.ok((t.isVirtual() ? "virtual" : t.getName()) + " " + n);
        }
    }

    @BeforeEach
    void start() throws Exception {
        server = WorkerServer.bind(WorkerOptions.defaults(), new ThreadReportingApp(),
                new DomainSocketAddress(dir.resolve("app.sock").toString()), 16);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private String body(byte[] packet) throws IOException {
        try (UwsgiTestClient c = new UwsgiTestClient(dir.resolve("app.sock"))) {
            return c.send(packet).response().bodyText();
        }
    }

    @Test
    void hintedRequestRunsOnTheIoThreadWithItsWholeBody() throws Exception {
        String answer = body(UwsgiTestClient.request("POST", "/inline", new byte[RequestPolicy.INLINE_BODY_LIMIT]));
        assertTrue(answer.startsWith("gatehouse-io"), answer);
        assertEquals(" " + RequestPolicy.INLINE_BODY_LIMIT, answer.substring(answer.indexOf(' ')));
    }

    @Test
    void bodyPastTheInlineLimitGoesToAVirtualThread() throws Exception {
        int n = RequestPolicy.INLINE_BODY_LIMIT + 1;
        assertEquals("virtual " + n, body(UwsgiTestClient.request("POST", "/inline", new byte[n])));
    }

    @Test
    void unhintedRequestRunsOnAVirtualThread() throws Exception {
        assertEquals("virtual 0", body(UwsgiTestClient.get("/other")));
    }
}
