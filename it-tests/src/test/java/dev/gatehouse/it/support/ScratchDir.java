package dev.gatehouse.it.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A private temporary directory for one peer process (config, sockets, logs), deleted on close.
 *
 * <p>Set the system property {@code gatehouse.it.keepDirs=true} to keep the directories after
 * a run for inspection; their paths are logged at start.
 */
public final class ScratchDir implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ScratchDir.class);
    private static final boolean KEEP = Boolean.getBoolean("gatehouse.it.keepDirs");

    private final Path path;

    private ScratchDir(Path path) {
        this.path = path;
    }

    /**
     * Creates {@code gatehouse-it-<prefix>-*} under {@code java.io.tmpdir}, mode 0755.
     *
     * <p>0755 rather than the default 0700: nginx started as root runs its workers as an
     * unprivileged user unless told {@code user root;}, and those workers must still reach the
     * unix sockets inside (reference/README.md, "Traps").
     *
     * @param prefix a short name for the process that owns the directory
     * @return the new directory
     */
    public static ScratchDir create(String prefix) {
        try {
            Path dir = Files.createTempDirectory("gatehouse-it-" + prefix + "-");
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
            log.debug("scratch dir {}", dir);
            return new ScratchDir(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a temp dir for " + prefix
                    + " under " + System.getProperty("java.io.tmpdir"), e);
        }
    }

    /** @return the directory */
    public Path path() {
        return path;
    }

    /**
     * Resolves a name inside the directory.
     *
     * @param name a relative path
     * @return the absolute path
     */
    public Path resolve(String name) {
        return path.resolve(name);
    }

    /**
     * Writes a file inside the directory, creating parent directories.
     *
     * @param name a relative path
     * @param content the bytes to write
     * @return the absolute path of the file
     */
    public Path write(String name, byte[] content) {
        Path file = path.resolve(name).normalize();
        if (!file.startsWith(path)) {
            throw new IllegalArgumentException("file " + name + " would fall outside " + path);
        }
        try {
            Files.createDirectories(file.getParent());
            Files.write(file, content);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    /** Deletes the directory and everything in it, unless {@code gatehouse.it.keepDirs} is set. */
    @Override
    public void close() {
        if (KEEP) {
            log.info("keeping {} (gatehouse.it.keepDirs=true)", path);
            return;
        }
        if (!Files.exists(path)) {
            return;
        }
        try {
            Files.walkFileTree(path, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.deleteIfExists(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
                    Files.deleteIfExists(dir);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            // A leftover temp dir must not fail a test that otherwise passed.
            log.warn("cannot delete {}: {}", path, e.toString());
        }
    }

    @Override
    public String toString() {
        return path.toString();
    }
}
