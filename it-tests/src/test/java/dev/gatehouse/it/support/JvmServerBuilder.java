package dev.gatehouse.it.support;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A builder for a Gatehouse server that runs as a JVM of its own, started as {@link ServerJvm}
 * starts one: the options of {@link ServerBuilder}, and the JVM's options and class path.
 *
 * @param <B> the subclass, which each option returns
 */
public abstract class JvmServerBuilder<B extends JvmServerBuilder<B>> extends ServerBuilder<B> {

    private final List<String> jvmArgs = new ArrayList<>();
    private String mainClass;
    private String launcherClasspath;

    /**
     * @param mainClass the server's main class
     * @param startTimeout the default bound on start-up
     */
    protected JvmServerBuilder(String mainClass, Duration startTimeout) {
        super(startTimeout);
        this.mainClass = mainClass;
    }

    /**
     * @param options options for the launched JVM, e.g. {@code -Xmx64m}
     * @return this
     */
    public B jvmArgs(String... options) {
        jvmArgs.addAll(List.of(options));
        return self();
    }

    /**
     * Replaces the server JVM's own class path (default: {@link ServerJvm#defaultClasspath()}),
     * e.g. with the same classes as jars, as a deployment has them.
     *
     * @param entries {@code :}-separated jars and class directories holding the server
     * @return this
     */
    public B launcherClasspath(String entries) {
        this.launcherClasspath = entries;
        return self();
    }

    /** Replaces the main class; for the fixtures' own tests of start-up failures. */
    B mainClass(String className) {
        this.mainClass = className;
        return self();
    }

    /** @return the JVM's command line up to its main class; the caller appends the server's arguments */
    protected final List<String> jvmCommand() {
        return ServerJvm.command(jvmArgs, launcherClasspath != null ? launcherClasspath : ServerJvm.defaultClasspath(),
                mainClass);
    }
}
