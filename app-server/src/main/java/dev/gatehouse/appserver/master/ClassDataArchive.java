package dev.gatehouse.appserver.master;

import dev.gatehouse.conf.app.AppServerConfig;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The class-data-sharing archive every worker maps: the JVM's answer to a prefork server's
 * preloaded, copy-on-write application. The master makes it once per class path with a short
 * training run of one worker (loading the app and serving requests to itself), then every
 * worker starts with it: class metadata is read from one page-cache-shared file instead of
 * being parsed and laid out again in each JVM. On JDK 25+ it is an AOT cache ({@code
 * -XX:AOTCacheOutput}/{@code -XX:AOTCache}), which also holds linked classes and the training
 * run's method profiles, so a new worker reaches compiled speed sooner; on JDK 21-24 a dynamic
 * CDS archive ({@code -XX:ArchiveClassesAtExit}/{@code -XX:SharedArchiveFile}).
 *
 * <p>The archive's name is a hash of the JDK, the class path (each jar's size and mtime) and
 * the JVM options, so a changed jar or JDK gets a fresh archive and a stale one is never used.
 * A JVM can only archive classes from jar files: a class path with directories gets none.
 */
final class ClassDataArchive {

    private static final Logger log = LoggerFactory.getLogger(ClassDataArchive.class);
    private static final long TRAINING_TIMEOUT_SECONDS = 60;

    private ClassDataArchive() {
    }

    /**
     * The archive for this configuration, made now if missing; empty when sharing is off or
     * cannot work here (the reason is logged once).
     */
    static Optional<Path> prepare(AppServerConfig config, WorkerLauncher launcher) {
        if (!config.cds()) {
            return Optional.empty();
        }
        List<String> entries = new ArrayList<>(List.of(System.getProperty("java.class.path").split(File.pathSeparator)));
        entries.addAll(config.classpath());
        for (String e : entries) {
            if (!e.endsWith(".jar") || !Files.isRegularFile(Path.of(e))) {
                log.info("cds: off, the class path holds {} which is not a jar (the JVM archives classes from jars only)", e);
                return Optional.empty();
            }
        }
        Path dir = Path.of(System.getProperty("java.io.tmpdir"), "gatehouse-cds");
        Path archive;
        try {
            Files.createDirectories(dir);
            archive = dir.resolve(key(config, entries) + (WorkerLauncher.AOT_CACHE ? ".aot" : ".jsa"));
        } catch (IOException e) {
            log.warn("cds: off, cannot use {}: {}", dir, e.getMessage());
            return Optional.empty();
        }
        if (Files.isRegularFile(archive)) {
            log.info("cds: workers map {}", archive);
            return Optional.of(archive);
        }
        return train(config, launcher, archive);
    }

    private static Optional<Path> train(AppServerConfig config, WorkerLauncher launcher, Path archive) {
        Path partial = archive.resolveSibling(archive.getFileName() + "." + ProcessHandle.current().pid() + ".tmp");
        long t0 = System.nanoTime();
        try {
            Process p = launcher.startTraining(config, partial);
            if (!p.waitFor(TRAINING_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                log.warn("cds: off, the training run took over {} s", TRAINING_TIMEOUT_SECONDS);
                return Optional.empty();
            }
            if (p.exitValue() != 0 || !Files.isRegularFile(partial)) {
                log.warn("cds: off, the training run exited with {} and wrote no archive", p.exitValue());
                return Optional.empty();
            }
            Files.move(partial, archive, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            prune(archive.getParent());
            log.info("cds: made {} ({} KiB) in {} ms; workers map it", archive, Files.size(archive) / 1024,
                    (System.nanoTime() - t0) / 1_000_000);
            return Optional.of(archive);
        } catch (IOException e) {
            log.warn("cds: off, the training run failed: {}", e.getMessage());
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        } finally {
            try {
                Files.deleteIfExists(partial);
            } catch (IOException ignored) {
                // a leftover partial archive is only disk space; the next training replaces it
            }
        }
    }

    /** Archives kept besides the newest: one per class path in use, each 10-30 MB. */
    private static final int KEEP = 4;

    /**
     * Removes all but the {@link #KEEP} newest archives: each release (class path) makes a new
     * one. A running worker keeps its mapping of a removed file; the next spawn with it, if any,
     * runs without sharing.
     */
    private static void prune(Path dir) {
        try (java.util.stream.Stream<Path> files = Files.list(dir)) {
            List<Path> archives = files
                    .filter(p -> p.getFileName().toString().startsWith("worker-")
                            && (p.toString().endsWith(".aot") || p.toString().endsWith(".jsa")))
                    .sorted(java.util.Comparator.comparingLong(ClassDataArchive::modified).reversed())
                    .toList();
            for (Path old : archives.subList(Math.min(KEEP, archives.size()), archives.size())) {
                Files.deleteIfExists(old);
                log.info("cds: removed old archive {}", old);
            }
        } catch (IOException e) {
            log.warn("cds: cannot prune {}: {}", dir, e.getMessage());
        }
    }

    private static long modified(Path p) {
        try {
            return Files.getLastModifiedTime(p).toMillis();
        } catch (IOException e) {
            return 0;
        }
    }

    private static String key(AppServerConfig config, List<String> entries) throws IOException {
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is always present", e);
        }
        StringBuilder sb = new StringBuilder();
        sb.append(System.getProperty("java.home")).append('|').append(Runtime.version()).append('|');
        for (String e : entries) {
            Path p = Path.of(e);
            sb.append(p.toAbsolutePath()).append(':').append(Files.size(p)).append(':')
                    .append(Files.getLastModifiedTime(p).toMillis()).append('|');
        }
        sb.append(String.join(" ", config.jvmOptions()));
        byte[] digest = sha.digest(sb.toString().getBytes(StandardCharsets.UTF_8));
        return "worker-" + HexFormat.of().formatHex(digest, 0, 12);
    }
}
