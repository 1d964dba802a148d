package dev.gatehouse.proxy.exchange;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The host[:port] rule shared by Host, absolute-form targets and :authority. */
class AuthorityTest {

    @Test
    void acceptsRegNamesIpLiteralsAndPorts() {
        for (String v : List.of("a", "example.com", "EXAMPLE.com.", "xn--bcher-kva.example", "a-b_c~d", "a%2Eb",
                "!$&'()*+,;=", "127.0.0.1", "example.com:8080", "example.com:", "[::1]", "[::1]:443",
                "[2001:db8::7]", "[::ffff:192.0.2.1]:80", "[v7.fe80::1]", "[V1.a:b]")) {
            assertTrue(Authority.isValid(v), v);
        }
    }

    @Test
    void refusesWhatIsNoAuthority() {
        for (String v : List.of("", ":80", "a b", "a/b", "a\\b", "a?b", "a#b", "u@a", "u:p@a", "a..b", "..",
                "a:8o", "a:80:80", "a%", "a%4", "a%zz", "[", "[]", "[::1", "[::1]x", "[::1]:x", "[g::1]", "[1.2.3.4]",
                "[v.x]", "[v1.]", "\u00e9", "a\u0000b", "a\tb", "\"a\"", "a<b", "a{b")) {
            assertFalse(Authority.isValid(v), v);
        }
    }
}
