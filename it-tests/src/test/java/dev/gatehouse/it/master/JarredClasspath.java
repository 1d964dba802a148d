package dev.gatehouse.it.master;

import dev.gatehouse.it.support.ServerJvm;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;

/**
 * The app-server's class path as a deployment has it: jars only. In a reactor {@code test} run
 * the modules are {@code target/classes} directories, and the master makes no class-data
 * archive for a class path with directories (the JVM archives classes from jars only), so worker
 * boot times measured there are not those of a deployment.
 *
 * <p>Each directory becomes a jar under {@code java.io.tmpdir/gatehouse-it-jars}, named after a
 * hash of its files (path, size, modification time) and dated like its newest file: while the
 * classes do not change, every run gets the very same jars, and so the master's archive made for
 * them (keyed on jar path, size and date) is made once, not on every run. Entries that do not
 * exist are dropped.
 */
final class JarredClasspath {

    private static String cached;

    private JarredClasspath() {}

    /** @return {@link ServerJvm#defaultClasspath()} with every directory replaced by a jar */
    static synchronized String get() {
        if (cached == null) {
            cached = build();
        }
        return cached;
    }

    private static String build() {
        try {
            Path dir = Path.of(System.getProperty("java.io.tmpdir"), "gatehouse-it-jars");
            Files.createDirectories(dir);
            List<String> entries = new ArrayList<>();
            for (String entry : ServerJvm.defaultClasspath().split(File.pathSeparator)) {
                Path p = Path.of(entry);
                if (Files.isRegularFile(p)) {
                    entries.add(entry);
                } else if (Files.isDirectory(p)) {
                    entries.add(jarOf(p.toAbsolutePath().normalize(), dir).toString());
                }
            }
            return String.join(File.pathSeparator, entries);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot jar the app-server's class path", e);
        }
    }

    /** The jar of one class directory, made unless an identical one is already there. */
    private static Path jarOf(Path classes, Path dir) throws IOException {
        List<Path> files;
        try (Stream<Path> walk = Files.walk(classes)) {
            files = walk.filter(Files::isRegularFile).sorted().toList();
        }
        MessageDigest sha = sha256();
        long newest = 0;
        sha.update(classes.toString().getBytes(StandardCharsets.UTF_8));
        for (Path f : files) {
            long modified = Files.getLastModifiedTime(f).toMillis();
            newest = Math.max(newest, modified);
            sha.update((classes.relativize(f) + "|" + Files.size(f) + "|" + modified + "\n")
                    .getBytes(StandardCharsets.UTF_8));
        }
        // .../X/target/classes -> X-target-classes-<hash>.jar
        String name = classes.subpath(Math.max(0, classes.getNameCount() - 3), classes.getNameCount()).toString()
                .replaceAll("[^A-Za-z0-9._-]", "-");
        Path jar = dir.resolve(name + "-" + HexFormat.of().formatHex(sha.digest(), 0, 8) + ".jar");
        if (Files.isRegularFile(jar)) {
            return jar;
        }
        // Written aside and renamed: test JVMs running at once may build the same jar.
        Path partial = Files.createTempFile(dir, name, ".partial");
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        try (OutputStream out = Files.newOutputStream(partial);
                JarOutputStream jarOut = new JarOutputStream(out, manifest)) {
            for (Path f : files) {
                String entry = classes.relativize(f).toString().replace(File.separatorChar, '/');
                if (entry.equals("META-INF/MANIFEST.MF")) {
                    continue;
                }
                JarEntry e = new JarEntry(entry);
                e.setTime(Files.getLastModifiedTime(f).toMillis());
                jarOut.putNextEntry(e);
                jarOut.write(Files.readAllBytes(f));
                jarOut.closeEntry();
            }
        }
        Files.setLastModifiedTime(partial, FileTime.fromMillis(newest));
        Files.move(partial, jar, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        return jar;
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is always present in the JDK", e);
        }
    }
}
