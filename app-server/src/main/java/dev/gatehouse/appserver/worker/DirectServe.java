package dev.gatehouse.appserver.worker;

import dev.gatehouse.appserver.api.Response;
import dev.gatehouse.uwsgi.UwsgiDecoderConfig;
import dev.gatehouse.uwsgi.UwsgiRequest;
import dev.gatehouse.uwsgi.UwsgiRequestDecoder;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.IoEvent;
import io.netty.channel.IoEventLoop;
import io.netty.channel.IoRegistration;
import io.netty.channel.epoll.EpollIoHandle;
import io.netty.channel.epoll.EpollIoOps;
import io.netty.channel.unix.FileDescriptor;
import io.netty.channel.unix.Socket;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves a freshly accepted connection straight from its socket, without a Netty channel, when
 * that is the whole job: its first read holds one complete request, and the response fits in
 * memory. Then the connection costs what it costs uWSGI: accept, read, write, close. No channel,
 * pipeline, epoll registration or timer. The request runs where it would on a channel: on the
 * event loop for a non-blocking app, else on a virtual thread, which then writes the response
 * and closes the socket itself.
 *
 * <p>This is nginx's case: {@code uwsgi_pass} opens a connection per request, writes the whole
 * packet right after connecting, and waits for the response and the close.
 *
 * <p>Everything else becomes a channel with the usual pipeline ({@link ChannelOpener}), so every
 * behaviour stays where it is: a packet still in transit or malformed, a keep-alive request,
 * and after the application ran, a streamed or file body or a socket that took only part of the
 * response. The channel gets a {@link Handover}: the bytes read here as its first read, or the
 * request with its response.
 *
 * <p>A connection accepted before its request arrived (the worker can win the race against
 * nginx's write) waits for it in the event loop's epoll set without a channel, and is then served
 * the same way. While it waits it counts as busy, so a graceful stop waits for its request, and
 * it is closed after {@code read_timeout} of silence, as a channel would be.
 *
 * <p>Runs on the event loop, but for the answer to a request that ran on a virtual thread.
 */
final class DirectServe {

    private static final Logger log = LoggerFactory.getLogger(DirectServe.class);

    /** First read: nginx's packet for a request with a few headers is well under 2 KiB. */
    static final int FIRST_READ = 4096;
    /** Past this, a request is left to the channel, which streams it. */
    static final int MAX_DIRECT_READ = 128 * 1024;

    /** Opens a channel on an accepted descriptor and gives it what was read or answered. */
    interface ChannelOpener {
        /** @param first what was read or answered already; owned by the callee */
        void open(int fd, Handover first);
    }

    private final WorkerRuntime rt;
    private final RequestPolicy policy;
    private final UwsgiDecoderConfig decoderConfig;
    private final ByteBufAllocator alloc;
    private final IoEventLoop loop;
    private final boolean tcp;
    private final ChannelOpener opener;
    /** Connections waiting for their request, oldest first (all wait the same read_timeout). */
    private final ArrayDeque<Waiting> waiting = new ArrayDeque<>();
    private volatile boolean abandoning;

    DirectServe(WorkerRuntime rt, RequestPolicy policy, UwsgiDecoderConfig decoderConfig, ByteBufAllocator alloc,
            IoEventLoop loop, boolean tcp, ChannelOpener opener) {
        this.rt = rt;
        this.policy = policy;
        this.decoderConfig = decoderConfig;
        this.alloc = alloc;
        this.loop = loop;
        this.tcp = tcp;
        this.opener = opener;
        // One sweep for all waiting connections instead of a timer each; a connection is closed
        // between read_timeout and 1.5 x read_timeout (at most 1 s late) after it was accepted.
        long period = Math.max(10, Math.min(1000, rt.options().readTimeout().toMillis() / 2));
        loop.scheduleAtFixedRate(this::expireWaiting, period, period, TimeUnit.MILLISECONDS);
    }

    /** Serves, or hands over, the connection on {@code fd} (non-blocking, just accepted). */
    void serve(int fd) {
        attempt(new FileDescriptor(fd), null);
    }

    /**
     * @param waited the connection's wait for its request, now over; null on the first attempt
     */
    private void attempt(FileDescriptor socket, Waiting waited) {
        ByteBuf in = alloc.directBuffer(FIRST_READ);
        boolean eof;
        try {
            eof = readAvailable(socket, in);
        } catch (IOException e) {
            in.release();
            log.info("worker {}: connection error, closing: {}", rt.options().workerId(), e.getMessage());
            close(socket, waited);
            return;
        }
        if (!in.isReadable()) {
            if (eof) {
                // Closed before sending anything: nothing to answer, nothing to log (as on a channel).
                in.release();
                close(socket, waited);
                return;
            }
            if (waited == null) {
                in.release();
                await(socket);
                return;
            }
        }
        UwsgiRequest packet = eof ? null : UwsgiRequestDecoder.decodeWhole(in, decoderConfig, alloc);
        if (packet == null || policy.needsChannel(packet)) {
            if (packet != null) {
                packet.release();
                in.readerIndex(0);
            }
            handOff(socket, waited, new Handover.Unread(in));
            return;
        }
        Exchange ex = policy.exchange(packet, FlowControl.NONE, false, policy.runsInline(packet));
        ex.dispatched = true;
        ex.bodyReceived = true;
        if (packet.contentLength() > 0) {
            ex.body.offer(in.retainedSlice());
        }
        in.release();
        respond(socket, waited, ex);
    }

    /** A channel takes the connection over; the epoll set must not hold its descriptor then. */
    private void handOff(FileDescriptor socket, Waiting waited, Handover first) {
        if (!loop.inEventLoop()) {
            try {
                loop.execute(() -> handOff(socket, waited, first));
            } catch (RejectedExecutionException e) {
                // The worker is closing: no channel any more, nothing left to send the rest with.
                first.abandon(policy);
                close(socket, null);
            }
            return;
        }
        if (waited != null) {
            waited.leaveEpoll();
        }
        opener.open(socket.intValue(), first);
    }

    /** Closes a connection that had no request to serve. */
    private void close(FileDescriptor socket, Waiting waited) {
        rt.stats().connection();
        closeQuietly(socket);
        if (waited != null) {
            waited.leaveEpoll(); // after the close: the kernel dropped it from epoll already
        }
    }

    private void respond(FileDescriptor socket, Waiting waited, Exchange ex) {
        if (policy.overloaded(ex)) {
            reply(socket, waited, ex, RequestPolicy.OVERLOADED);
            return;
        }
        policy.begin(ex);
        if (ex.inline) {
            reply(socket, waited, ex, policy.call(ex)); // never null: the body is in
            return;
        }
        // A request that may block runs on its own virtual thread, which then answers on the
        // socket itself: nothing else touches the descriptor meanwhile (it is in no epoll set).
        if (waited != null) {
            waited.leaveEpoll();
        }
        rt.executor().execute(() -> reply(socket, null, ex, policy.call(ex)));
    }

    /**
     * The worker is closing past its grace: requests still running get no answer, their
     * connections are closed (nginx answers 502), as the channels' connections are closed then.
     * Set before the request threads are interrupted, so an app failing on the interrupt does not
     * send a 500 instead.
     */
    void abandonRunning() {
        abandoning = true;
    }

    /** Sends the response and closes, or hands both to a channel; on the event loop or the request's thread. */
    private void reply(FileDescriptor socket, Waiting waited, Exchange ex, Response response) {
        if (abandoning) {
            finish(socket, waited, ex);
            return;
        }
        ByteBuf out = rt.writer().encodeWhole(alloc, response, "HEAD".equals(ex.request.method()), ex.chunkedOk);
        if (out == null) {
            handOff(socket, waited, new Handover.Unsent(ex, response));
            return;
        }
        if (!out.isDirect()) {
            // The native write takes direct memory only (a channel converts the same way).
            ByteBuf direct = alloc.directBuffer(out.readableBytes()).writeBytes(out);
            out.release();
            out = direct;
        }
        boolean sent;
        try {
            writeAvailable(socket, out);
            sent = !out.isReadable();
        } catch (IOException e) {
            // The front went away: as on a channel, the failed write closes the connection quietly.
            out.release();
            finish(socket, waited, ex);
            return;
        }
        if (!sent) {
            handOff(socket, waited, new Handover.HalfSent(ex, out));
            return;
        }
        out.release();
        finish(socket, waited, ex);
    }

    private void finish(FileDescriptor socket, Waiting waited, Exchange ex) {
        policy.end(ex);
        rt.stats().directConnection();
        closeQuietly(socket);
        if (waited != null) {
            waited.leaveEpoll();
        }
    }

    // ---- connections accepted before their request arrived

    private void await(FileDescriptor socket) {
        Waiting w = new Waiting(socket, System.nanoTime() + rt.options().readTimeout().toNanos());
        rt.stats().connectionBusy();
        Waiting head;
        while ((head = waiting.peekFirst()) != null && head.done) {
            waiting.pollFirst();
        }
        waiting.addLast(w);
        loop.register(w).addListener(f -> {
            if (w.done) {
                return; // closed meanwhile (shutdown)
            }
            if (!f.isSuccess()) {
                log.warn("worker {}: cannot wait for a request in epoll ({}); handing the connection to a channel",
                        rt.options().workerId(), f.cause().toString());
                w.done = true;
                rt.stats().connectionIdle();
                opener.open(socket.intValue(), new Handover.Unread(alloc.buffer(0)));
                return;
            }
            w.registration = (IoRegistration) f.getNow();
            w.registration.submit(EpollIoOps.EPOLLIN);
        });
    }

    private void expireWaiting() {
        long now = System.nanoTime();
        Waiting w;
        while ((w = waiting.peekFirst()) != null && (w.done || now - w.deadline >= 0)) {
            waiting.pollFirst();
            if (!w.done) {
                log.warn("worker {}: no request from {} within read_timeout {}; closing the connection",
                        rt.options().workerId(), peer(w.socket), rt.options().readTimeout());
                w.end();
            }
        }
    }

    /** Closes every connection still waiting for its request; on the event loop, at shutdown. */
    void closeWaiting() {
        Waiting w;
        while ((w = waiting.pollFirst()) != null) {
            if (!w.done) {
                w.end();
            }
        }
    }

    private String peer(FileDescriptor socket) {
        // Rare (a timeout): the address is looked up only now, not for every connection.
        Socket s = new Socket(socket.intValue());
        return String.valueOf(tcp ? s.remoteAddress() : s.remoteDomainSocketAddress());
    }

    /** A connection in the epoll set until its request arrives; no channel, no timer. */
    private final class Waiting implements EpollIoHandle {
        final FileDescriptor socket;
        final long deadline;
        IoRegistration registration;
        boolean done;

        Waiting(FileDescriptor socket, long deadline) {
            this.socket = socket;
            this.deadline = deadline;
        }

        @Override
        public FileDescriptor fd() {
            return socket;
        }

        @Override
        public void handle(IoRegistration registration, IoEvent event) {
            if (!done) {
                done = true;
                rt.stats().connectionIdle();
                attempt(socket, this);
            }
        }

        /** Leaves the epoll set: one epoll_ctl while the descriptor is open, none once closed. */
        void leaveEpoll() {
            if (registration != null) {
                registration.cancel();
            }
        }

        /** Closes the connection without an answer: read timeout, or shutdown. */
        void end() {
            done = true;
            rt.stats().connectionIdle();
            DirectServe.this.close(socket, this);
        }

        @Override
        public void close() {
            // The event loop is shutting down with this connection still registered.
            if (!done) {
                end();
            }
        }
    }

    /**
     * Reads what the socket holds now into {@code buf}, growing it up to {@link #MAX_DIRECT_READ}.
     *
     * @return true if the peer closed its side
     */
    private static boolean readAvailable(FileDescriptor socket, ByteBuf buf) throws IOException {
        for (;;) {
            int n;
            if (buf.hasMemoryAddress()) {
                n = socket.readAddress(buf.memoryAddress(), buf.writerIndex(), buf.capacity());
            } else {
                ByteBuffer nio = buf.internalNioBuffer(buf.writerIndex(), buf.writableBytes());
                n = socket.read(nio, nio.position(), nio.limit());
            }
            if (n < 0) {
                return true;
            }
            buf.writerIndex(buf.writerIndex() + n);
            // A short read (or none: EAGAIN) took everything there was.
            if (n == 0 || buf.isWritable() || buf.capacity() >= MAX_DIRECT_READ) {
                return false;
            }
            buf.capacity(Math.min(buf.capacity() * 2, MAX_DIRECT_READ));
        }
    }

    /** Writes what the socket takes now; the rest stays readable in {@code buf}. */
    private static void writeAvailable(FileDescriptor socket, ByteBuf buf) throws IOException {
        while (buf.isReadable()) {
            int n;
            if (buf.hasMemoryAddress()) {
                n = socket.writeAddress(buf.memoryAddress(), buf.readerIndex(), buf.writerIndex());
            } else {
                ByteBuffer nio = buf.nioBuffer();
                n = socket.write(nio, nio.position(), nio.limit());
            }
            if (n <= 0) {
                return;
            }
            buf.skipBytes(n);
        }
    }

    private static void closeQuietly(FileDescriptor socket) {
        try {
            socket.close();
        } catch (IOException ignored) {
            // the connection is done either way
        }
    }
}
