package dev.gatehouse.it.master;

import java.io.IOException;
import java.io.OutputStream;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

/**
 * Builds, at test time, a one-class application jar whose every answer is
 * {@code "<version> <worker pid>"}: two builds with different versions stand for an app before
 * and after a deployment.
 */
final class VersionedAppJar {

    /** The application class inside every jar built here. */
    static final String CLASS_NAME = "gatehouse.it.hup.VersionApp";

    private VersionedAppJar() {}

    /**
     * Compiles the app against this JVM's class path (which has the application API) and jars it.
     *
     * @param workDir a directory for the sources and classes
     * @param version what the app answers before its pid, e.g. {@code v1}
     * @param jar the jar file to write
     * @return {@code jar}
     */
    static Path build(Path workDir, String version, Path jar) {
        return build(workDir, version, 0, jar);
    }

    /**
     * A jar without the app class, standing for a release that cannot load: a new generation or a
     * new master started on it fails while the running one goes on.
     *
     * @param jar the jar file to write
     * @return {@code jar}
     */
    static Path broken(Path jar) {
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
            out.putNextEntry(new JarEntry("README"));
            out.write("no classes here\n".getBytes(StandardCharsets.UTF_8));
            out.closeEntry();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + jar, e);
        }
        return jar;
    }

    /**
     * Like {@link #build(Path, String, Path)}, with an app whose per-worker {@code start()} takes
     * {@code startMillis}: a slow-loading application.
     *
     * @param workDir a directory for the sources and classes
     * @param version what the app answers before its pid
     * @param startMillis how long {@code start()} sleeps
     * @param jar the jar file to write
     * @return {@code jar}
     */
    static Path build(Path workDir, String version, long startMillis, Path jar) {
        try {
            Path src = workDir.resolve("src-" + version);
            Path classes = workDir.resolve("classes-" + version);
            Path source = src.resolve("gatehouse/it/hup/VersionApp.java");
            Files.createDirectories(source.getParent());
            Files.createDirectories(classes);
            Files.writeString(source, """
                    package gatehouse.it.hup;

                    import dev.gatehouse.appserver.api.Application;
                    import dev.gatehouse.appserver.api.Request;
                    import dev.gatehouse.appserver.api.Response;
                    import dev.gatehouse.appserver.api.WorkerContext;

                    /** Built by the master tests: answers its version and its worker's pid. */
                    public final class VersionApp implements Application {
                        private static final String ANSWER = "%s " + ProcessHandle.current().pid();

                        @Override
                        public void start(WorkerContext context) throws Exception {
                            Thread.sleep(%dL);
                        }

                        @Override
                        public Response handle(Request request) {
                            return Response.ok(ANSWER);
                        }
                    }
                    """.formatted(version, startMillis));
            JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
            if (javac == null) {
                throw new IllegalStateException("no system Java compiler: run the tests on a JDK, not a JRE");
            }
            StringWriter diagnostics = new StringWriter();
            boolean ok = javac.getTask(diagnostics, null, null,
                    List.of("-classpath", System.getProperty("java.class.path"), "-d", classes.toString(),
                            "-proc:none", "-Xlint:none"),
                    null, javac.getStandardFileManager(null, null, StandardCharsets.UTF_8)
                            .getJavaFileObjects(source.toFile())).call();
            if (!ok) {
                throw new IllegalStateException("cannot compile " + source + ":\n" + diagnostics);
            }
            Manifest manifest = new Manifest();
            manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
            try (OutputStream out = Files.newOutputStream(jar);
                    JarOutputStream jarOut = new JarOutputStream(out, manifest);
                    Stream<Path> files = Files.walk(classes)) {
                for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
                    jarOut.putNextEntry(new JarEntry(classes.relativize(f).toString().replace('\\', '/')));
                    jarOut.write(Files.readAllBytes(f));
                    jarOut.closeEntry();
                }
            }
            return jar;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot build the " + version + " app jar " + jar, e);
        }
    }
}
