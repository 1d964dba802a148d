package dev.gatehouse.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gatehouse.proxy.support.TestProxy;
import dev.gatehouse.systemd.FakeNotifySocket;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code gatehouse proxy --upgrade-from PIDFILE} under load: the new process takes the old one's
 * listening sockets, the old one drains and exits, and no request fails: neither those on new
 * connections nor those on a kept-alive one.
 */
class ProxyUpgradeTest {

    @TempDir
    Path dir;

    private Process launch(String out, String... args) throws IOException {
        return launch(out, Map.of(), args);
    }

    private Process launch(String out, Map<String, String> env, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("env", "--default-signal=HUP,INT,TERM",
                ProcessHandle.current().info().command().orElse("java"), "-cp", System.getProperty("java.class.path"),
                ProxyMain.class.getName()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve(out).toFile());
        pb.environment().put("_JAVA_SR_SIGNUM", "40"); // as bin/gatehouse: USR2 is the proxy's
        pb.environment().putAll(env);
        return pb.start();
    }

    private static void signal(String name, long pid) throws Exception {
        assertEquals(0, new ProcessBuilder("kill", "-" + name, Long.toString(pid)).start().waitFor());
    }

    private Path fileProxyConfig(int port, Path pidfile) throws IOException {
        Files.writeString(dir.resolve("f.txt"), "F");
        return Files.writeString(dir.resolve("gatehouse-proxy.toml"), "listen = [\"127.0.0.1:" + port + "\"]\n"
                + "pidfile = \"" + pidfile + "\"\naccess_log = \"off\"\n[[location]]\npath = \"/\"\nroot = \"" + dir + "\"\n");
    }

    @Test
    void usr2StartsASuccessorFromTheSameCommandLineThatTakesOverUnderLoad() throws Exception {
        Path pidfile = dir.resolve("proxy.pid");
        int port = TestProxy.freePort();
        Path conf = fileProxyConfig(port, pidfile);
        Process old = launch("old.out", "--config", conf.toString());
        ProcessHandle next = null;
        AtomicBoolean running = new AtomicBoolean(true);
        List<String> failures = new CopyOnWriteArrayList<>();
        AtomicLong served = new AtomicLong();
        List<Thread> clients = new ArrayList<>();
        try {
            awaitOutput("old.out", "upgrade: offering the listening sockets at");
            clients.add(Thread.ofPlatform().start(() -> {
                while (running.get()) {
                    String r = getOnce(port);
                    if (r.equals("ok")) {
                        served.incrementAndGet();
                    } else {
                        failures.add(r);
                    }
                }
            }));
            clients.add(Thread.ofPlatform().start(() -> keepAliveLoop(port, running, served, failures)));
            long before = served.get();
            while (served.get() < before + 100) {
                Thread.sleep(10);
            }
            signal("USR2", old.pid());
            // The successor is the old proxy's child and writes where it does.
            awaitOutput("old.out", "USR2: upgrading, new proxy pid ");
            awaitOutput("old.out", "upgrade: serving on the sockets of proxy " + old.pid());
            assertTrue(old.waitFor(60, TimeUnit.SECONDS), "the old proxy did not exit after the upgrade");
            assertEquals(0, old.exitValue());
            long nextPid = Long.parseLong(Files.readString(pidfile).trim());
            next = ProcessHandle.of(nextPid).orElseThrow(() -> new AssertionError("the new proxy is not running"));
            long afterOld = served.get();
            while (served.get() < afterOld + 100) { // the new one alone serves these
                Thread.sleep(10);
            }
            running.set(false);
            for (Thread t : clients) {
                t.join(60_000);
            }
            assertEquals(List.of(), failures, "requests failed during the upgrade");
            assertTrue(List.of(next.info().arguments().orElseThrow()).contains("--upgrade-from"),
                    "the successor runs the same command plus --upgrade-from");
        } finally {
            running.set(false);
            old.destroyForcibly();
            if (next != null) {
                next.destroy();
                next.onExit().get(60, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void underSystemdTheOldProxyNamesItsSuccessorMainPid() throws Exception {
        Path pidfile = dir.resolve("proxy.pid");
        int port = TestProxy.freePort();
        Path conf = fileProxyConfig(port, pidfile);
        Duration wait = Duration.ofSeconds(60);
        ProcessHandle next = null;
        try (FakeNotifySocket systemd = new FakeNotifySocket(dir)) {
            Process old = launch("old.out", Map.of("NOTIFY_SOCKET", systemd.path().toString()), "--config", conf.toString());
            try {
                systemd.await("READY=1", m -> m.startsWith("READY=1"), wait);
                awaitOutput("old.out", "upgrade: offering the listening sockets at");
                signal("USR2", old.pid());
                String mainPid = systemd.await("MAINPID=", m -> m.startsWith("MAINPID="), wait);
                long nextPid = Long.parseLong(mainPid.substring("MAINPID=".length()).trim());
                next = ProcessHandle.of(nextPid).orElse(null);
                assertTrue(old.waitFor(60, TimeUnit.SECONDS), "the old proxy did not exit after the upgrade");
                assertEquals(Long.toString(nextPid), Files.readString(pidfile).trim());
                // The successor's READY=1 may have come before or after the old one's MAINPID=.
                if (systemd.seen().stream().filter(m -> m.startsWith("READY=1")).count() < 2) {
                    systemd.await("the new proxy's READY=1", m -> m.startsWith("READY=1"), wait);
                }
                assertEquals("ok", getOnce(port));
            } finally {
                old.destroyForcibly();
            }
        } finally {
            if (next != null) {
                next.destroy();
                next.onExit().get(60, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void usr2WithASuccessorThatCannotStartLeavesTheOldProxyServing() throws Exception {
        Path pidfile = dir.resolve("proxy.pid");
        int port = TestProxy.freePort();
        Path conf = fileProxyConfig(port, pidfile);
        Process old = launch("old.out", "--config", conf.toString());
        try {
            awaitOutput("old.out", "upgrade: offering the listening sockets at");
            // The new release's view of the same file: a key it refuses, so it exits before taking over.
            Files.writeString(conf, Files.readString(conf) + "no_such_key = 1\n");
            signal("USR2", old.pid());
            awaitOutput("old.out", "before it took over; still serving");
            assertTrue(old.isAlive());
            assertEquals("ok", getOnce(port));
            assertEquals(Long.toString(old.pid()), Files.readString(pidfile).trim(), "the pidfile still names the old proxy");
            String out = Files.readString(dir.resolve("old.out"));
            assertTrue(out.contains("exited with code " + ProxyMain.EXIT_CONFIG), out);
            assertTrue(!out.contains("\tat "), "no stack trace:\n" + out);
        } finally {
            old.destroy();
            assertTrue(old.waitFor(60, TimeUnit.SECONDS));
        }
    }

    private void awaitOutput(String out, String text) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!Files.exists(dir.resolve(out)) || !Files.readString(dir.resolve(out)).contains(text)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("\"" + text + "\" not in " + out + " within 60 s:\n"
                        + (Files.exists(dir.resolve(out)) ? Files.readString(dir.resolve(out)) : ""));
            }
            Thread.sleep(20);
        }
    }

    /** One GET on a fresh connection: the status line, or the error. */
    private static String getOnce(int port) {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(30_000);
            s.getOutputStream().write("GET /f.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            String reply = new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            return reply.startsWith("HTTP/1.1 200 ") && reply.endsWith("F") ? "ok" : "bad reply: " + reply;
        } catch (IOException e) {
            return "error: " + e;
        }
    }

    @Test
    void upgradeUnderLoadDropsNoRequestAndTheOldProxyExits() throws Exception {
        Path pidfile = dir.resolve("proxy.pid");
        int port = TestProxy.freePort();
        Path conf = fileProxyConfig(port, pidfile);
        Process old = launch("old.out", "--config", conf.toString());
        Process next = null;
        AtomicBoolean running = new AtomicBoolean(true);
        List<String> failures = new CopyOnWriteArrayList<>();
        AtomicLong served = new AtomicLong();
        List<Thread> clients = new ArrayList<>();
        try {
            awaitOutput("old.out", "upgrade: offering the listening sockets at");
            for (int i = 0; i < 2; i++) {
                clients.add(Thread.ofPlatform().start(() -> {
                    while (running.get()) {
                        String r = getOnce(port);
                        if (r.equals("ok")) {
                            served.incrementAndGet();
                        } else {
                            failures.add(r);
                        }
                    }
                }));
            }
            clients.add(Thread.ofPlatform().start(() -> keepAliveLoop(port, running, served, failures)));
            long before = served.get();
            while (served.get() < before + 200) {
                Thread.sleep(10);
            }

            next = launch("new.out", "--config", conf.toString(), "--upgrade-from", pidfile.toString());
            awaitOutput("new.out", "upgrade: serving on the sockets of proxy " + old.pid());
            assertTrue(old.waitFor(60, TimeUnit.SECONDS), "the old proxy did not exit after the upgrade");
            assertEquals(0, old.exitValue());
            awaitOutput("old.out", "upgrade: drained; exiting");
            long afterOld = served.get();
            while (served.get() < afterOld + 200) { // the new one alone serves these
                Thread.sleep(10);
            }
            running.set(false);
            for (Thread t : clients) {
                t.join(60_000);
            }
            assertEquals(List.of(), failures, "requests failed during the upgrade");
            assertEquals(Long.toString(next.pid()), Files.readString(pidfile).trim(), "the pidfile names the new proxy");
            String newOut = Files.readString(dir.resolve("new.out"));
            assertTrue(newOut.contains("listening on /127.0.0.1:" + port + " (socket passed by proxy " + old.pid()), newOut);
            next.destroy();
            assertTrue(next.waitFor(60, TimeUnit.SECONDS));
            assertEquals(0, next.exitValue());
        } finally {
            running.set(false);
            old.destroyForcibly();
            if (next != null) {
                next.destroyForcibly();
            }
        }
    }

    @Test
    void upgradeFromAPidfileWithNoProxyBehindItExitsWithOneLine() throws Exception {
        Path pidfile = Files.writeString(dir.resolve("stale.pid"), "999999\n");
        Process p = launch("new.out", "--listen", "127.0.0.1:" + TestProxy.freePort(), "--root", dir.toString(),
                "--upgrade-from", pidfile.toString());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the proxy should exit");
        assertEquals(ProxyMain.EXIT_BIND, p.exitValue());
        String out = Files.readString(dir.resolve("new.out"));
        assertTrue(out.contains("--upgrade-from " + pidfile + ": no handover socket " + dir.resolve("proxy-999999.handover")
                + " (is proxy 999999 running, with this pidfile in its configuration?)"), out);
        assertTrue(!out.contains("\tat "), "no stack trace:\n" + out);
    }

    /**
     * GETs on one kept-alive connection, reconnecting when the server closes it. A request whose
     * connection closes before any byte of its answer is sent again once on a new connection, as
     * HTTP clients do for an idempotent request on a reused connection (RFC 9112 section 9.3.1);
     * it counts as failed only if that fails too.
     */
    private static void keepAliveLoop(int port, AtomicBoolean running, AtomicLong served, List<String> failures) {
        Socket s = null;
        try {
            while (running.get()) {
                boolean reused = s != null;
                if (s == null) {
                    s = new Socket("127.0.0.1", port);
                    s.setSoTimeout(30_000);
                }
                String r = keepAliveGet(s);
                if (r.equals("ok") || r.equals("ok, close")) {
                    served.incrementAndGet();
                    if (r.equals("ok, close")) {
                        s.close();
                        s = null;
                    }
                } else if (r.equals("closed before an answer") && reused) {
                    s.close();
                    s = null;
                } else {
                    failures.add("keep-alive: " + r);
                    s.close();
                    s = null;
                }
            }
        } catch (IOException e) {
            failures.add("keep-alive: " + e);
        } finally {
            if (s != null) {
                try {
                    s.close();
                } catch (IOException e) {
                    // done anyway
                }
            }
        }
    }

    private static String keepAliveGet(Socket s) {
        try {
            OutputStream out = s.getOutputStream();
            out.write("GET /f.txt HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            InputStream in = s.getInputStream();
            StringBuilder head = new StringBuilder();
            int c;
            while (!head.toString().endsWith("\r\n\r\n")) {
                c = in.read();
                if (c < 0) {
                    return head.isEmpty() ? "closed before an answer" : "closed mid-head: " + head;
                }
                head.append((char) c);
            }
            if (in.read() != 'F') {
                return "bad body after " + head;
            }
            return head.toString().toLowerCase().contains("connection: close") ? "ok, close" : "ok";
        } catch (IOException e) {
            return e.getMessage() != null && e.getMessage().contains("reset") ? "closed before an answer" : e.toString();
        }
    }
}
