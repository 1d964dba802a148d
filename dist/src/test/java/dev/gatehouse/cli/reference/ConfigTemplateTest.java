package dev.gatehouse.cli.reference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gatehouse.conf.KeySpec;
import dev.gatehouse.conf.app.AppServerConfig;
import dev.gatehouse.conf.proxy.ProxyConfig;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class ConfigTemplateTest {

    private static final Pattern KEY_LINE = Pattern.compile("(?m)^#([A-Za-z_][A-Za-z0-9_.]*) =(.*)$");
    private static final Pattern HEADER_LINE = Pattern.compile("(?m)^#(\\[\\[?[A-Za-z0-9_.]+\\]\\]?)$");

    @Test
    void appTemplateAsShippedLoadsToTheDefaults() {
        assertEquals(AppServerConfig.defaults(),
                AppServerConfig.fromToml(ConfigTemplate.appServer(), AppServerConfig.FILE_NAME, Map.of()));
    }

    @Test
    void proxyTemplateAsShippedLoadsToTheDefaults() {
        assertEquals(ProxyConfig.defaults(),
                ProxyConfig.fromToml(ConfigTemplate.proxy(), ProxyConfig.FILE_NAME, Map.of()));
    }

    @Test
    void appTemplateWithEveryDefaultUncommentedStillLoadsToTheDefaults() {
        // Each commented default is TOML the key accepts, and is the real default.
        String uncommented = KEY_LINE.matcher(ConfigTemplate.appServer()).replaceAll(m ->
                m.group(2).isEmpty() ? m.group() : m.group(1) + " =" + m.group(2));
        assertEquals(AppServerConfig.defaults(),
                AppServerConfig.fromToml(uncommented, AppServerConfig.FILE_NAME, Map.of()));
    }

    @Test
    void appTemplateListsEveryKeyInFileOrder() {
        List<String> listed = KEY_LINE.matcher(ConfigTemplate.appServer()).results().map(m -> m.group(1)).toList();
        assertEquals(AppServerConfig.keys().stream().map(KeySpec::path).toList(), listed);
    }

    @Test
    void proxyTemplateListsEveryKeyUnderItsTableHeader() {
        String template = ConfigTemplate.proxy();
        List<String> headers = HEADER_LINE.matcher(template).results().map(m -> m.group(1)).toList();
        assertEquals(List.of("[[listen]]", "[[listen.certificates]]", "[open_file_cache]", "[[location]]",
                "[[location.uwsgi_params]]", "[upstream.NAME]",
                "[[upstream.NAME.servers]]"), headers);
        long keyLines = KEY_LINE.matcher(template).results().count();
        long tables = ProxyConfig.keys().stream().filter(k -> k.type().contains("table")).count();
        assertEquals(ProxyConfig.keys().size() - tables, keyLines);
        assertEquals(headers.size(), tables);
        // A key of [[location]] that comes after [[location.uwsgi_params]] in the key table must
        // still be written above that header, or TOML would give it to uwsgi_params.
        int sendfileRoots = template.indexOf("#sendfile_roots =");
        assertTrue(sendfileRoots > template.indexOf("#[[location]]")
                && sendfileRoots < template.indexOf("#[[location.uwsgi_params]]"), template);
    }

    @Test
    void everyDescriptionAppearsInTheTemplates() {
        String both = (ConfigTemplate.appServer() + ConfigTemplate.proxy()).lines()
                .map(l -> l.startsWith("# ") ? l.substring(2) : "\n")
                .collect(Collectors.joining(" "));
        for (KeySpec k : concat(AppServerConfig.keys(), ProxyConfig.keys())) {
            assertTrue(both.contains(k.description()), () -> "missing description of " + k.path());
        }
    }

    private static List<KeySpec> concat(List<KeySpec> a, List<KeySpec> b) {
        return java.util.stream.Stream.concat(a.stream(), b.stream()).toList();
    }
}
