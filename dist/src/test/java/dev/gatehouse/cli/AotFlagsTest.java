package dev.gatehouse.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** scripts/aot-flags (bin/aot-flags in the distribution): which AOT cache options a proxy JVM gets. */
class AotFlagsTest {

    private static final Path SCRIPT = Path.of(System.getProperty("basedir", "."), "..", "scripts", "aot-flags");
    /** The JVM running this test: Maven's toolchain gives a JDK 21+, the script acts on 25+ only. */
    private static final String JAVA = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    private static final boolean AOT_JDK = Runtime.version().feature() >= 25;

    @TempDir
    Path tmp;

    private String run(Map<String, String> env, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(SCRIPT.toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("GATEHOUSE_AOT_DIR", tmp.resolve("cache").toString());
        pb.environment().putAll(env);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        return out;
    }

    private Path jar(String name) throws IOException {
        Path lib = Files.createDirectories(tmp.resolve("lib"));
        return Files.writeString(lib.resolve(name), name);
    }

    @Test
    void firstRunTrainsAndLaterRunsMapTheCache() throws Exception {
        jar("a.jar");
        jar("b.jar");
        String cp = tmp.resolve("lib") + "/*";
        String first = run(Map.of(), "proxy", JAVA, cp, "-Xmx256m");
        if (!AOT_JDK) {
            assertEquals("", first, "no AOT cache before JDK 25");
            return;
        }
        assertTrue(first.startsWith("-XX:AOTCacheOutput=" + tmp.resolve("cache") + "/proxy-"), first);
        Path cache = Path.of(first.substring(first.indexOf('=') + 1));
        assertEquals(first, run(Map.of(), "proxy", JAVA, cp, "-Xmx256m"), "no cache yet: still training");
        Files.writeString(cache, "made by the JVM at exit");
        assertEquals("-XX:AOTCache=" + cache, run(Map.of(), "proxy", JAVA, cp, "-Xmx256m"));
    }

    @Test
    void aChangedJarOrOptionGetsAnotherCache() throws Exception {
        if (!AOT_JDK) {
            return;
        }
        Path a = jar("a.jar");
        String cp = tmp.resolve("lib") + "/*";
        String base = run(Map.of(), "proxy", JAVA, cp, "-Xmx256m");
        assertNotEquals(base, run(Map.of(), "proxy", JAVA, cp, "-Xmx512m"), "other JVM options");
        assertNotEquals(base, run(Map.of(), "worker", JAVA, cp, "-Xmx256m"), "other role");
        Files.setLastModifiedTime(a, FileTime.fromMillis(Files.getLastModifiedTime(a).toMillis() - 60_000));
        assertNotEquals(base, run(Map.of(), "proxy", JAVA, cp, "-Xmx256m"), "a jar changed");
    }

    @Test
    void nothingWhenOffOrWhenTheClassPathHoldsADirectory() throws Exception {
        Path a = jar("a.jar");
        assertEquals("", run(Map.of("GATEHOUSE_AOT", "off"), "proxy", JAVA, a.toString()));
        // The JVM archives classes from jars only.
        assertEquals("", run(Map.of(), "proxy", JAVA, a + ":" + tmp.resolve("classes")));
    }
}
