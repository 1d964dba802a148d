package dev.gatehouse.proxy.http2;

import io.netty.handler.codec.http2.Http2Connection;
import io.netty.handler.codec.http2.Http2ConnectionAdapter;
import io.netty.handler.codec.http2.Http2Stream;
import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.Set;

/**
 * What a connection remembers of the client's streams once Netty has forgotten them, so that a
 * frame on one of them gets the error RFC 9113 gives it. Netty drops a stream when it closes and
 * then answers every HEADERS or DATA frame on its id with a stream error STREAM_CLOSED, "the lesser
 * of the two errors" because it cannot tell the cases apart (DefaultHttp2ConnectionDecoder). The
 * RFC can:
 * <ul>
 *   <li>a stream that was reset, by either side: frames may still be in flight from before the
 *       client saw the reset (5.1, "closed"), so a stream error STREAM_CLOSED, Netty's answer;</li>
 *   <li>an id the client skipped, lower than one it opened since: a new stream with an id not above
 *       all earlier ones, a connection error PROTOCOL_ERROR (5.1.1);</li>
 *   <li>any other stream ended with END_STREAM both ways: frames after END_STREAM are a connection
 *       error STREAM_CLOSED (5.1).</li>
 * </ul>
 * Both memories are bounded: a reset older than the last {@value #REMEMBERED_RESETS} resets counts
 * as a normal end (RFC 9113 5.1 lets an endpoint limit how long it ignores frames after a reset),
 * and skipped ranges past {@value #REMEMBERED_GAPS} count as ended streams (still a connection
 * error, with STREAM_CLOSED instead of PROTOCOL_ERROR).
 */
final class ClosedStreams extends Http2ConnectionAdapter {

    static final int REMEMBERED_RESETS = 1024;
    static final int REMEMBERED_GAPS = 64;

    /** How a closed client stream ended. */
    enum Ending {
        /** Reset by either side. */
        RESET,
        /** Never opened: the client skipped its id. */
        NEVER_OPENED,
        /** Ended with END_STREAM both ways. */
        ENDED
    }

    private final Http2Connection connection;
    private final Set<Integer> resets = new HashSet<>();
    private final ArrayDeque<Integer> resetOrder = new ArrayDeque<>(1); // small until used: most connections never reset
    /** Skipped id ranges, inclusive, as {from, to} pairs, oldest first. */
    private final ArrayDeque<int[]> gaps = new ArrayDeque<>(1);
    private int lastOpened = -1;

    ClosedStreams(Http2Connection connection) {
        this.connection = connection;
        connection.addListener(this);
    }

    @Override
    public void onStreamAdded(Http2Stream stream) {
        if (!connection.remote().created(stream)) {
            return;
        }
        int id = stream.id();
        if (id > lastOpened + 2) {
            if (gaps.size() == REMEMBERED_GAPS) {
                gaps.poll();
            }
            gaps.add(new int[] {lastOpened + 2, id - 2});
        }
        lastOpened = id;
    }

    @Override
    public void onStreamClosed(Http2Stream stream) {
        if (stream.isResetSent()) {
            reset(stream.id());
        }
    }

    /** A reset sent or received for {@code id}, including streams refused before they opened. */
    void reset(int id) {
        if (resets.add(id)) {
            resetOrder.add(id);
            if (resetOrder.size() > REMEMBERED_RESETS) {
                resets.remove(resetOrder.poll());
            }
        }
    }

    /** How the client stream {@code id}, which Netty no longer knows, ended. */
    Ending ending(int id) {
        if (resets.contains(id)) {
            return Ending.RESET;
        }
        for (int[] gap : gaps) {
            if (id >= gap[0] && id <= gap[1]) {
                return Ending.NEVER_OPENED;
            }
        }
        return Ending.ENDED;
    }
}
