package dev.gatehouse.conf.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gatehouse.conf.DeclaredKeysCheck;
import dev.gatehouse.conf.KeySpec;
import dev.gatehouse.conf.schema.Key;
import java.lang.reflect.Method;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** A key of {@code gatehouse-app.toml} is one declaration in AppServerKeys plus its accessor. */
class AppServerKeysTest {

    /** The full example with jwsgi in place of app and no war, so that every other key is written. */
    private static final AppServerConfig FULL = AppServerConfig.fromToml(AppServerConfigTest.FULL_EXAMPLE
            .replace("app = \"com.example.Shop\"\n", "")
            .replace("war = \"/srv/shop/shop.war\"\n", ""), "full.toml", Map.of());

    @Test
    void everyDeclaredKeyIsListedOnce() throws IllegalAccessException {
        Set<Key<?>> declared = DeclaredKeysCheck.declaredIn(AppServerKeys.class);
        assertEquals(declared, Set.copyOf(AppServerKeys.ALL));
        assertEquals(declared.size(), AppServerKeys.ALL.size());
        assertEquals(AppServerKeys.ALL.stream().map(Key::pattern).toList(),
                AppServerConfig.keys().stream().map(KeySpec::path).toList());
    }

    @Test
    void servletKeysAreTheServletGroupInFileOrder() {
        assertEquals(List.of("war", "context_path", "temp_dir", "session_store", "session_dir", "session_jdbc_url",
                "session_jdbc_user", "session_jdbc_password", "session_timeout"),
                AppServerKeys.SERVLET.stream().map(Key::name).toList());
        assertEquals(AppServerKeys.SERVLET, AppServerKeys.ALL.stream().filter(AppServerKeys.SERVLET::contains).toList());
    }

    @Test
    void poolKeysAreThePoolGroupInFileOrder() {
        assertEquals(List.of("workers_min", "workers_max", "workers_max_rss", "scale_up_after", "scale_down_after",
                "scale_interval"), AppServerKeys.POOL.stream().map(Key::name).toList());
        assertEquals(AppServerKeys.POOL, AppServerKeys.ALL.stream().filter(AppServerKeys.POOL::contains).toList());
    }

    @Test
    void everyKeyHasAnAccessorThatReadsIt() throws ReflectiveOperationException {
        String toml = FULL.toToml();
        for (Key<?> key : AppServerKeys.ALL) {
            if (key == AppServerKeys.APP) {
                continue; // not written while jwsgi is set; AppServerConfigTest reads it on its own
            }
            boolean servlet = AppServerKeys.SERVLET.contains(key);
            boolean pool = AppServerKeys.POOL.contains(key);
            Object group = servlet ? FULL.servlet() : pool ? FULL.pool() : FULL;
            Method accessor = group.getClass().getMethod(DeclaredKeysCheck.accessorName(key));
            String line = DeclaredKeysCheck.tomlLine(key, accessor.invoke(group));
            assertTrue(toml.contains("\n" + line + "\n"), line + " in\n" + toml);
        }
    }

    @Test
    void everyKeyIsWrittenAndLoadsBackEqual() {
        String toml = FULL.toToml();
        for (Key<?> key : AppServerKeys.ALL) {
            assertTrue(toml.contains("\n" + key.name() + " = ") || toml.contains("\n# " + key.name() + " is not set\n")
                    || key == AppServerKeys.APP && toml.contains("\n# app is not used: jwsgi is set\n"), key.name());
        }
        assertEquals(FULL, AppServerConfig.fromToml(toml, "rendered.toml", Map.of()));
        assertEquals(FULL.hashCode(), AppServerConfig.fromToml(toml, "rendered.toml", Map.of()).hashCode());
    }
}
