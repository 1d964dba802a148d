package dev.gatehouse.it.support;

import java.io.File;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The command line of a Gatehouse JVM (a server, or a tool such as {@code ctl}) started from this
 * test JVM: its JDK, and its class path less it-tests' own classes, so that the tests'
 * logback-test.xml does not configure the launched JVM's logging.
 */
public final class ServerJvm {

    private ServerJvm() {}

    /**
     * @return the class path a server JVM gets by default: this test JVM's (which holds the
     *     proxy, the app-server, demo-app and their dependencies through the it-tests test
     *     dependencies), less it-tests' own test classes
     */
    public static String defaultClasspath() {
        String own = ownCodeSource();
        return Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(entry -> !entry.isEmpty())
                .filter(entry -> own == null || !Path.of(entry).toAbsolutePath().normalize().toString().equals(own))
                .collect(Collectors.joining(File.pathSeparator));
    }

    /**
     * The start of a command that runs a Gatehouse JVM: this test's own JDK, native access
     * allowed (Netty loads its epoll library with System.loadLibrary; without the flag JDK 24+
     * prints a restricted-method warning into every server log), the JVM options, the class path
     * and the main class. The caller appends the program's own arguments.
     *
     * @param jvmArgs options for the JVM, e.g. {@code -Xmx64m}
     * @param classpath the JVM's class path, e.g. {@link #defaultClasspath()}
     * @param mainClass the program's main class
     * @return a new, modifiable list
     */
    public static List<String> command(List<String> jvmArgs, String classpath, String mainClass) {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command()
                .orElseGet(() -> Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        command.add("--enable-native-access=ALL-UNNAMED");
        command.addAll(jvmArgs);
        command.add("-cp");
        command.add(classpath);
        command.add(mainClass);
        return command;
    }

    private static String ownCodeSource() {
        try {
            var source = ServerJvm.class.getProtectionDomain().getCodeSource();
            return source == null ? null : Path.of(source.getLocation().toURI()).toAbsolutePath().normalize().toString();
        } catch (URISyntaxException e) {
            return null;
        }
    }
}
