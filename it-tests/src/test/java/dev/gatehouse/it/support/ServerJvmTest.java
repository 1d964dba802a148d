package dev.gatehouse.it.support;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The command line {@link ServerJvm} builds for a launched Gatehouse JVM. */
class ServerJvmTest {

    @Test
    void defaultClasspathHasTheDemoAppButNotTheTestsOwnClasses() throws Exception {
        List<String> entries = List.of(ServerJvm.defaultClasspath().split(File.pathSeparator));
        assertTrue(entries.contains(DemoAppClasspath.entry().toString()), () -> "demo-app missing from " + entries);
        Path own = Path.of(ServerJvmTest.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        assertFalse(entries.contains(own.toString()), () -> own + " should be left out of " + entries);
    }

    @Test
    void commandPutsTheJvmOptionsBeforeTheClassPathAndTheMainClassLast() {
        List<String> command = ServerJvm.command(List.of("-Xmx64m"), "a.jar:b.jar", "x.Main");
        assertEquals(List.of("--enable-native-access=ALL-UNNAMED", "-Xmx64m", "-cp", "a.jar:b.jar", "x.Main"),
                command.subList(1, command.size()));
        assertTrue(command.get(0).endsWith("java"), command.get(0));
    }
}
