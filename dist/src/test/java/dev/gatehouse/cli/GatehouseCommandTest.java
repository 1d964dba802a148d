package dev.gatehouse.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gatehouse.conf.ConfigException;
import dev.gatehouse.conf.app.AppServerConfig;
import dev.gatehouse.conf.proxy.ProxyConfig;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class GatehouseCommandTest {

    @TempDir
    Path dir;

    /** What one command line printed and returned. */
    record Result(int exitCode, String out, String err) {}

    private static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = Gatehouse.commandLine();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int code = cl.execute(args);
        return new Result(code, out.toString(), err.toString());
    }

    @Test
    void hasTheSixSubcommandsInHelpOrder() {
        assertEquals(List.of("run", "app-server", "proxy", "ctl", "check-config", "version"),
                List.copyOf(Gatehouse.commandLine().getSubcommands().keySet()));
    }

    @Test
    void noCommandPrintsTheUsageAndExitsTwo() {
        Result r = run();
        assertEquals(2, r.exitCode());
        assertTrue(r.err().startsWith("Usage: gatehouse "), r.err());
        assertTrue(r.err().contains("check-config"), r.err());
    }

    @Test
    void versionNamesTheBuildTheJavaAndEpoll() {
        Result r = run("version");
        assertEquals(0, r.exitCode(), r.err());
        List<String> lines = r.out().lines().toList();
        assertEquals("gatehouse " + GatehouseVersion.version(), lines.get(0));
        assertTrue(GatehouseVersion.version().matches("\\d+\\.\\d+\\.\\d+.*"), GatehouseVersion.version());
        assertTrue(lines.get(1).startsWith("java " + Runtime.version().feature()), lines.get(1));
        assertTrue(lines.get(2).startsWith("native epoll: "), lines.get(2));
        assertEquals("gatehouse " + GatehouseVersion.version(), run("--version").out().strip());
    }

    @Test
    void checkConfigPrintsTheEffectiveAppConfig() throws IOException {
        Path file = write("gatehouse-app.toml", "workers = 3\nbind = \"unix:/run/gatehouse/app.sock\"\n");
        Result r = run("check-config", file.toString());
        assertEquals(0, r.exitCode(), r.err());
        assertEquals(AppServerConfig.load(file, Map.of()).toShownToml(), r.out());
        assertTrue(r.out().contains("workers = 3\n") && r.out().contains("backlog = 2048\n"), r.out());
        assertEquals(file + ": OK (app-server configuration)\n", r.err());
    }

    @Test
    void checkConfigTellsAProxyConfigByItsName() throws IOException {
        Path file = write("shop-proxy.toml", """
                [[location]]
                path = "/"
                upstream = "app"

                [upstream.app]
                servers = ["unix:/run/gatehouse/app.sock"]
                """);
        Result r = run("check-config", file.toString());
        assertEquals(0, r.exitCode(), r.err());
        assertEquals(ProxyConfig.load(file, Map.of()).toToml(), r.out());
    }

    @Test
    void checkConfigExitsOneWithEveryProblemOfABadFile() throws IOException {
        Path file = write("gatehouse-app.toml", "workers = 0\nharakiri = \"soon\"\n");
        Result r = run("check-config", file.toString());
        assertEquals(1, r.exitCode());
        assertEquals("", r.out());
        ConfigException expected = assertThrows(ConfigException.class, () -> AppServerConfig.load(file, Map.of()));
        assertEquals(2, expected.errors().size(), expected::getMessage);
        assertEquals(expected.getMessage() + "\n", r.err());
        assertTrue(r.err().startsWith(file + ": workers = 0: expected an integer from 1 to 1024\n"), r.err());
    }

    @Test
    void checkConfigAppliesOverridesAsTheServerWould() throws IOException {
        Path file = write("gatehouse-app.toml", "workers = 3\n");
        Result r = run("check-config", file.toString(), "--set", "workers=5");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("workers = 5\n"), r.out());
    }

    @Test
    void checkConfigAsksForKindWhenTheNameDoesNotTell() throws IOException {
        Path file = write("site.toml", "workers = 2\n");
        Result r = run("check-config", file.toString());
        assertEquals(2, r.exitCode());
        assertTrue(r.err().startsWith("cannot tell from the name " + file
                + " whether it configures the app-server or the proxy: add --kind app or --kind proxy"), r.err());

        Result asApp = run("check-config", "--kind", "app", file.toString());
        assertEquals(0, asApp.exitCode(), asApp.err());
        Result asProxy = run("check-config", "--kind", "proxy", file.toString());
        assertEquals(1, asProxy.exitCode());
        assertTrue(asProxy.err().contains("workers = 2: unknown key"), asProxy.err());
    }

    @Test
    void checkConfigOfAMissingFileSaysSo() {
        Path file = dir.resolve("gatehouse-proxy.toml");
        Result r = run("check-config", file.toString());
        assertEquals(1, r.exitCode());
        assertTrue(r.err().contains(file.toString()), r.err());
    }

    @Test
    void runRefusesToStartWithoutAStaticFolder() {
        Result r = run("run", "--static", dir.resolve("nope").toString());
        assertEquals(2, r.exitCode());
        assertEquals("gatehouse run: the static folder " + dir.resolve("nope") + " is not a directory\n", r.err());
    }

    private Path write(String name, String text) throws IOException {
        return Files.writeString(dir.resolve(name), text);
    }
}
