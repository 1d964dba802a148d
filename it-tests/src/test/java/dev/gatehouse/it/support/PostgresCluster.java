package dev.gatehouse.it.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A throwaway PostgreSQL cluster of Debian's {@code postgresql} package: {@code initdb} into a
 * temp dir, {@code pg_ctl start} on a free loopback port (and a socket dir of its own), trust
 * authentication for the {@code postgres} user, {@code pg_ctl stop -m fast} on close. initdb and
 * postgres refuse to run as root, so as root (CI) both run as the {@code postgres} user, which
 * then owns the temp dir.
 */
public final class PostgresCluster implements AutoCloseable {

    private static final Duration START = Duration.ofSeconds(60);

    private final Path dir;
    private final Path bin;
    private final int port;
    private final boolean root;

    private PostgresCluster(Path dir, Path bin, int port, boolean root) {
        this.dir = dir;
        this.bin = bin;
        this.port = port;
        this.root = root;
    }

    /** Starts a cluster; fails with what is missing if PostgreSQL is not installed. */
    public static PostgresCluster start() {
        Path bin = findBin();
        boolean root = "root".equals(System.getProperty("user.name"));
        Path dir;
        try {
            dir = Files.createTempDirectory("gatehouse-it-pg-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        int port = FreePort.pick();
        PostgresCluster pg = new PostgresCluster(dir, bin, port, root);
        try {
            if (root) {
                run(List.of("chown", "postgres:postgres", dir.toString()), dir);
                run(List.of("chmod", "0700", dir.toString()), dir);
            }
            pg.runAsOwner(List.of(bin.resolve("initdb").toString(), "-D", dir.resolve("data").toString(),
                    "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync"));
            try {
                Files.createDirectories(dir.resolve("sock"));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            if (root) {
                run(List.of("chown", "postgres:postgres", dir.resolve("sock").toString()), dir);
            }
            pg.runAsOwner(List.of(bin.resolve("pg_ctl").toString(), "-D", dir.resolve("data").toString(),
                    "-l", dir.resolve("postgres.log").toString(), "-w", "-t", Long.toString(START.toSeconds()),
                    "-o", "-p " + port + " -c listen_addresses=127.0.0.1 -k " + dir.resolve("sock") + " -c fsync=off",
                    "start"));
            pg.awaitConnectable();
            return pg;
        } catch (RuntimeException e) {
            pg.close();
            throw e;
        }
    }

    /** @return a JDBC URL for the {@code postgres} database as the {@code postgres} user */
    public String jdbcUrl() {
        return "jdbc:postgresql://127.0.0.1:" + port + "/postgres";
    }

    /** @return the server's log so far, for failure messages */
    public String log() {
        try {
            return Files.readString(dir.resolve("postgres.log"), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(no postgres.log: " + e + ")";
        }
    }

    private void awaitConnectable() {
        long deadline = System.nanoTime() + START.toNanos();
        while (true) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 1000);
                return;
            } catch (IOException e) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("PostgreSQL on port " + port + " does not accept:\n" + log());
                }
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }

    private static Path findBin() {
        Path base = Path.of("/usr/lib/postgresql");
        try (Stream<Path> versions = Files.list(base)) {
            return versions.map(v -> v.resolve("bin")).filter(b -> Files.isExecutable(b.resolve("initdb")))
                    .max(Comparator.comparing(Path::toString))
                    .orElseThrow(() -> new IllegalStateException("no initdb under " + base
                            + "/*/bin: install Debian's postgresql package (scripts/test does)"));
        } catch (IOException e) {
            throw new IllegalStateException("no " + base + ": install Debian's postgresql package (scripts/test does)", e);
        }
    }

    private void runAsOwner(List<String> command) {
        List<String> cmd = new ArrayList<>();
        if (root) {
            cmd.addAll(List.of("runuser", "-u", "postgres", "--"));
        }
        cmd.addAll(command);
        run(cmd, dir);
    }

    private static void run(List<String> command, Path dir) {
        try {
            Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(2, TimeUnit.MINUTES) || p.exitValue() != 0) {
                p.destroyForcibly();
                throw new IllegalStateException(String.join(" ", command) + " failed:\n" + new String(out, StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + command.get(0), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Stops the server (fast shutdown) and removes its files. */
    @Override
    public void close() {
        try {
            if (Files.exists(dir.resolve("data/postmaster.pid"))) {
                runAsOwner(List.of(bin.resolve("pg_ctl").toString(), "-D", dir.resolve("data").toString(),
                        "-m", "fast", "-w", "stop"));
            }
        } finally {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException ignored) {
                // a leftover temp dir is harmless
            }
        }
    }
}
