package dev.gatehouse.it.support;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Path;

/**
 * Finds the demo-app's compiled classes on this test JVM's class path, to hand them to a peer
 * that runs them in its own JVM (uWSGI's {@code --jvm-classpath}).
 */
public final class DemoAppClasspath {

    /** A class that only the demo-app's JWSGI source set has. */
    private static final String MARKER = "dev/gatehouse/demo/jwsgi/JwsgiShapes.class";

    private DemoAppClasspath() {}

    /**
     * @return the class path entry (demo-app's {@code target/classes} in a reactor build, or its
     *     jar) that holds the JWSGI demo classes
     * @throws IllegalStateException if the demo-app is not on the class path
     */
    public static Path entry() {
        URL url = ClassLoader.getSystemClassLoader().getResource(MARKER);
        if (url == null) {
            url = DemoAppClasspath.class.getClassLoader().getResource(MARKER);
        }
        if (url == null) {
            throw new IllegalStateException(MARKER + " is not on the test class path: build demo-app first"
                    + " (mvn -pl demo-app,it-tests -am test)");
        }
        try {
            return switch (url.getProtocol()) {
                case "file" -> {
                    // .../target/classes/dev/gatehouse/demo/jwsgi/JwsgiShapes.class -> .../target/classes
                    Path file = Path.of(url.toURI());
                    Path root = file;
                    for (int i = 0; i < MARKER.split("/").length; i++) {
                        root = root.getParent();
                    }
                    yield root;
                }
                case "jar" -> {
                    String spec = url.getPath();
                    yield Path.of(URI.create(spec.substring(0, spec.indexOf("!/"))));
                }
                default -> throw new IllegalStateException("cannot turn " + url + " into a class path entry");
            };
        } catch (URISyntaxException e) {
            throw new IllegalStateException("cannot turn " + url + " into a class path entry", e);
        }
    }
}
