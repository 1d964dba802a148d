package dev.gatehouse.proxy.route;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.gatehouse.conf.proxy.ProxyConfig;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** nginx's location choice: exact, longest prefix, ^~ stops regexes, regexes in file order. */
class RouterTest {

    private static final Router ROUTER = Router.of(ProxyConfig.fromToml("""
            [[location]]
            path = "/"
            root = "/srv/root"
            [[location]]
            path = "= /exact"
            root = "/srv/exact"
            [[location]]
            path = "/static/"
            root = "/srv/static"
            [[location]]
            path = "^~ /assets/"
            root = "/srv/assets"
            [[location]]
            path = "~ \\\\.png$"
            root = "/srv/png1"
            [[location]]
            path = "~* \\\\.(PNG|gif)$"
            root = "/srv/png2"
            [[location]]
            path = "/static/deep/"
            root = "/srv/deep"
            """, "t.toml", Map.of()).locations());

    private static String root(String path) {
        Route r = ROUTER.select(path);
        return r == null ? null : r.location().root().orElseThrow().toString();
    }

    @Test
    void exactWinsOverEverything() {
        assertEquals("/srv/exact", root("/exact"));
        assertEquals("/srv/root", root("/exact/more"));
    }

    @Test
    void longestPrefixWinsRegardlessOfOrder() {
        assertEquals("/srv/deep", root("/static/deep/x.txt"));
        assertEquals("/srv/static", root("/static/x.txt"));
        assertEquals("/srv/root", root("/other"));
    }

    @Test
    void regexBeatsAPlainPrefixInFileOrder() {
        assertEquals("/srv/png1", root("/static/a.png"));
        assertEquals("/srv/png2", root("/static/a.PNG"));
        assertEquals("/srv/png2", root("/a.gif"));
    }

    @Test
    void caretTildePrefixStopsTheRegexSearch() {
        assertEquals("/srv/assets", root("/assets/a.png"));
    }

    @Test
    void noLocationMeansNoRoute() {
        assertNull(Router.of(java.util.List.of()).select("/"));
    }
}
