package dev.gatehouse.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.gatehouse.cli.reference.ConfigTemplate;
import dev.gatehouse.conf.app.AppServerConfig;
import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The built distribution ({@code target/gatehouse-VERSION/} and its tarball), run the way an
 * operator runs it: through {@code bin/gatehouse}. Runs after {@code package} (failsafe).
 */
class DistributionIT {

    private static final Path DIST = Path.of(System.getProperty("gatehouse.dist.dir", "target/gatehouse-dist-not-built"));
    private static final Path REPO = Path.of(System.getProperty("basedir", ".")).toAbsolutePath().normalize().getParent();
    private static final Path LAUNCHER = DIST.resolve("bin/gatehouse");

    @TempDir
    Path tmp;

    /** What a finished command printed (stdout and stderr together) and returned. */
    record Run(int exitCode, String output) {}

    @Test
    void holdsTheLauncherEveryJarTheConfigsAndTheExamples() throws IOException {
        assertEquals("rwxr-xr-x", PosixFilePermissions.toString(Files.getPosixFilePermissions(LAUNCHER)));
        assertEquals("rwxr-xr-x", PosixFilePermissions.toString(Files.getPosixFilePermissions(DIST.resolve("bin/find-java"))));
        // One Java-finding logic: the distribution ships scripts/find-java as it is.
        assertArrayEquals(Files.readAllBytes(REPO.resolve("scripts/find-java")), Files.readAllBytes(DIST.resolve("bin/find-java")));

        Set<String> jars = names(DIST.resolve("lib"));
        for (String prefix : List.of("dist-", "app-server-", "proxy-", "conf-", "uwsgi-codec-", "demo-app-", "picocli-",
                "netty-transport-classes-epoll-", "logback-classic-", "tomlj-", "app-server-servlet-", "jetty-ee11-webapp-",
                "jetty-ee11-annotations-", "jetty-session-")) {
            assertTrue(jars.stream().anyMatch(j -> j.startsWith(prefix) && j.endsWith(".jar")), prefix + " in " + jars);
        }
        assertTrue(jars.stream().anyMatch(j -> j.matches("netty-transport-native-epoll-.*-linux-x86_64\\.jar")), jars::toString);

        assertEquals(ConfigTemplate.appServer(), Files.readString(DIST.resolve("conf/gatehouse-app.toml")));
        assertEquals(ConfigTemplate.proxy(), Files.readString(DIST.resolve("conf/gatehouse-proxy.toml")));
        for (String file : List.of("static/index.html", "examples/hello-app/pom.xml",
                "examples/hello-app/src/main/java/com/example/App.java",
                "examples/spring-app/pom.xml", "docs/servlet.md", "examples/single-host/gatehouse-app.toml",
                "nginx-samples/unix-socket/gatehouse.conf", "systemd/gatehouse-app.service",
                "systemd/gatehouse-proxy.service", "systemd/gatehouse-app.socket", "systemd/gatehouse-proxy.socket",
                "docs/operations.md", "docs/configuration.md", "README.md")) {
            assertTrue(Files.isRegularFile(DIST.resolve(file)), file);
        }
        assertFalse(Files.exists(DIST.resolve("nginx-samples/pom.xml")), "the build file is not a sample");
    }

    @Test
    void tarballHoldsTheSameFilesUnderOneFolderWithTheLauncherExecutable() throws IOException {
        Path tarball = DIST.resolveSibling(DIST.getFileName() + ".tar.gz");
        Map<String, Integer> entries = TarEntries.read(tarball);
        String base = DIST.getFileName() + "/";
        Set<String> expected = new TreeSet<>();
        try (Stream<Path> files = Files.walk(DIST)) {
            files.filter(Files::isRegularFile).forEach(f -> expected.add(base + DIST.relativize(f)));
        }
        Set<String> actual = new TreeSet<>(entries.keySet());
        actual.removeIf(name -> name.endsWith("/"));
        assertEquals(expected, actual);
        assertEquals(0755, entries.get(base + "bin/gatehouse"));
        assertEquals(0755, entries.get(base + "bin/find-java"));
        assertEquals(0644, entries.get(base + "conf/gatehouse-app.toml"));
    }

    @Test
    void launcherRunsVersionAndCheckConfigEvenThroughASymlink() throws Exception {
        Run version = run(List.of(LAUNCHER.toString(), "version"), Duration.ofSeconds(60));
        assertEquals(0, version.exitCode(), version.output());
        assertTrue(version.output().startsWith("gatehouse " + GatehouseVersion.version() + "\n"), version.output());
        assertTrue(version.output().contains("\nnative epoll: available\n"), version.output());

        Path link = Files.createSymbolicLink(tmp.resolve("gatehouse"), LAUNCHER);
        Run check = run(List.of(link.toString(), "check-config", DIST.resolve("conf/gatehouse-app.toml").toString()),
                Duration.ofSeconds(60));
        assertEquals(0, check.exitCode(), check.output());
        assertTrue(check.output().startsWith(AppServerConfig.defaults().toShownToml()), check.output());

        for (String example : List.of("gatehouse-app.toml", "gatehouse-proxy.toml")) {
            Path file = DIST.resolve("examples/single-host").resolve(example);
            Run r = run(List.of(LAUNCHER.toString(), "check-config", file.toString()), Duration.ofSeconds(60));
            assertEquals(0, r.exitCode(), r.output());
        }
        Path bad = Files.writeString(tmp.resolve("gatehouse-app.toml"), "wokers = 4\n");
        Run refused = run(List.of(LAUNCHER.toString(), "check-config", bad.toString()), Duration.ofSeconds(60));
        assertEquals(1, refused.exitCode(), refused.output());
        assertTrue(refused.output().contains(bad + ": wokers = 4: unknown key"), refused.output());
    }

    @Test
    void launcherSaysWhatToInstallWhenItFindsNoJava21() throws Exception {
        // A private mount namespace hides every JDK from the launcher: needs root (CI runs as root).
        assumeTrue(run(List.of("unshare", "--mount", "true"), Duration.ofSeconds(10)).exitCode() == 0,
                "unshare --mount is not permitted here");
        Path empty = Files.createDirectory(tmp.resolve("no-jdks"));
        StringBuilder script = new StringBuilder();
        for (String dir : List.of("/usr/lib/jvm", "/usr/java", "/opt")) {
            if (Files.isDirectory(Path.of(dir))) {
                script.append("mount --bind ").append(empty).append(' ').append(dir).append(" && ");
            }
        }
        script.append("exec env HOME=").append(empty).append(" JAVA_HOME=").append(empty)
                .append(" PATH=/usr/bin:/bin ").append(LAUNCHER).append(" version");
        Run r = run(List.of("unshare", "--mount", "sh", "-c", script.toString()), Duration.ofSeconds(30));
        assertEquals(1, r.exitCode(), r.output());
        assertEquals("Gatehouse needs Java 21 or newer and found none (JAVA_HOME, /usr/lib/jvm, PATH).\n"
                + "Install one, e.g. 'apt-get install openjdk-21-jre-headless' or Temurin 21+, or set JAVA_HOME.\n",
                r.output());
    }

    @Test
    void runServesStaticFilesAndTheDemoAppAndCtrlCStopsBoth() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Path log = tmp.resolve("run.log");
        // Started with INT and HUP ignored, as a non-interactive shell's background job under
        // nohup is: a JVM would keep ignoring both, so the launcher must put back the default.
        Process run = new ProcessBuilder("perl", "-e", "$SIG{INT} = 'IGNORE'; $SIG{HUP} = 'IGNORE'; exec @ARGV or die $!",
                LAUNCHER.toString(), "run", "--port", Integer.toString(port))
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            awaitLog(run, log, "gatehouse run: serving http://127.0.0.1:" + port + "/", Duration.ofSeconds(120));
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

            HttpResponse<String> page = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/"))
                    .timeout(Duration.ofSeconds(15)).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, page.statusCode(), page::body);
            assertEquals(Files.readString(DIST.resolve("static/index.html")), page.body());
            assertEquals("gatehouse", page.headers().firstValue("server").orElse(""));

            HttpResponse<String> hello = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/hello"))
                    .timeout(Duration.ofSeconds(15)).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, hello.statusCode());
            assertEquals("Hello, World!", hello.body());

            List<ProcessHandle> servers = run.descendants().toList();
            assertTrue(servers.size() >= 4, "proxy, master and 2 workers: " + servers);
            Path socketDir = socketDir(Files.readString(log, StandardCharsets.UTF_8));
            assertTrue(Files.isDirectory(socketDir), socketDir::toString);

            assertEquals(0, new ProcessBuilder("kill", "-INT", Long.toString(run.pid())).start().waitFor());
            assertTrue(run.waitFor(60, TimeUnit.SECONDS), "run did not stop on INT");
            String out = Files.readString(log, StandardCharsets.UTF_8);
            assertEquals(0, run.exitValue(), out);
            assertTrue(out.contains("gatehouse run: INT: stopping"), out);
            assertTrue(out.contains("ProxyMain: TERM: stopping"), out);
            assertTrue(Pattern.compile("Master: master \\(pid \\d+\\) stopped").matcher(out).find(), out);
            for (ProcessHandle p : servers) {
                assertTrue(p.onExit().get(10, TimeUnit.SECONDS) != null && !p.isAlive(), p + " outlived run");
            }
            assertFalse(Files.exists(socketDir), "run leaves its temp dir behind: " + socketDir);
        } finally {
            run.descendants().forEach(ProcessHandle::destroyForcibly);
            run.destroyForcibly();
        }
    }

    @Test
    void systemdUnitsPassSystemdAnalyzeVerify() throws Exception {
        Path analyze = Path.of("/usr/bin/systemd-analyze");
        assumeTrue(Files.isExecutable(analyze), "systemd-analyze is not installed");
        List<String> command = new ArrayList<>(List.of(analyze.toString(), "verify", "--man=no"));
        for (String unit : List.of("gatehouse-app.service", "gatehouse-proxy.service", "gatehouse-app.socket",
                "gatehouse-proxy.socket")) {
            // verify checks that ExecStart's program exists: point it at this distribution.
            String text = Files.readString(DIST.resolve("systemd").resolve(unit)).replace("/opt/gatehouse/", DIST + "/");
            command.add(Files.writeString(tmp.resolve(unit), text).toString());
        }
        Run verify = run(command, Duration.ofSeconds(60));
        assertEquals(0, verify.exitCode(), verify.output());
        // verify exits 0 on a directive it cannot parse and only warns: no output at all is the pass.
        assertEquals("", verify.output());
    }

    private static Run run(List<String> command, Duration bound) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(bound.toMillis(), TimeUnit.MILLISECONDS), String.join(" ", command) + " did not finish");
        return new Run(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }

    private static void awaitLog(Process p, Path log, String line, Duration bound) throws Exception {
        long deadline = System.nanoTime() + bound.toNanos();
        while (System.nanoTime() < deadline) {
            String text = Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
            if (text.contains(line)) {
                return;
            }
            if (!p.isAlive()) {
                throw new AssertionError("run exited with " + p.exitValue() + " before \"" + line + "\":\n" + text);
            }
            Thread.sleep(200);
        }
        throw new AssertionError("no \"" + line + "\" within " + bound + ":\n" + Files.readString(log, StandardCharsets.UTF_8));
    }

    private static Path socketDir(String log) {
        Matcher m = Pattern.compile("unix:(\\S+)/app\\.sock").matcher(log);
        assertTrue(m.find(), log);
        return Path.of(m.group(1));
    }

    private static Set<String> names(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(f -> f.getFileName().toString()).collect(java.util.stream.Collectors.toCollection(TreeSet::new));
        }
    }

    /** The entries of a .tar.gz with their permission bits: enough of the ustar format for this. */
    static final class TarEntries {
        static Map<String, Integer> read(Path tarball) throws IOException {
            Map<String, Integer> entries = new java.util.LinkedHashMap<>();
            try (InputStream in = new GZIPInputStream(Files.newInputStream(tarball))) {
                byte[] header = new byte[512];
                String longName = null;
                while (in.readNBytes(header, 0, 512) == 512 && header[0] != 0) {
                    String name = longName != null ? longName : field(header, 0, 100);
                    String prefix = field(header, 345, 155);
                    if (longName == null && !prefix.isEmpty()) {
                        name = prefix + "/" + name;
                    }
                    int mode = Integer.parseInt(field(header, 100, 8).strip(), 8) & 07777;
                    long size = Long.parseLong(field(header, 124, 12).strip(), 8);
                    byte type = header[156];
                    byte[] data = in.readNBytes((int) ((size + 511) / 512 * 512));
                    longName = null;
                    if (type == 'L') {
                        // GNU long name: the next entry's name is this entry's data.
                        longName = new String(data, 0, (int) size, StandardCharsets.UTF_8).replace("\0", "");
                    } else if (type == 'x') {
                        Matcher m = Pattern.compile("\\d+ path=([^\n]+)\n").matcher(new String(data, 0, (int) size,
                                StandardCharsets.UTF_8));
                        longName = m.find() ? m.group(1) : null;
                    } else {
                        entries.put(name, mode);
                    }
                }
            }
            return entries;
        }

        private static String field(byte[] header, int offset, int length) {
            int end = offset;
            while (end < offset + length && header[end] != 0) {
                end++;
            }
            return new String(header, offset, end - offset, StandardCharsets.UTF_8);
        }
    }
}
