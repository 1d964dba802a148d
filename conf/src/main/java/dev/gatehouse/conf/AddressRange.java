package dev.gatehouse.conf;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * An IP address range in CIDR form ({@code 10.0.0.0/8}, {@code 192.0.2.7}, {@code fd00::/8}), or
 * {@link #ANY}, written {@code any}: what {@code allow} lists for the fronts that may connect to
 * a TCP app-server. Only literals: a host name would make the trust boundary depend on DNS.
 *
 * @param network the range's first address (host bits zero); null for {@link #ANY}
 * @param prefix the prefix length, 0 to 32 (IPv4) or 128 (IPv6)
 */
public record AddressRange(InetAddress network, int prefix) {

    /** Every address: {@code allow = ["any"]}, said explicitly. */
    public static final AddressRange ANY = new AddressRange(null, 0);

    private static final String EXPECTED = "an IP address or CIDR range such as 10.0.0.0/8, 192.0.2.7 or fd00::/8,"
            + " or \"any\"";

    /** Checks the prefix against the family. */
    public AddressRange {
        if (network != null) {
            int bits = network.getAddress().length * 8;
            if (prefix < 0 || prefix > bits) {
                throw new IllegalArgumentException("prefix /" + prefix + " for a " + bits + "-bit address");
            }
        }
    }

    /**
     * Parses {@code any}, an address, or an address with {@code /prefix}.
     *
     * @throws InvalidValueException naming the text and what was expected
     */
    public static AddressRange parse(String text) {
        if (text.equals("any")) {
            return ANY;
        }
        int slash = text.indexOf('/');
        String address = slash < 0 ? text : text.substring(0, slash);
        // Literal check before InetAddress, which would otherwise look a name up in DNS.
        if (!address.matches("[0-9.]+|[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*")) {
            throw new InvalidValueException("address range", text, EXPECTED);
        }
        InetAddress ip;
        try {
            ip = InetAddress.getByName(address);
        } catch (UnknownHostException e) {
            throw new InvalidValueException("address range", text, EXPECTED);
        }
        int bits = ip.getAddress().length * 8;
        int prefix = bits;
        if (slash >= 0) {
            try {
                prefix = Integer.parseInt(text.substring(slash + 1));
            } catch (NumberFormatException e) {
                throw new InvalidValueException("address range", text, EXPECTED);
            }
            if (prefix < 0 || prefix > bits) {
                throw new InvalidValueException("address range", text, "a prefix length from 0 to " + bits);
            }
        }
        return new AddressRange(mask(ip, prefix), prefix);
    }

    private static InetAddress mask(InetAddress ip, int prefix) {
        byte[] b = ip.getAddress();
        for (int i = 0; i < b.length; i++) {
            int keep = Math.max(0, Math.min(8, prefix - i * 8));
            b[i] &= (byte) (0xff << (8 - keep));
        }
        try {
            return InetAddress.getByAddress(b);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e); // a 4- or 16-byte array is always an address
        }
    }

    /**
     * Whether {@code address} lies in this range. An IPv4 peer that reaches an IPv6 socket as
     * {@code ::ffff:a.b.c.d} is compared as the IPv4 address it is.
     */
    public boolean contains(InetAddress address) {
        if (network == null) {
            return true;
        }
        byte[] a = address.getAddress();
        if (a.length == 16 && network.getAddress().length == 4 && isMappedV4(a)) {
            a = java.util.Arrays.copyOfRange(a, 12, 16);
        }
        byte[] n = network.getAddress();
        if (a.length != n.length) {
            return false;
        }
        for (int i = 0; i < n.length; i++) {
            int keep = Math.max(0, Math.min(8, prefix - i * 8));
            int maskByte = (0xff << (8 - keep)) & 0xff;
            if ((a[i] & maskByte) != (n[i] & 0xff)) {
                return false;
            }
        }
        return true;
    }

    private static boolean isMappedV4(byte[] a) {
        for (int i = 0; i < 10; i++) {
            if (a[i] != 0) {
                return false;
            }
        }
        return a[10] == (byte) 0xff && a[11] == (byte) 0xff;
    }

    /** {@code any}, or the CIDR text that parses back to this range. */
    @Override
    public String toString() {
        if (network == null) {
            return "any";
        }
        return network.getHostAddress() + "/" + prefix;
    }
}
