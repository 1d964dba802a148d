package dev.gatehouse.it.samples;

import dev.gatehouse.it.support.ScratchDir;
import java.io.IOException;
import java.io.ByteArrayOutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

/**
 * {@code examples/hello-app} built the way its README says without Maven: javac against the
 * app-server jar (here: this test JVM's class path, which holds the app-server), then a jar of
 * the classes alone. Built once per test JVM; the samples run it as the user's application.
 */
final class HelloAppJar {

    static final Path PROJECT = SampleFiles.EXAMPLES.resolve("hello-app");
    static final String APP_CLASS = "com.example.App";

    private static Path jar;

    private HelloAppJar() {}

    /** The jar, compiled on first use; it lives until the test JVM exits. */
    static synchronized Path path() {
        if (jar == null) {
            ScratchDir dir = ScratchDir.create("hello-app");
            Runtime.getRuntime().addShutdownHook(new Thread(dir::close, "hello-app-cleanup"));
            jar = build(dir);
        }
        return jar;
    }

    private static Path build(ScratchDir dir) {
        Path classes = dir.resolve("classes");
        try (Stream<Path> files = Files.walk(PROJECT.resolve("src/main/java"))) {
            List<String> sources = files.filter(p -> p.toString().endsWith(".java")).map(Path::toString).toList();
            JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
            List<String> args = new ArrayList<>(List.of("--release", "21", "-proc:none", "-Xlint:all,-path", "-Werror",
                    "-cp", System.getProperty("java.class.path"), "-d", classes.toString()));
            args.addAll(sources);
            ByteArrayOutputStream messages = new ByteArrayOutputStream();
            if (javac.run(null, messages, messages, args.toArray(String[]::new)) != 0) {
                throw new IllegalStateException("examples/hello-app does not compile against the app-server:\n"
                        + messages.toString(StandardCharsets.UTF_8));
            }
            Path out = dir.resolve("hello-app.jar");
            Manifest manifest = new Manifest();
            manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
            try (JarOutputStream jarOut = new JarOutputStream(Files.newOutputStream(out), manifest);
                    Stream<Path> compiled = Files.walk(classes)) {
                for (Path c : compiled.filter(Files::isRegularFile).sorted().toList()) {
                    jarOut.putNextEntry(new JarEntry(classes.relativize(c).toString().replace('\\', '/')));
                    Files.copy(c, jarOut);
                    jarOut.closeEntry();
                }
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot build examples/hello-app", e);
        }
    }
}
