package dev.gatehouse.appserver.worker;

import dev.gatehouse.conf.AddressRange;
import io.netty.channel.unix.NativeInetAddress;
import java.net.InetSocketAddress;
import java.util.List;

/**
 * The {@code allow} list of a TCP worker: which fronts may connect. The uwsgi vars are believed
 * as sent ({@code REMOTE_ADDR}, {@code HTTPS}), so whoever reaches the socket could claim any
 * client or scheme; a connection from elsewhere is closed before a byte is read.
 *
 * @param ranges the allowed ranges; never empty (no filter at all is {@code null})
 */
record PeerFilter(List<AddressRange> ranges) {

    PeerFilter {
        ranges = List.copyOf(ranges);
        if (ranges.isEmpty()) {
            throw new IllegalArgumentException("an empty allow list admits nobody; use no filter instead");
        }
    }

    /**
     * Parses the master's {@code --allow} option: ranges separated by commas.
     *
     * @return the filter, or null when the option is absent or empty (loopback binds, unix sockets)
     */
    static PeerFilter parse(String option) {
        if (option == null || option.isEmpty()) {
            return null;
        }
        return new PeerFilter(java.util.Arrays.stream(option.split(",")).map(AddressRange::parse).toList());
    }

    /**
     * The peer of an accepted connection, as {@code accept4} wrote it into Netty's address
     * buffer (length byte, then the address), or null when that buffer holds none.
     */
    static InetSocketAddress peer(byte[] acceptAddress) {
        int len = acceptAddress[0];
        return len <= 0 ? null : NativeInetAddress.address(acceptAddress, 1, len);
    }

    /** Whether {@code peer} may connect; an unknown peer may not. */
    boolean allows(InetSocketAddress peer) {
        if (peer == null) {
            return false;
        }
        for (AddressRange r : ranges) {
            if (r.contains(peer.getAddress())) {
                return true;
            }
        }
        return false;
    }
}
