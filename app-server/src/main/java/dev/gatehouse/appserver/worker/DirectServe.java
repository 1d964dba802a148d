package dev.gatehouse.appserver.worker;

import dev.gatehouse.appserver.api.Response;
import dev.gatehouse.uwsgi.GatehouseVars;
import dev.gatehouse.uwsgi.UwsgiDecoderConfig;
import dev.gatehouse.uwsgi.UwsgiRequest;
import dev.gatehouse.uwsgi.UwsgiRequestDecoder;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.unix.FileDescriptor;
import java.io.IOException;
import java.nio.ByteBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves a freshly accepted connection straight from its socket, without a Netty channel, when
 * that is the whole job: its first read holds one complete request for the event loop (a
 * non-blocking app), and the response fits in memory. Then the connection costs what it costs
 * uWSGI: accept, read, write, close. No channel, pipeline, epoll registration or timer.
 *
 * <p>This is nginx's case: {@code uwsgi_pass} opens a connection per request, writes the whole
 * packet right after connecting, and waits for the response and the close.
 *
 * <p>Everything else becomes a channel with the usual pipeline ({@link ChannelOpener}), so every
 * behaviour stays where it is: a packet still in transit or malformed, a keep-alive request,
 * a request for a virtual thread, and after the application ran, a streamed or file body or a
 * socket that took only part of the response ({@link UwsgiConnectionHandler.Adopted}). The
 * bytes read here are handed to the channel as its first read.
 *
 * <p>Runs on the event loop and finishes each connection before returning, so nothing of a
 * directly served connection outlives the call: a graceful stop has nothing to wait for.
 */
final class DirectServe {

    private static final Logger log = LoggerFactory.getLogger(DirectServe.class);

    /** First read: nginx's packet for a request with a few headers is well under 2 KiB. */
    static final int FIRST_READ = 4096;
    /** Past this, a request is left to the channel, which streams it. */
    static final int MAX_DIRECT_READ = 128 * 1024;

    /** Opens a channel on an accepted descriptor and gives it what was read or answered. */
    interface ChannelOpener {
        /**
         * @param first the bytes read so far (the channel's first read, maybe empty), or an
         *     {@link UwsgiConnectionHandler.Adopted} request; owned by the callee
         */
        void open(int fd, Object first);
    }

    private final WorkerRuntime rt;
    private final UwsgiDecoderConfig decoderConfig;
    private final ByteBufAllocator alloc;
    private final ChannelOpener opener;

    DirectServe(WorkerRuntime rt, UwsgiDecoderConfig decoderConfig, ByteBufAllocator alloc, ChannelOpener opener) {
        this.rt = rt;
        this.decoderConfig = decoderConfig;
        this.alloc = alloc;
        this.opener = opener;
    }

    /** Serves, or hands over, the connection on {@code fd} (non-blocking, just accepted). */
    void serve(int fd) {
        FileDescriptor socket = new FileDescriptor(fd);
        ByteBuf in = alloc.directBuffer(FIRST_READ);
        boolean eof;
        try {
            eof = readAvailable(socket, in);
        } catch (IOException e) {
            in.release();
            rt.stats().connection();
            log.info("worker {}: connection error, closing: {}", rt.options().workerId(), e.getMessage());
            closeQuietly(socket);
            return;
        }
        if (eof && !in.isReadable()) {
            // Closed before sending anything: nothing to answer, nothing to log (as on a channel).
            in.release();
            rt.stats().connection();
            closeQuietly(socket);
            return;
        }
        UwsgiRequest packet = eof ? null : UwsgiRequestDecoder.decodeWhole(in, decoderConfig, alloc);
        if (packet == null || UwsgiConnectionHandler.keepAliveAsked(rt, packet)
                || !UwsgiConnectionHandler.runsInline(rt, packet)) {
            if (packet != null) {
                packet.release();
                in.readerIndex(0);
            }
            opener.open(fd, in);
            return;
        }
        Exchange ex = new Exchange(packet, new RequestBody(packet.contentLength(), FlowControl.NONE), false,
                isOne(packet, GatehouseVars.CHUNKED));
        ex.inline = true;
        ex.dispatched = true;
        ex.bodyReceived = true;
        if (packet.contentLength() > 0) {
            ex.body.offer(in.retainedSlice());
        }
        in.release();
        respond(socket, ex);
    }

    private void respond(FileDescriptor socket, Exchange ex) {
        Response response;
        boolean counted = !UwsgiConnectionHandler.overloaded(rt, ex);
        if (counted) {
            ex.statsId = rt.stats().enter(ex.requestLine);
            response = UwsgiConnectionHandler.call(rt, ex); // never null: the whole body is in
        } else {
            response = UwsgiConnectionHandler.OVERLOADED;
        }
        ByteBuf out = rt.writer().encodeWhole(alloc, response, "HEAD".equals(ex.request.method()), ex.chunkedOk);
        if (out == null) {
            opener.open(socket.intValue(), new UwsgiConnectionHandler.Adopted(ex, response, null, counted));
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
            finish(socket, ex, counted);
            return;
        }
        if (!sent) {
            opener.open(socket.intValue(), new UwsgiConnectionHandler.Adopted(ex, response, out, counted));
            return;
        }
        out.release();
        finish(socket, ex, counted);
    }

    private void finish(FileDescriptor socket, Exchange ex, boolean counted) {
        if (counted) {
            rt.stats().exit(ex.statsId, System.nanoTime() - ex.startNanos);
        }
        ex.release();
        ex.body.discard();
        rt.stats().directConnection();
        closeQuietly(socket);
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

    private static boolean isOne(UwsgiRequest packet, dev.gatehouse.uwsgi.VarKey key) {
        int i = packet.vars().indexOf(key);
        return i >= 0 && packet.vars().valueEquals(i, "1");
    }

    private static void closeQuietly(FileDescriptor socket) {
        try {
            socket.close();
        } catch (IOException ignored) {
            // the connection is done either way
        }
    }
}
