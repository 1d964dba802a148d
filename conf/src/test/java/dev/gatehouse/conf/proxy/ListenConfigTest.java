package dev.gatehouse.conf.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gatehouse.conf.Address;
import dev.gatehouse.conf.ConfigException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The {@code listen} entries: plain strings, tables, TLS certificates and their checks. */
class ListenConfigTest {

    private static final String FILE = "gatehouse-proxy.toml";
    private static final Path TLS = ProxyConfigTest.TLS;

    private static ProxyConfig parse(String toml) {
        return ProxyConfig.fromToml(toml.replace("@TLS@", TLS.toString()), FILE, Map.of());
    }

    private static String error(String toml) {
        return assertThrows(ConfigException.class,
                () -> ProxyConfig.fromToml(toml.replace("@TLS@", TLS.toString()), FILE, Map.of())).getMessage();
    }

    /** Address, TLS, http2, redirect and https port: what a listener does. */
    static List<Object> fields(ListenConfig l) {
        return List.of(l.address(), l.tls(), l.http2(), l.redirectToHttps(), l.httpsPort());
    }

    @Test
    void plainStringsAndTablesMix() {
        ProxyConfig c = parse("""
                listen = ["127.0.0.1:80", { address = "127.0.0.1:81", http2 = true }]
                """);
        assertEquals(ListenConfig.plain(Address.parse("127.0.0.1:80")), c.listeners().get(0));
        assertEquals(List.of(Address.parse("127.0.0.1:81"), Optional.empty(), true, false, 443),
                fields(c.listeners().get(1)));
        assertEquals(List.of(Address.parse("127.0.0.1:80"), Address.parse("127.0.0.1:81")), c.listen());
    }

    @Test
    void tlsListenerAsArrayOfTablesTurnsHttp2OnByDefault() {
        ProxyConfig c = parse("""
                [[listen]]
                address = "*:8443"
                tls = true
                certificate = "@TLS@/rsa.pem"
                private_key = "@TLS@/rsa.key"
                [[listen.certificates]]
                server_names = ["API.example.com"]
                certificate = "@TLS@/ec.pem"
                private_key = "@TLS@/ec.key"
                """);
        ListenConfig l = c.listeners().get(0);
        assertTrue(l.secure());
        assertTrue(l.http2());
        assertEquals(TLS.resolve("rsa.pem"), l.tls().orElseThrow().defaultCertificate().certificate());
        assertEquals(List.of("api.example.com"), l.tls().orElseThrow().sniCertificates().get(0).serverNames());
        assertFalse(parse("listen = [{ address = \"*:8443\", tls = true, http2 = false, certificate = \"@TLS@/rsa.pem\","
                + " private_key = \"@TLS@/rsa.key\" }]").listeners().get(0).http2());
    }

    @Test
    void writesTlsListenersBackAsTomlThatLoadsToAnEqualConfig() {
        ProxyConfig c = parse("""
                listen = [{ address = "*:8443", tls = true, certificate = "@TLS@/rsa.pem", private_key = "@TLS@/rsa.key",
                  certificates = [{ server_names = ["*.example.org"], certificate = "@TLS@/ec.pem", private_key = "@TLS@/ec.key" }] },
                  { address = "*:8080", redirect_to_https = true, https_port = 8443 }]
                """);
        assertEquals(c, ProxyConfig.fromToml(c.toToml(), FILE, Map.of()));
    }

    @Test
    void rejectsTlsWithoutKey() {
        assertEquals("gatehouse-proxy.toml: listen[0].private_key: expected both certificate and private_key (PEM files)"
                + " with tls = true",
                error("listen = [{ address = \"*:8443\", tls = true, certificate = \"@TLS@/rsa.pem\" }]"));
    }

    @Test
    void rejectsCertificateWithoutTls() {
        assertEquals("gatehouse-proxy.toml: listen[0].tls = false (the default): expected true for a listener with"
                + " certificate, private_key or certificates",
                error("listen = [{ address = \"*:8443\", certificate = \"@TLS@/rsa.pem\", private_key = \"@TLS@/rsa.key\" }]"));
    }

    @Test
    void rejectsAMissingCertificateFile() {
        String e = error("listen = [{ address = \"*:8443\", tls = true, certificate = \"/nonexistent/cert.pem\","
                + " private_key = \"@TLS@/rsa.key\" }]");
        assertEquals("gatehouse-proxy.toml: listen[0].certificate = \"/nonexistent/cert.pem\": expected a readable PEM"
                + " certificate file (no such file)", e);
    }

    @Test
    void rejectsAKeyOfAnotherCertificate() {
        String e = error("listen = [{ address = \"*:8443\", tls = true, certificate = \"@TLS@/rsa.pem\","
                + " private_key = \"@TLS@/other-rsa.key\" }]");
        assertEquals("gatehouse-proxy.toml: listen[0].private_key = \"" + TLS.resolve("other-rsa.key")
                + "\": expected the private key of listen[0].certificate (this key belongs to another certificate)", e);
    }

    @Test
    void rejectsAKeyOfAnotherType() {
        String e = error("listen = [{ address = \"*:8443\", tls = true, certificate = \"@TLS@/rsa.pem\","
                + " private_key = \"@TLS@/ec.key\" }]");
        assertTrue(e.endsWith("expected the RSA private key of listen[0].certificate (this file holds no such key)"), e);
    }

    @Test
    void rejectsAMismatchedSniKeyNamingItsEntry() {
        String e = error("""
                [[listen]]
                address = "*:8443"
                tls = true
                certificate = "@TLS@/rsa.pem"
                private_key = "@TLS@/rsa.key"
                [[listen.certificates]]
                server_names = ["api.example.com"]
                certificate = "@TLS@/ec.pem"
                private_key = "@TLS@/rsa.key"
                """);
        assertTrue(e.startsWith("gatehouse-proxy.toml: listen[0].certificates[0].private_key = \""), e);
        assertTrue(e.endsWith("expected the EC private key of listen[0].certificates[0].certificate (this file holds no"
                + " such key)"), e);
    }

    @Test
    void explainsHowToConvertAPkcs1Key() {
        String e = error("listen = [{ address = \"*:8443\", tls = true, certificate = \"@TLS@/rsa.pem\","
                + " private_key = \"@TLS@/rsa-pkcs1.key\" }]");
        assertTrue(e.contains("expected a PKCS#8 private key (-----BEGIN PRIVATE KEY-----), not PKCS#1/SEC1; convert it"
                + " with openssl pkcs8 -topk8 -nocrypt -in "), e);
    }

    @Test
    void rejectsACertificateFileThatIsNoCertificate() {
        assertTrue(error("listen = [{ address = \"*:8443\", tls = true, certificate = \"@TLS@/rsa.key\","
                + " private_key = \"@TLS@/rsa.key\" }]").endsWith(
                "expected a PEM certificate chain (-----BEGIN CERTIFICATE-----), server certificate first"));
    }

    @Test
    void rejectsRedirectOnATlsListener() {
        assertEquals("gatehouse-proxy.toml: listen[0].redirect_to_https = true: expected false on a TLS listener (it is"
                + " https already)", error("listen = [{ address = \"*:8443\", tls = true, redirect_to_https = true,"
                + " certificate = \"@TLS@/rsa.pem\", private_key = \"@TLS@/rsa.key\" }]"));
    }

    @Test
    void rejectsTheSameServerNameTwiceAndBadNames() {
        String e = error("""
                [[listen]]
                address = "*:8443"
                tls = true
                certificate = "@TLS@/rsa.pem"
                private_key = "@TLS@/rsa.key"
                certificates = [
                  { server_names = ["api.example.com"], certificate = "@TLS@/ec.pem", private_key = "@TLS@/ec.key" },
                  { server_names = ["API.example.com"], certificate = "@TLS@/ec.pem", private_key = "@TLS@/ec.key" },
                ]
                """);
        assertEquals("gatehouse-proxy.toml: listen[0].certificates[1].server_names = [\"API.example.com\"]: expected"
                + " names no other certificate has (listen[0].certificates[0] has api.example.com)", e);
        assertEquals("gatehouse-proxy.toml: listen[0].certificates[0].server_names[0] = \"a..b\": expected a host name"
                + " such as example.com or *.example.com", error("""
                listen = [{ address = "*:8443", tls = true, certificate = "@TLS@/rsa.pem", private_key = "@TLS@/rsa.key",
                  certificates = [{ server_names = ["a..b"], certificate = "@TLS@/ec.pem", private_key = "@TLS@/ec.key" }] }]
                """));
    }

    @Test
    void rejectsTheSameAddressTwice() {
        assertEquals("gatehouse-proxy.toml: listen[1].address = \"127.0.0.1:80\": expected an address not already"
                + " listened on (listen[0] has it)", error("listen = [\"127.0.0.1:80\", { address = \"127.0.0.1:80\" }]"));
    }

    @Test
    void overridesSetKeysOfAPlainStringEntry() {
        java.util.Map<String, String> o = new java.util.LinkedHashMap<>();
        o.put("listen", "127.0.0.1:80,127.0.0.1:81");
        o.put("listen[1].http2", "true");
        ProxyConfig c = ProxyConfig.fromToml("", FILE, o);
        assertEquals(parse("listen = [\"127.0.0.1:80\", { address = \"127.0.0.1:81\", http2 = true }]").listeners(),
                c.listeners());
    }

    @Test
    void http2LimitsHaveRanges() {
        assertEquals("gatehouse-proxy.toml: http2_max_concurrent_streams = 0: expected an integer from 1 to 100000",
                error("http2_max_concurrent_streams = 0"));
        assertEquals(1, parse("http2_max_concurrent_streams = 1").http2().maxConcurrentStreams());
    }
}
