package dev.gatehouse.appserver.servlet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.io.EofException;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.Test;

/** Jetty's buffers to the worker's reads: one at a time, each callback completed once taken. */
class ResponseBodyPipeTest {

    /** A callback as a future: done with null on success, with the failure otherwise. */
    private static final class Done extends CompletableFuture<Throwable> implements Callback {
        @Override
        public void succeeded() {
            complete(null);
        }

        @Override
        public void failed(Throwable x) {
            complete(x);
        }
    }

    private static ByteBuffer text(String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void aBuffersCallbackCompletesOnlyOnceTheReaderTookEveryByte() throws Exception {
        ResponseBodyPipe pipe = new ResponseBodyPipe();
        Done first = new Done();
        pipe.offer(text("hello"), false, first);
        byte[] b = new byte[3];
        assertEquals(3, pipe.read(b, 0, 3));
        assertFalse(first.isDone(), "completed before the reader took the whole buffer");
        assertEquals(2, pipe.read(b, 0, 3));
        assertEquals(null, first.get(5, TimeUnit.SECONDS));
        Done last = new Done();
        pipe.offer(text("!"), true, last);
        assertEquals('!', pipe.read());
        assertEquals(-1, pipe.read());
        assertEquals(null, last.get(5, TimeUnit.SECONDS));
    }

    @Test
    void aReaderWaitsForTheWriter() throws Exception {
        ResponseBodyPipe pipe = new ResponseBodyPipe();
        CompletableFuture<byte[]> read = CompletableFuture.supplyAsync(() -> {
            try {
                return pipe.readAllBytes();
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        });
        Done a = new Done();
        pipe.offer(text("ab"), false, a);
        a.get(5, TimeUnit.SECONDS);
        pipe.offer(null, true, new Done());
        assertArrayEquals("ab".getBytes(StandardCharsets.UTF_8), read.get(5, TimeUnit.SECONDS));
    }

    @Test
    void closingWithBytesUnreadFailsThatBufferAndLaterOnesButNotAnEmptyLast() throws Exception {
        ResponseBodyPipe pipe = new ResponseBodyPipe();
        Done pending = new Done();
        pipe.offer(text("unread"), false, pending);
        pipe.close();
        assertTrue(pending.get(5, TimeUnit.SECONDS) instanceof EofException);
        Done later = new Done();
        pipe.offer(text("more"), false, later);
        assertTrue(later.get(5, TimeUnit.SECONDS) instanceof EofException);
        Done emptyLast = new Done();
        pipe.offer(ByteBuffer.allocate(0), true, emptyLast);
        assertEquals(null, emptyLast.get(5, TimeUnit.SECONDS));
    }

    @Test
    void aFailureOfTheServletFailsTheReader() {
        ResponseBodyPipe pipe = new ResponseBodyPipe();
        pipe.fail(new IllegalStateException("servlet blew up"));
        IOException e = assertThrows(IOException.class, () -> pipe.read(new byte[4], 0, 4));
        assertTrue(e.getMessage().contains("servlet blew up"), e.getMessage());
    }
}
