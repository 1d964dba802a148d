package dev.gatehouse.proxy.http1;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.gatehouse.proxy.support.EchoUpstream;
import dev.gatehouse.proxy.support.RawClient;
import dev.gatehouse.proxy.support.TestProxy;
import dev.gatehouse.uwsgi.MiniJson;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * gunicorn's request-parser corpus sent over a real socket to the running proxy, whose one
 * location forwards to a recording {@link EchoUpstream}: every valid case must reach the handler
 * with the same method, target, headers and body; every invalid case must get a 4xx (or 501, 505) or a close
 * without reaching it. The cases where Gatehouse differs on purpose are listed with the reason,
 * and the test fails if the set of differences changes either way.
 *
 * <p>One difference is not listed case by case: gunicorn takes HTTP/1.1 requests without Host,
 * which RFC 9112 3.2 says a server MUST answer 400 (nginx does, Gatehouse does). Such a valid case
 * is sent twice: as it is, where the first Host-less request must get 400 and never reach the
 * handler; and with {@code Host: corpus.test} added after each Host-less HTTP/1.1 request line,
 * where everything else must come through unchanged. An invalid case lacking Host gets it added
 * too, so that it is refused for what the corpus meant, not for the missing Host.
 */
class GunicornCorpusTest {

    private static final Path CORPUS = Path.of(System.getProperty("gatehouse.testdata.dir", "../testdata"),
            "gunicorn-http-corpus");

    private static final String ADDED_HOST = "corpus.test";

    /** Valid cases Gatehouse does not pass through unchanged, on purpose. */
    static final Map<String, String> VALID_DIFFERENCES = new TreeMap<>(Map.ofEntries(
            Map.entry("009", "Transfer-Encoding (identity) with Content-Length is refused (400): any Transfer-Encoding"
                    + " next to Content-Length is a smuggling shape"),
            Map.entry("025", "gzip before chunked: 501 as nginx, the edge does not forward a body whose coding it"
                    + " would strip without decoding"),
            Map.entry("025_line", "as 025"),
            Map.entry("rfc9112_smuggle_gzip_chunked_01", "as 025"),
            Map.entry("rfc9112_smuggle_te_identity_chunked_01", "identity before chunked: 501 as nginx; identity is"
                    + " no transfer coding since RFC 7230, so it is another coding before chunked, as gzip in 025"),
            Map.entry("029", "as rfc9112_smuggle_te_identity_chunked_01, identity and chunked on two lines"),
            Map.entry("030", "as 029"),
            Map.entry("rfc9112_target_absolute_userinfo_01", "userinfo in an absolute-form target is refused (400) as"
                    + " nginx does: RFC 9110 4.2.4 says to treat it as an error"),
            Map.entry("099", "body shorter than Content-Length, then EOF: the request is incomplete and never reaches"
                    + " the app (gunicorn hands over the short body)"),
            Map.entry("rfc9112_target_asterisk_options_01", "OPTIONS * is answered by the edge (405), not forwarded"),
            Map.entry("rfc9112_target_authority_connect_01", "CONNECT is answered by the edge (405): no tunnelling"),
            Map.entry("rfc9112_target_authority_ipv6_01", "as CONNECT above"),
            Map.entry("031compat2", "lower-case methods are refused as nginx does (400); needs gunicorn's"
                    + " permit_unconventional_http_method")));

    /** Invalid cases Gatehouse accepts, on purpose. */
    static final Map<String, String> INVALID_DIFFERENCES = new TreeMap<>(Map.of());

    /** Cases whose gunicorn settings have no Gatehouse equivalent: skipped. */
    static final Map<String, String> NOT_MAPPED = new TreeMap<>(Map.ofEntries(
            Map.entry("valid/028", "strip_header_spaces: Gatehouse always refuses 'Name :' (invalid/020)"),
            Map.entry("valid/031compat", "casefold_http_method"),
            Map.entry("valid/040_compat", "header_map=dangerous: Gatehouse always drops names with '_' (nginx)"),
            Map.entry("valid/compat_obs_fold", "permit_obsolete_folding: Gatehouse always refuses obs-fold"),
            Map.entry("valid/compat_obs_fold_huge", "permit_obsolete_folding"),
            Map.entry("valid/pp_01", "PROXY protocol is not supported"),
            Map.entry("valid/pp_02", "PROXY protocol"),
            Map.entry("valid/pp_04", "PROXY protocol"),
            Map.entry("valid/pp_05", "PROXY protocol"),
            Map.entry("invalid/pp_01", "PROXY protocol"),
            Map.entry("invalid/pp_02", "PROXY protocol"),
            Map.entry("invalid/pp_03", "PROXY protocol"),
            Map.entry("invalid/010", "limit_request_field_size 10: below Gatehouse's 1k minimum"),
            Map.entry("invalid/012", "limit_request_field_size 98: below Gatehouse's 1k minimum"),
            Map.entry("invalid/013", "permit_obsolete_folding"),
            Map.entry("invalid/019", "secure_scheme_headers: not the edge's business"),
            Map.entry("invalid/040", "header_map=refuse: Gatehouse drops such names (nginx)"),
            Map.entry("invalid/chunked_07", "header_map=refuse")));

    private static final Map<String, TestProxy> PROXIES = new LinkedHashMap<>();
    private static final Map<String, EchoUpstream> ECHOES = new LinkedHashMap<>();

    @AfterAll
    static void stopAll() {
        PROXIES.values().forEach(TestProxy::close);
    }

    /** The proxy for a case's gunicorn settings, mapped to Gatehouse keys. */
    private static TestProxy proxyFor(Object cfg) {
        int line = 4094; // gunicorn's limit_request_line; field lines share it (nginx sizes both with one buffer)
        int fields = 100;
        if (cfg instanceof Map<?, ?>) {
            Map<String, Object> c = MiniJson.asObject(cfg);
            if (c.containsKey("limit_request_field_size")) {
                int v = asInt(c.get("limit_request_field_size"));
                line = v <= 0 ? 8188 : Math.max(line, v - 2); // gunicorn counts the CRLF; 0 = 8190
            }
            if (c.containsKey("limit_request_line")) {
                line = Math.max(line, Math.min(8190, asInt(c.get("limit_request_line"))));
            }
            if (c.containsKey("limit_request_fields")) {
                fields = asInt(c.get("limit_request_fields"));
            }
        }
        String key = line + "/" + fields;
        int l = line;
        int f = fields;
        return PROXIES.computeIfAbsent(key, k -> {
            EchoUpstream echo = new EchoUpstream(0);
            ECHOES.put(k, echo);
            return TestProxy.start("[[location]]\npath = \"/\"\nupstream = \"echo\"\n"
                            + "[upstream.echo]\nservers = [\"unix:/tmp/gatehouse-none.sock\"]\n",
                    Map.of("large_header_line", String.valueOf(l), "large_header_size", "1m",
                            "max_headers", String.valueOf(f), "client_header_timeout", "2s"),
                    c -> echo);
        });
    }

    private static EchoUpstream echoOf(TestProxy p) {
        for (var e : PROXIES.entrySet()) {
            if (e.getValue() == p) {
                return ECHOES.get(e.getKey());
            }
        }
        throw new IllegalStateException();
    }

    private static List<String> stems(String dir) throws IOException {
        try (Stream<Path> s = Files.list(CORPUS.resolve(dir))) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".json"))
                    .map(n -> n.substring(0, n.length() - 5)).sorted().toList();
        }
    }

    private static Map<String, Object> json(String dir, String stem) throws IOException {
        return MiniJson.parseObject(Files.readString(CORPUS.resolve(dir).resolve(stem + ".json")));
    }

    private static int asInt(Object number) {
        return ((Number) number).intValue();
    }

    private static byte[] bin(String dir, String stem) {
        try {
            return Files.readAllBytes(CORPUS.resolve(dir).resolve(stem + ".bin"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void validCasesReachTheHandlerUnchanged() throws IOException {
        List<String> differing = new ArrayList<>();
        int passed = 0;
        int skipped = 0;
        int hostAdded = 0;
        for (String stem : stems("valid")) {
            if (NOT_MAPPED.containsKey("valid/" + stem)) {
                skipped++;
                continue;
            }
            Map<String, Object> j = json("valid", stem);
            TestProxy p = proxyFor(j.get("gunicorn_config"));
            EchoUpstream echo = echoOf(p);
            echo.seen.clear();
            List<Object> expected = MiniJson.asArray(j.get("requests"));
            byte[] bytes = bin("valid", stem);
            if (expected.stream().anyMatch(GunicornCorpusTest::isHttp11WithoutHost)) {
                assertHostlessHttp11Gets400(p, echo, stem, bytes, expected);
                bytes = withHostAdded(bytes, expected);
                expected = expected.stream().map(GunicornCorpusTest::withHostExpected).toList();
                echo.seen.clear();
                hostAdded++;
            }
            try (RawClient c = p.client()) {
                c.timeout(3000).send(bytes);
                for (int i = 0; i < expected.size(); i++) {
                    try {
                        RawClient.Response r = c.read();
                        if (r == null || r.status() != 200) {
                            break;
                        }
                    } catch (RuntimeException e) {
                        break;
                    }
                }
            }
            String mismatch = compare(expected, echo.seen);
            if (mismatch == null) {
                passed++;
            } else {
                differing.add(stem);
                if (!VALID_DIFFERENCES.containsKey(stem)) {
                    System.out.println("valid/" + stem + ": " + mismatch);
                }
            }
        }
        System.out.printf("gunicorn corpus valid: %d passed (%d of them with Host added), %d differ on purpose,"
                + " %d not mapped%n", passed, hostAdded, differing.size(), skipped);
        assertEquals(VALID_DIFFERENCES.keySet(), new java.util.TreeSet<>(differing));
    }

    private static boolean isHttp11WithoutHost(Object request) {
        Map<String, Object> e = MiniJson.asObject(request);
        List<Object> v = MiniJson.asArray(e.get("version"));
        if (asInt(v.get(0)) != 1 || asInt(v.get(1)) != 1) {
            return false;
        }
        return MiniJson.asArray(e.get("headers")).stream()
                .noneMatch(h -> "HOST".equals(MiniJson.asArray(h).get(0)));
    }

    /** As sent, the case's first HTTP/1.1 request without Host is answered 400 and never forwarded. */
    private static void assertHostlessHttp11Gets400(TestProxy p, EchoUpstream echo, String stem, byte[] bytes,
            List<Object> expected) {
        int before = 0;
        while (!isHttp11WithoutHost(expected.get(before))) {
            before++;
        }
        int status = -1;
        try (RawClient c = p.client()) {
            c.timeout(3000).send(bytes);
            for (int i = 0; i <= before; i++) {
                RawClient.Response r = c.read();
                status = r == null ? -1 : r.status();
            }
        } catch (RuntimeException e) {
            status = -1;
        }
        assertEquals(400, status, "valid/" + stem + " as sent: HTTP/1.1 without Host");
        assertEquals(before, echo.seen.size(), "valid/" + stem + " as sent: only the requests before it forwarded");
    }

    /** The bytes with {@code Host: corpus.test} after the request line of each HTTP/1.1 request lacking Host. */
    private static byte[] withHostAdded(byte[] bytes, List<Object> expected) {
        StringBuilder s = new StringBuilder(new String(bytes, StandardCharsets.ISO_8859_1));
        int from = 0;
        for (Object request : expected) {
            Map<String, Object> e = MiniJson.asObject(request);
            List<Object> v = MiniJson.asArray(e.get("version"));
            String line = e.get("method") + " " + MiniJson.asObject(e.get("uri")).get("raw") + " HTTP/" + asInt(v.get(0))
                    + "." + asInt(v.get(1)) + "\r\n";
            int at = s.indexOf(line, from);
            if (at < 0) {
                throw new IllegalStateException("request line not found: " + line);
            }
            from = at + line.length();
            if (isHttp11WithoutHost(request)) {
                String host = "Host: " + ADDED_HOST + "\r\n";
                s.insert(from, host);
                from += host.length();
            }
        }
        return s.toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    /** The expected request, with the added Host as its first header when it lacked one. */
    private static Object withHostExpected(Object request) {
        if (!isHttp11WithoutHost(request)) {
            return request;
        }
        Map<String, Object> e = new LinkedHashMap<>(MiniJson.asObject(request));
        List<Object> headers = new ArrayList<>();
        headers.add(List.of("HOST", ADDED_HOST));
        headers.addAll(MiniJson.asArray(e.get("headers")));
        e.put("headers", headers);
        return e;
    }

    private static String compare(List<Object> expected, List<EchoUpstream.Seen> seen) {
        if (seen.size() != expected.size()) {
            return "handler saw " + seen.size() + " requests, expected " + expected.size();
        }
        for (int i = 0; i < expected.size(); i++) {
            Map<String, Object> e = MiniJson.asObject(expected.get(i));
            EchoUpstream.Seen s = seen.get(i);
            if (!((String) e.get("method")).equals(s.method())) {
                return "method " + s.method();
            }
            if (!((String) MiniJson.asObject(e.get("uri")).get("raw")).equals(s.uri())) {
                return "uri " + s.uri();
            }
            List<Object> v = MiniJson.asArray(e.get("version"));
            String version = "HTTP/" + asInt(v.get(0)) + "." + asInt(v.get(1));
            if (!version.equals(s.version())) {
                return "version " + s.version();
            }
            List<String> want = new ArrayList<>();
            for (Object h : MiniJson.asArray(e.get("headers"))) {
                List<Object> pair = MiniJson.asArray(h);
                want.add((String) pair.get(0) + ": " + (String) pair.get(1));
            }
            List<String> got = s.headers().stream()
                    .map(h -> h.getKey().toUpperCase(Locale.ROOT) + ": " + h.getValue()).toList();
            if (!want.equals(got)) {
                return "headers " + got + " expected " + want;
            }
            byte[] body = Base64.getDecoder().decode((String) e.get("body_base64"));
            if (!java.util.Arrays.equals(body, s.body())) {
                return "body " + new String(s.body(), StandardCharsets.ISO_8859_1);
            }
        }
        return null;
    }

    /**
     * An invalid case's bytes with {@code Host: corpus.test} after a first line ending in
     * " HTTP/1.1" and CRLF when its head has no Host line; as they are otherwise.
     */
    private static byte[] withHostIfMissing(byte[] bytes) {
        String s = new String(bytes, StandardCharsets.ISO_8859_1);
        int eol = s.indexOf("\r\n");
        int headEnd = s.indexOf("\r\n\r\n");
        String head = (headEnd < 0 ? s : s.substring(0, headEnd + 2)).toLowerCase(Locale.ROOT);
        if (eol < 0 || !s.substring(0, eol).endsWith(" HTTP/1.1") || head.contains("\r\nhost:")
                || s.substring(0, eol).indexOf('\n') >= 0) {
            return bytes;
        }
        return (s.substring(0, eol + 2) + "Host: " + ADDED_HOST + "\r\n" + s.substring(eol + 2))
                .getBytes(StandardCharsets.ISO_8859_1);
    }

    @Test
    void invalidCasesAreRefusedAndNeverReachTheHandler() throws IOException {
        List<String> accepted = new ArrayList<>();
        int rejected = 0;
        int skipped = 0;
        Map<String, String> outcomes = new TreeMap<>();
        for (String stem : stems("invalid")) {
            if (NOT_MAPPED.containsKey("invalid/" + stem)) {
                skipped++;
                continue;
            }
            Map<String, Object> j = json("invalid", stem);
            TestProxy p = proxyFor(j.get("gunicorn_config"));
            EchoUpstream echo = echoOf(p);
            echo.seen.clear();
            String outcome;
            try (RawClient c = p.client()) {
                c.timeout(4000).send(withHostIfMissing(bin("invalid", stem)));
                RawClient.Response r;
                try {
                    r = c.read();
                } catch (RuntimeException e) {
                    r = null;
                }
                outcome = r == null ? "close" : String.valueOf(r.status());
                // 505 for a later major version, as nginx answers; 501 for a coding the edge cannot take.
                boolean refused = r == null || r.status() >= 400 && r.status() < 500 || r.status() == 501
                        || r.status() == 505;
                boolean ok = refused && echo.seen.isEmpty();
                if (ok) {
                    rejected++;
                } else {
                    accepted.add(stem);
                }
            }
            outcomes.put(stem, outcome);
        }
        System.out.println("gunicorn corpus invalid outcomes: " + outcomes);
        System.out.printf("gunicorn corpus invalid: %d rejected, %d accepted on purpose, %d not mapped%n",
                rejected, accepted.size(), skipped);
        assertEquals(INVALID_DIFFERENCES.keySet(), new java.util.TreeSet<>(accepted));
    }
}
