package dev.gatehouse.it.support;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Processes a test class starts, closed in reverse order of start (nginx before the backend it
 * proxies to), every one of them even when closing another fails.
 *
 * <pre>{@code
 * private final ResourceStack processes = new ResourceStack();
 * @BeforeAll void start() { uwsgi = processes.push(Uwsgi.builder()...start()); ... }
 * @AfterAll void stop() { processes.close(); }   // runs even when start() failed half-way
 * }</pre>
 */
public final class ResourceStack implements AutoCloseable {

    private final Deque<AutoCloseable> resources = new ArrayDeque<>();

    /**
     * @param resource a started resource
     * @param <T> its type
     * @return {@code resource}, for assignment
     */
    public synchronized <T extends AutoCloseable> T push(T resource) {
        resources.push(resource);
        return resource;
    }

    /**
     * Closes everything pushed, last first; the first failure is rethrown after all are closed,
     * later ones added as suppressed.
     */
    @Override
    public synchronized void close() {
        RuntimeException failure = null;
        while (!resources.isEmpty()) {
            AutoCloseable resource = resources.pop();
            try {
                resource.close();
            } catch (Exception e) {
                if (failure == null) {
                    failure = new IllegalStateException("cannot close " + resource, e);
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }
}
