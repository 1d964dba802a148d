package dev.gatehouse.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Keeps the proxy's packages layered: a package names (imports, or spells out in code or
 * Javadoc) only packages of lower layers, never one of its own layer or above, so the
 * dependencies have one direction and no cycle. A new package must be given its layer here.
 */
class PackageDirectionTest {

    /**
     * Bottom to top. The exchange and its small types know only the leaves; upstream and static
     * files answer through the exchange; the dispatcher routes a request to them; the protocol
     * front ends feed the dispatcher; the server picks a front end per connection; the root
     * package starts it all.
     */
    private static final List<List<String>> LAYERS = List.of(
            List.of("route", "accesslog", "tunnel", "tls", "upgrade"),
            List.of("exchange"),
            List.of("upstream", "statics"),
            List.of("dispatch"),
            List.of("http1", "http2"),
            List.of("server"),
            List.of(""));

    private static final Path SOURCES = Path.of("src/main/java/dev/gatehouse/proxy");
    private static final Pattern REFERENCE = Pattern.compile("dev\\.gatehouse\\.proxy\\.(?:([a-z0-9]+)\\.)?[A-Z]");

    @Test
    void noPackageNamesOneOfItsLayerOrAbove() throws IOException {
        List<String> upward = new ArrayList<>();
        for (Path file : sources()) {
            String from = packageOf(file);
            String text = Files.readString(file).replaceFirst("(?m)^package .*;$", "");
            Matcher m = REFERENCE.matcher(text);
            while (m.find()) {
                String to = m.group(1) == null ? "" : m.group(1);
                if (!to.equals(from) && layerOf(to) >= layerOf(from)) {
                    upward.add(SOURCES.relativize(file) + " -> " + (to.isEmpty() ? "(root)" : to));
                }
            }
        }
        assertEquals(List.of(), upward);
    }

    @Test
    void everyPackageHasALayer() throws IOException {
        List<String> unplaced = sources().stream().map(PackageDirectionTest::packageOf).distinct()
                .filter(p -> layerOf(p) < 0).toList();
        assertEquals(List.of(), unplaced, "add these packages to LAYERS");
    }

    private static List<Path> sources() throws IOException {
        try (Stream<Path> files = Files.walk(SOURCES)) {
            return files.filter(f -> f.toString().endsWith(".java")).sorted().toList();
        }
    }

    private static String packageOf(Path file) {
        Path dir = SOURCES.relativize(file).getParent();
        return dir == null ? "" : dir.toString().replace('/', '.');
    }

    private static int layerOf(String pkg) {
        for (int i = 0; i < LAYERS.size(); i++) {
            if (LAYERS.get(i).contains(pkg)) {
                return i;
            }
        }
        return -1;
    }
}
