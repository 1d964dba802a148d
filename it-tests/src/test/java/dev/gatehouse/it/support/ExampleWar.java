package dev.gatehouse.it.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A web app project under {@code examples/} (or a test's own project), built into a WAR by a
 * real {@code mvn package} from Maven Central artifacts, the way its user would build it. Each
 * project is built once per test JVM into a scratch copy, so the source tree stays clean. Maven
 * runs offline first (the artifacts are usually in the local repository already), online when
 * that fails, on this test's own JDK (the projects need Java 21+).
 */
public final class ExampleWar {

    /** The repository root: it-tests' parent folder. */
    public static final Path REPO = Path.of(System.getProperty("basedir", ".")).toAbsolutePath().normalize().getParent();

    private static final Map<Path, Path> BUILT = new HashMap<>();

    private ExampleWar() {}

    /**
     * @param project a Maven project folder, e.g. {@code REPO.resolve("examples/spring-app")}
     * @param warName the WAR's file name under {@code target/}, e.g. {@code spring-app.war}
     * @return the built WAR; it lives until the test JVM exits
     */
    public static synchronized Path build(Path project, String warName) {
        Path war = BUILT.get(project);
        if (war != null) {
            return war;
        }
        ScratchDir dir = ScratchDir.create("war-build");
        Runtime.getRuntime().addShutdownHook(new Thread(dir::close, "war-build-cleanup"));
        Path copy = dir.resolve("project");
        copyTree(project, copy);
        Path log = dir.resolve("mvn.log");
        if (mvn(copy, log, true) != 0 && mvn(copy, log, false) != 0) {
            throw new IllegalStateException("mvn package failed for " + project + ":\n" + tail(log));
        }
        war = copy.resolve("target").resolve(warName);
        if (!Files.isRegularFile(war)) {
            throw new IllegalStateException("mvn package made no " + war + ":\n" + tail(log));
        }
        BUILT.put(project, war);
        return war;
    }

    private static int mvn(Path project, Path log, boolean offline) {
        List<String> cmd = new ArrayList<>(List.of("mvn", "-B", "-q", "package"));
        if (offline) {
            cmd.add("-o");
        }
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(project.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        try {
            Process p = pb.start();
            if (!p.waitFor(10, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                return -1;
            }
            return p.exitValue();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run mvn for " + project, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    private static void copyTree(Path from, Path to) {
        try (var files = Files.walk(from)) {
            for (Path p : files.filter(p -> !from.relativize(p).startsWith("target")).toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot copy " + from, e);
        }
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }
}
