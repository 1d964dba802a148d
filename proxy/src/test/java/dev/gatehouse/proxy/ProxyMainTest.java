package dev.gatehouse.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gatehouse.proxy.support.RawClient;
import dev.gatehouse.proxy.support.TestProxy;
import dev.gatehouse.systemd.FakeNotifySocket;
import dev.gatehouse.systemd.SocketActivation;
import java.io.IOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code proxy} command as a real process: flags, config errors, HUP, USR1, TERM. */
class ProxyMainTest {

    @TempDir
    Path dir;

    @Test
    void flagsBecomeLocationsAfterTheFileOnes() {
        ProxyMain m = new ProxyMain(null);
        new picocli.CommandLine(m).parseArgs("--listen", "127.0.0.1:9000", "--root", "/srv/www",
                "--upstream", "unix:/run/app.sock", "--set", "max_headers=50");
        Map<String, String> o = m.overrides(2);
        assertEquals("127.0.0.1:9000", o.get("listen"));
        assertEquals("unix:/run/app.sock", o.get("upstream.default.servers"));
        assertEquals("/", o.get("location[2].path"));
        assertEquals("/srv/www", o.get("location[2].root"));
        assertEquals("default", o.get("location[2].upstream"));
        assertEquals("true", o.get("location[2].try_files"));
        assertEquals("50", o.get("max_headers"));
    }

    /**
     * Starts the proxy as bin/gatehouse does: with HUP, INT and TERM at their default action
     * whatever this JVM inherited (a build run under nohup would otherwise pass on an ignored HUP,
     * which the child's JVM then never delivers).
     */
    private Process launch(String... args) throws IOException {
        return launchUnder(List.of("env", "--default-signal=HUP,INT,TERM"), args);
    }

    private Process launchUnder(List<String> prefix, String... args) throws IOException {
        return new ProcessBuilder(command(prefix, args)).redirectErrorStream(true)
                .redirectOutput(dir.resolve("proxy.out").toFile()).start();
    }

    private static List<String> command(List<String> prefix, String... args) {
        List<String> cmd = new ArrayList<>(prefix);
        cmd.addAll(List.of(ProcessHandle.current().info().command().orElse("java"),
                "-cp", System.getProperty("java.class.path"), ProxyMain.class.getName()));
        cmd.addAll(List.of(args));
        return cmd;
    }

    /** The proxy under socket activation, with systemd's notify socket. */
    private Process launchActivated(FakeNotifySocket manager, boolean blocking, int port, String... args)
            throws IOException {
        List<String> cmd = SocketActivation.command(dir, blocking, List.of("http=127.0.0.1:" + port),
                command(List.of("env", "--default-signal=HUP,INT,TERM"), args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(dir.resolve("proxy.out").toFile());
        pb.environment().put("NOTIFY_SOCKET", manager.path().toString());
        pb.environment().put("WATCHDOG_USEC", "2000000");
        return pb.start();
    }

    @Test
    void socketActivatedProxyServesOnThePassedSocketAndTellsSystemdEachState() throws Exception {
        Files.writeString(dir.resolve("f.txt"), "F");
        int port = TestProxy.freePort();
        try (FakeNotifySocket manager = new FakeNotifySocket(dir)) {
            Process p = launchActivated(manager, false, port, "--listen", "127.0.0.1:" + port, "--root", dir.toString());
            try {
                Duration wait = Duration.ofSeconds(60);
                String ready = manager.await("READY=1", m -> m.startsWith("READY=1"), wait);
                assertTrue(ready.contains("STATUS=serving on [/127.0.0.1:" + port + "]"), ready);
                awaitOutput("listening on /127.0.0.1:" + port + " (socket passed by systemd, fd 3, name http)", 1);
                try (RawClient c = new RawClient(port)) {
                    assertEquals("F", c.send("GET /f.txt HTTP/1.1\r\nHost: x\r\n\r\n").read().text());
                }
                // WATCHDOG_USEC = 2 s: a ping each second, from an event loop.
                manager.await("WATCHDOG=1", "WATCHDOG=1"::equals, wait);
                signal(p, "HUP");
                manager.await("RELOADING=1", m -> m.startsWith("RELOADING=1\nMONOTONIC_USEC="), wait);
                manager.await("READY=1 after the reload", m -> m.startsWith("READY=1"), wait);
                assertTermStopsWithExitZero(p);
                manager.await("STOPPING=1", m -> m.startsWith("STOPPING=1"), wait);
                assertFalse(Files.readString(dir.resolve("proxy.out")).contains("no listen address names"));
            } finally {
                p.destroyForcibly();
            }
        }
    }

    @Test
    void aBlockingPassedSocketIsRefusedWithTheUnitSettingToFixIt() throws Exception {
        int port = TestProxy.freePort();
        try (FakeNotifySocket manager = new FakeNotifySocket(dir)) {
            Process p = launchActivated(manager, true, port, "--listen", "127.0.0.1:" + port, "--root", dir.toString());
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the proxy should exit");
            assertEquals(ProxyMain.EXIT_BIND, p.exitValue());
            String out = Files.readString(dir.resolve("proxy.out"));
            assertTrue(out.contains("(fd 3, name http) is blocking: set NonBlocking=yes in the service unit"), out);
            assertFalse(out.contains("\tat "), "no stack trace:\n" + out);
        }
    }

    private static void signal(Process p, String name) throws Exception {
        assertEquals(0, new ProcessBuilder("kill", "-s", name, Long.toString(p.pid())).start().waitFor());
    }

    private static void awaitPort(int port) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            try (Socket s = new Socket("127.0.0.1", port)) {
                return;
            } catch (IOException e) {
                Thread.sleep(20);
            }
        }
        throw new AssertionError("proxy did not listen on " + port);
    }

    @Test
    void aKeyOfAnotherCertificateExitsWithCode2AndOneLineNamingTheKey() throws Exception {
        dev.gatehouse.proxy.support.TestCertificates.Pair a = dev.gatehouse.proxy.support.TestCertificates.make(dir, "a", "a");
        dev.gatehouse.proxy.support.TestCertificates.Pair b = dev.gatehouse.proxy.support.TestCertificates.make(dir, "b", "b");
        Process p = launch("--listen", "127.0.0.1:" + TestProxy.freePort(), "--set", "listen[0].tls=true",
                "--set", "listen[0].certificate=" + a.certificate(), "--set", "listen[0].private_key=" + b.key());
        assertTrue(p.waitFor(30, java.util.concurrent.TimeUnit.SECONDS), "the proxy should exit at once");
        assertEquals(ProxyMain.EXIT_CONFIG, p.exitValue());
        String out = java.nio.file.Files.readString(dir.resolve("proxy.out"));
        assertTrue(out.contains("listen[0].private_key = \"" + b.key() + "\": expected the private key of"
                + " listen[0].certificate (this key belongs to another certificate)"), out);
        assertFalse(out.contains("\tat "), "no stack trace:\n" + out);
    }

    @Test
    void takenPortExitsWithCode3AndOneLineNamingTheAddress() throws Exception {
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            String address = "127.0.0.1:" + taken.getLocalPort();
            Process p = launch("--listen", address, "--root", dir.toString());
            assertTrue(p.waitFor(30, java.util.concurrent.TimeUnit.SECONDS), "the proxy should exit at once");
            assertEquals(ProxyMain.EXIT_BIND, p.exitValue());
            String out = java.nio.file.Files.readString(dir.resolve("proxy.out"));
            assertTrue(out.contains("cannot listen on " + address + ": ") && out.contains("Address already in use"), out);
            assertFalse(out.contains("\tat "), "no stack trace for a taken port:\n" + out);
        }
    }

    @Test
    void upstreamFlagForwardsAndAMissingServerIs502AtOnce() throws Exception {
        int port = TestProxy.freePort();
        Process p = launch("--listen", "127.0.0.1:" + port, "--upstream", "unix:" + dir.resolve("none.sock"));
        try {
            awaitPort(port);
            try (RawClient c = new RawClient(port)) {
                long t0 = System.nanoTime();
                assertEquals(502, c.send("GET /app HTTP/1.1\r\nHost: x\r\n\r\n").read().status());
                assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(5));
            }
        } finally {
            p.destroyForcibly();
        }
    }

    @Test
    void hupReloadsUsr1ReopensTheLogAndTermStopsWithExitZero() throws Exception {
        Path a = Files.createDirectories(dir.resolve("a"));
        Path b = Files.createDirectories(dir.resolve("b"));
        Files.writeString(a.resolve("f.txt"), "A");
        Files.writeString(b.resolve("f.txt"), "B");
        Path log = dir.resolve("access.log");
        Path conf = dir.resolve("gatehouse-proxy.toml");
        int port = TestProxy.freePort();
        String common = "listen = [\"127.0.0.1:" + port + "\"]\naccess_log = \"" + log + "\"\n";
        Files.writeString(conf, common + "[[location]]\npath = \"/\"\nroot = \"" + a + "\"\n");
        Process p = launch("--config", conf.toString());
        try {
            awaitOutput("gatehouse proxy ready on", 1);
            try (RawClient c = new RawClient(port)) {
                assertEquals("A", c.send("GET /f.txt HTTP/1.1\r\nHost: x\r\n\r\n").read().text());
                Files.writeString(conf, common + "[[location]]\npath = \"/\"\nroot = \"" + b + "\"\n");
                signal(p, "HUP");
                // The proxy says when the new generation is in place; from then on every request,
                // on this open connection too, is routed by it.
                awaitOutput("reloaded: 1 locations", 1);
                assertEquals("B", c.send("GET /f.txt HTTP/1.1\r\nHost: x\r\n\r\n").read().text(),
                        "the open connection sees the new routes");
            }
            awaitContent(log, "GET /f.txt");
            Path rotated = dir.resolve("access.log.1");
            Files.move(log, rotated);
            signal(p, "USR1");
            awaitOutput("reopened access log", 1);
            try (RawClient c = new RawClient(port)) {
                assertEquals(200, c.send("GET /f.txt?after-rotation HTTP/1.1\r\nHost: x\r\n\r\n").read().status());
            }
            awaitContent(log, "GET /f.txt?after-rotation");
            assertFalse(Files.readString(rotated).contains("after-rotation"), "the moved log got a line after USR1");
            assertTermStopsWithExitZero(p);
        } finally {
            p.destroyForcibly();
        }
    }

    /** A HUP sent the moment the port answers is queued until the proxy is up, never lost or fatal. */
    @Test
    void hupDuringStartIsHandledOnceTheProxyIsUp() throws Exception {
        Path conf = dir.resolve("gatehouse-proxy.toml");
        int port = TestProxy.freePort();
        Files.writeString(conf, "listen = [\"127.0.0.1:" + port + "\"]\naccess_log = \"off\"\n");
        Process p = launch("--config", conf.toString());
        try {
            awaitPort(port);
            signal(p, "HUP");
            awaitOutput("reloaded: 0 locations", 1);
            assertTrue(p.isAlive(), "a HUP during start must not stop the proxy");
            assertTermStopsWithExitZero(p);
        } finally {
            p.destroyForcibly();
        }
    }

    @Test
    void anInheritedIgnoredHupIsNamedAtStart() throws Exception {
        int port = TestProxy.freePort();
        // sh's trap '' sets SIG_IGN, which exec keeps: what nohup does. INT and TERM at their
        // defaults first, whatever this JVM inherited (a background job ignores INT).
        Process p = launchUnder(List.of("env", "--default-signal=INT,TERM", "sh", "-c", "trap '' HUP; exec \"$0\" \"$@\""),
                "--listen", "127.0.0.1:" + port, "--root", dir.toString());
        try {
            awaitOutput("gatehouse proxy ready on", 1);
            String out = Files.readString(dir.resolve("proxy.out"));
            assertTrue(out.contains("WARN") && out.contains("SIGHUP (reload) is ignored by this process, inherited from"
                    + " its parent"), out);
            assertFalse(out.contains("SIGINT") || out.contains("SIGTERM"), out);
        } finally {
            p.destroyForcibly();
        }
    }

    private static void assertTermStopsWithExitZero(Process p) throws Exception {
        signal(p, "TERM");
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "TERM stops the proxy");
        assertEquals(0, p.exitValue());
    }

    /** Waits, up to a minute, until the proxy's output has {@code text} on {@code lines} lines. */
    private void awaitOutput(String text, int lines) throws Exception {
        Path out = dir.resolve("proxy.out");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (countLines(out, text) < lines) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("\"" + text + "\" not in the proxy's output within 60 s:\n"
                        + Files.readString(out));
            }
            Thread.sleep(20);
        }
    }

    /** Waits, up to a minute, until {@code file} exists and holds {@code text}. */
    private static void awaitContent(Path file, String text) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (countLines(file, text) < 1) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("\"" + text + "\" not in " + file + " within 60 s");
            }
            Thread.sleep(20);
        }
    }

    private static long countLines(Path file, String text) throws IOException {
        try {
            return Files.readAllLines(file).stream().filter(l -> l.contains(text)).count();
        } catch (java.nio.file.NoSuchFileException e) {
            return 0;
        }
    }
}
