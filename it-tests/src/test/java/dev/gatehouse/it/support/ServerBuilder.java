package dev.gatehouse.it.support;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What every fixture's builder takes: extra command-line options, files written into the
 * server's directory before start, and how long start-up may take. A subclass adds its peer's
 * own options and a {@code start()} that runs its steps in {@link #launch}.
 *
 * @param <B> the subclass, which each option returns
 */
public abstract class ServerBuilder<B extends ServerBuilder<B>> {

    private final List<String> args = new ArrayList<>();
    private final Map<String, byte[]> files = new LinkedHashMap<>();
    private Duration startTimeout;

    /** @param startTimeout the default bound on start-up, until {@link #startTimeout(Duration)} */
    protected ServerBuilder(Duration startTimeout) {
        this.startTimeout = startTimeout;
    }

    /**
     * Adds command-line options after the fixture's own; {@code @DIR@} in them is replaced by the
     * server's directory.
     *
     * @param options e.g. {@code "--max-concurrency", "4"}
     * @return this
     */
    public B args(String... options) {
        args.addAll(List.of(options));
        return self();
    }

    /**
     * Writes a file into the server's directory before start (an app module, or
     * {@code www/index.html} for a root of {@code @DIR@/www}).
     *
     * @param relativePath a path inside the directory
     * @param content the bytes
     * @return this
     */
    public B file(String relativePath, byte[] content) {
        files.put(relativePath, content.clone());
        return self();
    }

    /**
     * @param relativePath a path inside the directory
     * @param content written as UTF-8
     * @return this
     * @see #file(String, byte[])
     */
    public B file(String relativePath, String content) {
        return file(relativePath, content.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * @param timeout how long start-up may take, each readiness check bounded by it
     * @return this
     */
    public B startTimeout(Duration timeout) {
        this.startTimeout = timeout;
        return self();
    }

    /** @return the bound on each readiness check */
    protected final Duration startTimeout() {
        return startTimeout;
    }

    /**
     * @param launch the launch in progress
     * @return the options given to {@link #args}, {@code @DIR@} replaced
     */
    protected final List<String> args(ManagedServer.Launch launch) {
        return launch.expand(args);
    }

    /**
     * Runs a start in a new scratch directory holding the files given to {@link #file}, undone
     * if any step fails.
     *
     * @param prefix a short name for the server, in the directory's name
     * @param steps the start
     * @param <S> the fixture's type
     * @return the started fixture
     */
    protected final <S extends ManagedServer> S launch(String prefix, ManagedServer.Steps<S> steps) {
        return ManagedServer.Launch.in(prefix, launch -> {
            files.forEach(launch::write);
            return steps.run(launch);
        });
    }

    /** @return this, as the subclass */
    @SuppressWarnings("unchecked")
    protected final B self() {
        return (B) this;
    }
}
