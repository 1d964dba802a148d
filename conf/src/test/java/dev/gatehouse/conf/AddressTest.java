package dev.gatehouse.conf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.net.UnixDomainSocketAddress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class AddressTest {

    @Test
    void parsesUnixSocketPath() {
        Address a = Address.parse("unix:/run/gatehouse/app.sock");
        assertTrue(a.isUnix());
        assertEquals("/run/gatehouse/app.sock", a.path());
        assertNull(a.host());
        assertEquals(0, a.port());
    }

    @Test
    void parsesHostAndPort() {
        Address a = Address.parse("127.0.0.1:3031");
        assertFalse(a.isUnix());
        assertEquals("127.0.0.1", a.host());
        assertEquals(3031, a.port());
        assertNull(a.path());
    }

    @Test
    void parsesBracketedIpv6WithoutTheBrackets() {
        Address a = Address.parse("[::1]:3031");
        assertEquals("::1", a.host());
        assertEquals(3031, a.port());
    }

    @Test
    void parsesWildcards() {
        assertTrue(Address.parse("*:8080").isWildcard());
        assertTrue(Address.parse("0.0.0.0:8080").isWildcard());
        assertFalse(Address.parse("127.0.0.1:8080").isWildcard());
    }

    @ParameterizedTest
    @ValueSource(strings = {"unix:/run/gatehouse/app.sock", "127.0.0.1:3031", "localhost:80", "[::1]:3031",
            "[2001:db8::7]:65535", "*:8080", "0.0.0.0:1", "app-server_1.internal:3031"})
    void toStringRoundTrips(String text) {
        assertEquals(text, Address.parse(text).toString());
        assertEquals(Address.parse(text), Address.parse(Address.parse(text).toString()));
    }

    @Test
    void acceptsPortsAtTheLimits() {
        assertEquals(1, Address.parse("h:1").port());
        assertEquals(65535, Address.parse("h:65535").port());
    }

    @ParameterizedTest
    @ValueSource(strings = {"h:0", "h:65536", "h:99999999", "h:", "h:-1", "h:+80", "h:8o"})
    void rejectsPortsOutOfRange(String text) {
        var e = assertThrows(InvalidValueException.class, () -> Address.parse(text));
        assertEquals("invalid address \"" + text + "\": expected a port from 1 to 65535 after the last ':'", e.getMessage());
        assertEquals(text, e.value());
        assertEquals("a port from 1 to 65535 after the last ':'", e.expected());
    }

    @Test
    void rejectsRelativeUnixPath() {
        var e = assertThrows(InvalidValueException.class, () -> Address.parse("unix:run/app.sock"));
        assertEquals("invalid address \"unix:run/app.sock\": expected an absolute path after unix:, "
                + "such as unix:/run/gatehouse/app.sock", e.getMessage());
    }

    @Test
    void acceptsUnixPathOfExactlyTheKernelLimitAndRejectsOneByteMore() {
        String atLimit = "/" + "a".repeat(Address.MAX_UNIX_PATH_BYTES - 1);
        assertEquals(atLimit, Address.parse("unix:" + atLimit).path());
        var e = assertThrows(InvalidValueException.class, () -> Address.parse("unix:" + atLimit + "b"));
        assertEquals("a unix socket path of at most 107 bytes (the kernel's limit)", e.expected());
    }

    @Test
    void rejectsIpv6WithoutBrackets() {
        var e = assertThrows(InvalidValueException.class, () -> Address.parse("::1:3031"));
        assertEquals("invalid address \"::1:3031\": expected an IPv6 address in brackets, such as [::1]:3031",
                e.getMessage());
    }

    @Test
    void rejectsMalformedIpv6() {
        var e = assertThrows(InvalidValueException.class, () -> Address.parse("[::g]:80"));
        assertEquals("a valid IPv6 address in brackets, such as [::1]:3031", e.expected());
    }

    @ParameterizedTest
    @ValueSource(strings = {"exa mple:80", "-bad.example:80", "10.0.0.256:80", "1.2.3:80", ":80", "a..b:80"})
    void rejectsBadHosts(String text) {
        var e = assertThrows(InvalidValueException.class, () -> Address.parse(text));
        assertEquals("a host name or IP address before the port", e.expected());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "localhost", "/run/app.sock", "8080"})
    void rejectsTextThatIsNoAddress(String text) {
        var e = assertThrows(InvalidValueException.class, () -> Address.parse(text));
        assertEquals("invalid address \"" + text + "\": expected an address such as unix:/run/gatehouse/app.sock, "
                + "127.0.0.1:3031 or [::1]:3031", e.getMessage());
    }

    @Test
    void unixAddressBecomesUnixDomainSocketAddress() {
        assertEquals(UnixDomainSocketAddress.of("/tmp/a.sock"), Address.parse("unix:/tmp/a.sock").toSocketAddress());
    }

    @Test
    void ipLiteralBecomesResolvedInetSocketAddress() {
        var sa = (InetSocketAddress) Address.parse("127.0.0.1:3031").toSocketAddress();
        assertFalse(sa.isUnresolved());
        assertEquals("127.0.0.1", sa.getAddress().getHostAddress());
        assertEquals(3031, sa.getPort());
    }

    @Test
    void starBecomesTheWildcardSocketAddress() {
        var sa = (InetSocketAddress) Address.parse("*:8080").toSocketAddress();
        assertTrue(sa.getAddress().isAnyLocalAddress());
        assertEquals(8080, sa.getPort());
    }

    @Test
    void constructorRefusesBothOrNeitherOfPathAndHost() {
        assertThrows(IllegalArgumentException.class, () -> new Address("/a", "h", 1));
        assertThrows(IllegalArgumentException.class, () -> new Address(null, null, 1));
        assertThrows(IllegalArgumentException.class, () -> new Address("/a", null, 80));
    }
}
