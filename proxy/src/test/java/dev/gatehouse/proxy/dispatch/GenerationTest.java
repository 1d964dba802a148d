package dev.gatehouse.proxy.dispatch;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gatehouse.conf.ConfigException;
import dev.gatehouse.conf.proxy.ProxyConfig;
import dev.gatehouse.proxy.support.EchoUpstream;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A location naming an upstream is refused at start-up unless forwarding is registered. */
class GenerationTest {

    private static final String TOML = """
            [[location]]
            path = "/"
            root = "/srv"
            upstream = "app"
            try_files = true
            [upstream.app]
            servers = ["unix:/run/app.sock"]
            """;

    @Test
    void refusesAnUpstreamLocationWithoutForwarding() {
        ProxyConfig c = ProxyConfig.fromToml(TOML, "t.toml", Map.of());
        ConfigException e = assertThrows(ConfigException.class, () -> Generation.build(c, null));
        assertTrue(e.getMessage().contains("location[0].upstream: \"app\""), e.getMessage());
        assertTrue(e.getMessage().contains("no upstream forwarding registered"), e.getMessage());
    }

    @Test
    void acceptsItWithForwarding() {
        ProxyConfig c = ProxyConfig.fromToml(TOML, "t.toml", Map.of());
        assertNotNull(Generation.build(c, cfg -> new EchoUpstream(0)).upstream());
    }
}
