package dev.gatehouse.uwsgi;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.ReferenceCountUtil;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Feeds bytes through a {@link UwsgiRequestDecoder} in an {@link EmbeddedChannel}, in the given
 * writes, and turns what comes out into plain values, releasing every message. It also checks the
 * decoder's framing promise: each request is followed by chunks ending with exactly one last one.
 */
final class DecoderHarness {

    record DecodedRequest(int modifier1, int modifier2, int datasize, List<NginxPacket.Var> vars,
                          long contentLength, byte[] body, int chunks) {
    }

    /**
     * @param requests   complete requests (those whose last chunk arrived), in order
     * @param error      the first exception the channel raised, or null
     * @param incomplete whether a request was emitted without its last chunk
     */
    record Outcome(List<DecodedRequest> requests, Throwable error, boolean incomplete) {

        DecodedRequest only() {
            if (error != null) {
                throw new AssertionError("decoding failed", error);
            }
            if (requests.size() != 1 || incomplete) {
                throw new AssertionError("expected exactly one request, got " + requests + " incomplete=" + incomplete);
            }
            return requests.get(0);
        }
    }

    private DecoderHarness() {
    }

    static Outcome decode(byte[] bytes) {
        return decode(UwsgiDecoderConfig.defaults(), List.of(bytes));
    }

    static Outcome decode(UwsgiDecoderConfig config, byte[] bytes) {
        return decode(config, List.of(bytes));
    }

    /** Splits {@code bytes} at {@code at} into two writes. */
    static Outcome decodeSplit(byte[] bytes, int at) {
        return decode(UwsgiDecoderConfig.defaults(),
                List.of(Arrays.copyOfRange(bytes, 0, at), Arrays.copyOfRange(bytes, at, bytes.length)));
    }

    static Outcome decodeByteByByte(byte[] bytes) {
        List<byte[]> writes = new ArrayList<>(bytes.length);
        for (byte b : bytes) {
            writes.add(new byte[] {b});
        }
        return decode(UwsgiDecoderConfig.defaults(), writes);
    }

    static Outcome decode(UwsgiDecoderConfig config, List<byte[]> writes) {
        EmbeddedChannel channel = new EmbeddedChannel(new UwsgiRequestDecoder(config));
        Throwable error = null;
        for (byte[] write : writes) {
            // Allocator buffers, not Unpooled wrappers, so that PARANOID leak detection tracks them.
            ByteBuf in = ByteBufAllocator.DEFAULT.buffer(Math.max(write.length, 1)).writeBytes(write);
            try {
                channel.writeInbound(in);
            } catch (Throwable t) {
                error = firstOf(error, t);
            }
        }
        try {
            channel.finish();
        } catch (Throwable t) {
            error = firstOf(error, t);
        }
        return drain(channel, error);
    }

    private static Throwable firstOf(Throwable first, Throwable next) {
        if (first != null) {
            // The decoder must go quiet after its first error; a second one is a bug.
            first.addSuppressed(new AssertionError("decoder raised a second exception", next));
            throw new AssertionError("decoder raised more than one exception", first);
        }
        return next;
    }

    private static Outcome drain(EmbeddedChannel channel, Throwable error) {
        List<DecodedRequest> requests = new ArrayList<>();
        DecodedRequest head = null;
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        int chunks = 0;
        for (Object msg; (msg = channel.readInbound()) != null; ) {
            try {
                if (msg instanceof UwsgiRequest request) {
                    if (head != null) {
                        throw new AssertionError("request " + request + " before the last chunk of " + head);
                    }
                    head = new DecodedRequest(request.modifier1(), request.modifier2(),
                            request.vars().encodedSize(), varsOf(request.vars()), request.contentLength(), null, 0);
                    body.reset();
                    chunks = 0;
                } else if (msg instanceof UwsgiContent content) {
                    if (head == null) {
                        throw new AssertionError("body chunk " + content + " outside a request");
                    }
                    body.writeBytes(ByteBufUtil.getBytes(content.content()));
                    chunks++;
                    if (content.isLast()) {
                        requests.add(new DecodedRequest(head.modifier1(), head.modifier2(), head.datasize(),
                                head.vars(), head.contentLength(), body.toByteArray(), chunks));
                        head = null;
                    }
                } else {
                    throw new AssertionError("unexpected message " + msg);
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }
        return new Outcome(List.copyOf(requests), error, head != null);
    }

    static List<NginxPacket.Var> varsOf(UwsgiVars vars) {
        List<NginxPacket.Var> list = new ArrayList<>(vars.size());
        for (int i = 0; i < vars.size(); i++) {
            list.add(new NginxPacket.Var(vars.key(i), vars.value(i)));
        }
        return List.copyOf(list);
    }
}
