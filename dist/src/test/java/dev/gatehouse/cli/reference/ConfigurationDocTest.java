package dev.gatehouse.cli.reference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gatehouse.conf.KeySpec;
import dev.gatehouse.conf.app.AppServerConfig;
import dev.gatehouse.conf.proxy.ProxyConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * docs/configuration.md lists every key of both files between generated markers; this test
 * fails when that list and the conf module's key tables differ. Regenerate the blocks with
 * {@code mvn -pl dist -am test -Dtest=ConfigurationDocTest -Dsurefire.failIfNoSpecifiedTests=false
 * -Dgatehouse.updateDocs=true}.
 */
class ConfigurationDocTest {

    private static final Path DOC = Path.of(System.getProperty("basedir", "."), "..", "docs", "configuration.md")
            .normalize();

    @Test
    void docListsEveryKeyOfBothFilesAsTheKeyTablesSay() throws IOException {
        String doc = Files.readString(DOC, StandardCharsets.UTF_8);
        String expected = withBlock(withBlock(doc, AppServerConfig.FILE_NAME, AppServerConfig.keys()),
                ProxyConfig.FILE_NAME, ProxyConfig.keys());
        if (!expected.equals(doc) && Boolean.getBoolean("gatehouse.updateDocs")) {
            Files.writeString(DOC, expected, StandardCharsets.UTF_8);
            doc = expected;
        }
        assertEquals(expected, doc, DOC + " is out of date with the config keys; regenerate its tables with"
                + " mvn -pl dist -am test -Dtest=ConfigurationDocTest -Dsurefire.failIfNoSpecifiedTests=false"
                + " -Dgatehouse.updateDocs=true");
    }

    /** The doc with one file's generated block replaced by a fresh rendering. */
    private static String withBlock(String doc, String fileName, List<KeySpec> keys) {
        String begin = ConfigTable.beginMarker(fileName);
        String end = ConfigTable.endMarker(fileName);
        int from = doc.indexOf(begin);
        int to = doc.indexOf(end);
        assertTrue(from >= 0 && to > from, () -> DOC + " must hold the lines\n" + begin + "\n" + end);
        return doc.substring(0, from) + ConfigTable.block(fileName, keys) + doc.substring(to + end.length());
    }
}
