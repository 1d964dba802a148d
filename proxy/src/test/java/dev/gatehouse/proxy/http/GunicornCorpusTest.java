package dev.gatehouse.proxy.http;

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
 * with the same method, target, headers and body; every invalid case must get a 4xx or a close
 * without reaching it. The cases where Gatehouse differs on purpose are listed with the reason,
 * and the test fails if the set of differences changes either way.
 */
class GunicornCorpusTest {

    private static final Path CORPUS = Path.of(System.getProperty("gatehouse.testdata.dir", "../testdata"),
            "gunicorn-http-corpus");

    /** Valid cases Gatehouse does not pass through unchanged, on purpose. */
    static final Map<String, String> VALID_DIFFERENCES = new TreeMap<>(Map.ofEntries(
            Map.entry("009", "Transfer-Encoding (identity) with Content-Length is refused (400): any Transfer-Encoding"
                    + " next to Content-Length is a smuggling shape"),
            Map.entry("025", "gzip before chunked: 501 as nginx, the edge does not forward a body whose coding it"
                    + " would strip without decoding"),
            Map.entry("025_line", "as 025"),
            Map.entry("rfc9112_smuggle_gzip_chunked_01", "as 025"),
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
            try (RawClient c = p.client()) {
                c.timeout(3000).send(bin("valid", stem));
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
        System.out.printf("gunicorn corpus valid: %d passed, %d differ on purpose, %d not mapped%n",
                passed, differing.size(), skipped);
        assertEquals(VALID_DIFFERENCES.keySet(), new java.util.TreeSet<>(differing));
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

    @Test
    void invalidCasesGetA4xxOrACloseAndNeverReachTheHandler() throws IOException {
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
                c.timeout(4000).send(bin("invalid", stem));
                RawClient.Response r;
                try {
                    r = c.read();
                } catch (RuntimeException e) {
                    r = null;
                }
                outcome = r == null ? "close" : String.valueOf(r.status());
                boolean ok = (r == null || r.status() >= 400 && r.status() < 500) && echo.seen.isEmpty();
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
