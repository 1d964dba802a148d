package dev.gatehouse.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gatehouse.proxy.support.RawClient;
import dev.gatehouse.proxy.support.TestProxy;
import java.io.IOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
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

    private Process launch(String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                "-cp", System.getProperty("java.class.path"), ProxyMain.class.getName()));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(dir.resolve("proxy.out").toFile()).start();
    }

    private static void signal(Process p, String name) throws Exception {
        assertEquals(0, new ProcessBuilder("kill", "-s", name, Long.toString(p.pid())).start().waitFor());
    }

    private static void awaitPort(int port) throws Exception {
        for (int i = 0; i < 300; i++) {
            try (Socket s = new Socket("127.0.0.1", port)) {
                return;
            } catch (IOException e) {
                Thread.sleep(50);
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
            awaitPort(port);
            try (RawClient c = new RawClient(port)) {
                assertEquals("A", c.send("GET /f.txt HTTP/1.1\r\nHost: x\r\n\r\n").read().text());
                Files.writeString(conf, common + "[[location]]\npath = \"/\"\nroot = \"" + b + "\"\n");
                signal(p, "HUP");
                String text = "A";
                for (int i = 0; i < 100 && text.equals("A"); i++) {
                    Thread.sleep(50);
                    text = c.send("GET /f.txt HTTP/1.1\r\nHost: x\r\n\r\n").read().text();
                }
                assertEquals("B", text, "the open connection sees the new routes");
            }
            Path rotated = dir.resolve("access.log.1");
            for (int i = 0; i < 100 && !Files.exists(log); i++) {
                Thread.sleep(50);
            }
            Files.move(log, rotated);
            signal(p, "USR1");
            Thread.sleep(300);
            try (RawClient c = new RawClient(port)) {
                c.send("GET /f.txt HTTP/1.1\r\nHost: x\r\n\r\n").read();
            }
            for (int i = 0; i < 100 && !Files.exists(log); i++) {
                Thread.sleep(50);
            }
            assertTrue(Files.exists(log), "a fresh access log after USR1");
            signal(p, "TERM");
            assertTrue(p.waitFor(30, TimeUnit.SECONDS));
            assertEquals(0, p.exitValue());
        } finally {
            p.destroyForcibly();
        }
    }
}
