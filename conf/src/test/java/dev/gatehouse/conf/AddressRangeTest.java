package dev.gatehouse.conf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import org.junit.jupiter.api.Test;

class AddressRangeTest {

    private static InetAddress ip(String literal) throws Exception {
        return InetAddress.getByName(literal);
    }

    @Test
    void prefixBoundariesAreExact() throws Exception {
        AddressRange r = AddressRange.parse("10.1.2.0/23");
        assertEquals("10.1.2.0/23", r.toString());
        assertTrue(r.contains(ip("10.1.2.0")));
        assertTrue(r.contains(ip("10.1.3.255")));
        assertFalse(r.contains(ip("10.1.4.0")));
        assertFalse(r.contains(ip("10.1.1.255")));
        // Host bits are cleared, so the text form is the network's.
        assertEquals("10.1.2.0/23", AddressRange.parse("10.1.3.7/23").toString());
    }

    @Test
    void aBareAddressIsOneHostAndZeroPrefixIsEveryAddressOfTheFamily() throws Exception {
        AddressRange one = AddressRange.parse("127.0.0.1");
        assertTrue(one.contains(ip("127.0.0.1")));
        assertFalse(one.contains(ip("127.0.0.2")));
        AddressRange all4 = AddressRange.parse("0.0.0.0/0");
        assertTrue(all4.contains(ip("203.0.113.9")));
        assertFalse(all4.contains(ip("::1")));
    }

    @Test
    void ipv6RangesAndMappedIpv4Peers() throws Exception {
        AddressRange r = AddressRange.parse("fd00::/8");
        assertTrue(r.contains(ip("fd12:3456::1")));
        assertFalse(r.contains(ip("fe80::1")));
        // An IPv4 client of a dual-stack socket shows as ::ffff:a.b.c.d.
        assertTrue(AddressRange.parse("192.0.2.0/24").contains(
                InetAddress.getByAddress(new byte[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff, (byte) 192, 0, 2, 9})));
    }

    @Test
    void anyIsOnlyTheWord() throws Exception {
        assertTrue(AddressRange.parse("any").contains(ip("198.51.100.1")));
        assertEquals("any", AddressRange.ANY.toString());
    }

    @Test
    void namesAndBadPrefixesAreRefusedWithoutALookup() {
        assertThrows(InvalidValueException.class, () -> AddressRange.parse("example.com"));
        assertThrows(InvalidValueException.class, () -> AddressRange.parse("10.0.0.0/33"));
        assertThrows(InvalidValueException.class, () -> AddressRange.parse("10.0.0.0/-1"));
        assertThrows(InvalidValueException.class, () -> AddressRange.parse("10.0.0.0/x"));
        assertThrows(InvalidValueException.class, () -> AddressRange.parse("::1/129"));
        assertThrows(InvalidValueException.class, () -> AddressRange.parse("ANY"));
    }
}
