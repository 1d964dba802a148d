package dev.gatehouse.conf.proxy;

import static dev.gatehouse.conf.proxy.ProxyKeys.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gatehouse.conf.DeclaredKeysCheck;
import dev.gatehouse.conf.KeySpec;
import dev.gatehouse.conf.schema.ConfigView;
import dev.gatehouse.conf.schema.Key;
import java.lang.reflect.Method;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** A key of {@code gatehouse-proxy.toml} is one declaration in ProxyKeys, in its object's group, plus its accessor. */
class ProxyKeysTest {

    private static final ProxyConfig FULL = ProxyConfig.fromToml(ProxyConfigTest.FULL_EXAMPLE, "full.toml", Map.of());

    /** Each group of keys and an object of the full example that reads them. */
    private static Map<List<Key<?>>, ConfigView> groups() {
        LocationConfig location = FULL.locations().get(0);
        UpstreamConfig upstream = FULL.upstreams().get("app");
        Map<List<Key<?>>, ConfigView> out = new LinkedHashMap<>();
        out.put(LISTEN_KEYS, FULL.listeners().get(3));
        out.put(TOP.stream().filter(k -> !HTTP2.contains(k)).toList(), FULL);
        out.put(HTTP2, FULL.http2());
        out.put(OPEN_FILE_CACHE_KEYS, FULL.openFileCache());
        out.put(LOCATION_KEYS, location);
        out.put(UWSGI_PARAM_KEYS, location.uwsgiParams().get(0));
        out.put(UPSTREAM_KEYS, upstream);
        out.put(SERVER_KEYS, upstream.servers().get(0));
        return out;
    }

    @Test
    void everyDeclaredKeyIsListedOnce() throws IllegalAccessException {
        Set<Key<?>> declared = DeclaredKeysCheck.declaredIn(ProxyKeys.class);
        assertEquals(declared, Set.copyOf(ALL));
        assertEquals(declared.size(), ALL.size());
        assertEquals(ALL.stream().map(Key::pattern).toList(), ProxyConfig.keys().stream().map(KeySpec::path).toList());
    }

    @Test
    void everyValueKeyIsInTheGroupOfTheObjectItLandsIn() {
        // A listener's certificates are read into TlsCertificate, their names lowercased; mime_types into a map.
        Set<Key<?>> byHand = Set.of(CERT_SERVER_NAMES, CERT_CERTIFICATE, CERT_PRIVATE_KEY, MIME_TYPE);
        Set<Key<?>> sections = Set.of(LISTEN, LISTEN_CERTIFICATES, OPEN_FILE_CACHE, LOCATION, UWSGI_PARAMS, UPSTREAMS,
                SERVERS);
        for (Key<?> key : ALL) {
            long groups = groups().keySet().stream().filter(g -> g.contains(key)).count();
            assertEquals(byHand.contains(key) || sections.contains(key) && groups == 0 ? 0 : 1, groups, key.pattern());
        }
    }

    @Test
    void everyKeyHasAnAccessorThatReadsIt() throws ReflectiveOperationException {
        for (Map.Entry<List<Key<?>>, ConfigView> group : groups().entrySet()) {
            ConfigView view = group.getValue();
            for (Key<?> key : group.getKey()) {
                if (TLS_FILES.contains(key)) {
                    continue; // checked below
                }
                Method accessor = view.getClass().getMethod(accessorName(key));
                Object value = accessor.invoke(view);
                if (value instanceof List<?> l && !l.isEmpty() && l.get(0) instanceof ConfigView) {
                    continue; // a section: its entries' keys are checked with their own group
                }
                Object read = value instanceof Optional<?> o ? o.orElse(null) : value;
                assertEquals(view.values().optional(key).orElse(null), read, key.pattern());
            }
        }
    }

    /** The keys a listener's tls() is built from. */
    private static final Set<Key<?>> TLS_FILES = Set.of(LISTEN_TLS, LISTEN_CERTIFICATE, LISTEN_PRIVATE_KEY, LISTEN_CERTIFICATES);

    @Test
    void aListenersTlsIsBuiltFromItsTlsKeys() {
        ListenConfig l = FULL.listeners().get(3);
        assertEquals(true, l.values().get(LISTEN_TLS));
        TlsCertificate c = l.tls().orElseThrow().defaultCertificate();
        assertEquals(List.of(l.values().get(LISTEN_CERTIFICATE), l.values().get(LISTEN_PRIVATE_KEY)),
                List.of(c.certificate(), c.privateKey()));
        assertEquals(Optional.empty(), FULL.listeners().get(1).tls());
    }

    /** The accessor of a key, where it is not the key's own name in camel case. */
    private static String accessorName(Key<?> key) {
        if (key == PATH) {
            return "match";
        }
        String name = DeclaredKeysCheck.accessorName(key);
        return HTTP2.contains(key) ? Character.toLowerCase(name.charAt(5)) + name.substring(6) : name;
    }

    @Test
    void everyTopLevelKeyIsWrittenAsItsAccessorReadsIt() throws ReflectiveOperationException {
        String toml = FULL.toToml();
        for (Key<?> key : TOP.stream().filter(k -> !HTTP2.contains(k)).toList()) {
            String line = DeclaredKeysCheck.tomlLine(key, ProxyConfig.class.getMethod(accessorName(key)).invoke(FULL));
            assertTrue(toml.contains("\n" + line + "\n"), line);
        }
        assertEquals(FULL, ProxyConfig.fromToml(toml, "rendered.toml", Map.of()));
    }
}
