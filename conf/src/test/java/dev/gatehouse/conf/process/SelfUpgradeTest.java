package dev.gatehouse.conf.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class SelfUpgradeTest {

    @Test
    void theSuccessorRunsTheSameCommandWithOneUpgradeOptionNamingThePidfile() {
        List<String> args = List.of("/usr/bin/java", "-cp", "a.jar:b.jar", "dev.x.Main", "--config", "/etc/g.toml");
        assertEquals(List.of("/usr/bin/java", "-cp", "a.jar:b.jar", "dev.x.Main", "--config", "/etc/g.toml",
                "--upgrade-from", "/run/g/app.pid"), SelfUpgrade.successorCommand(args, Path.of("/run/g/app.pid")));
    }

    @Test
    void anEarlierUpgradeOptionIsDroppedInBothSpellings() {
        List<String> args = List.of("java", "Main", "--upgrade-from", "/old.pid", "--upgrade-from=/older.pid", "--x");
        assertEquals(List.of("java", "Main", "--x", "--upgrade-from", "/run/p.pid"),
                SelfUpgrade.successorCommand(args, Path.of("/run/p.pid")));
    }

    @Test
    void thisJvmsOwnCommandLineIsReadWhole() throws Exception {
        List<String> own = SelfUpgrade.commandLine();
        assertTrue(own.get(0).endsWith("java"), own.get(0));
        assertTrue(own.size() > 1, own.toString());
        assertFalse(own.contains(""), "no empty argument from the trailing NUL");
    }
}
