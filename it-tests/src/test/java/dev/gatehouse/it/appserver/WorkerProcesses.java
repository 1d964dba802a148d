package dev.gatehouse.it.appserver;

import dev.gatehouse.it.support.GatehouseAppServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The worker JVMs of a running app-server, found as children of its master, and their memory. */
final class WorkerProcesses {

    private static final String WORKER_MAIN = "dev.gatehouse.appserver.worker.WorkerMain";
    private static final Pattern READY = Pattern.compile("worker \\d+ \\(pid \\d+, generation \\d+\\) ready");
    /**
     * The master's line for the same event, written after the worker's: a test that reads the
     * log from here on must not find it arriving late.
     */
    private static final Pattern MASTER_SAW_READY = Pattern.compile("worker \\d+ \\(pid \\d+\\) ready in \\d+ ms");
    private static final Pattern VM_RSS = Pattern.compile("(?m)^VmRSS:\\s+(\\d+) kB$");

    private WorkerProcesses() {}

    /**
     * @param server a running app-server
     * @return its live worker processes, in pid order
     */
    static List<ProcessHandle> of(GatehouseAppServer server) {
        return server.handle().children()
                .filter(ProcessHandle::isAlive)
                .filter(p -> dev.gatehouse.it.support.ProcessCommandLine.has(p, WORKER_MAIN))
                .sorted()
                .toList();
    }

    /**
     * Waits until {@code count} workers have logged that they are ready, and the master that it saw them ready: the master's socket
     * accepts as soon as it is bound, before any worker serves.
     */
    static List<ProcessHandle> awaitReady(GatehouseAppServer server, int count, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            String log = server.log();
            int seen = (int) Math.min(READY.matcher(log).results().count(), MASTER_SAW_READY.matcher(log).results().count());
            if (seen >= count) {
                List<ProcessHandle> workers = of(server);
                if (workers.size() == count) {
                    return workers;
                }
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(seen + " of " + count + " workers ready within " + timeout + "\n"
                        + server.diagnostics());
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted waiting for workers", e);
            }
        }
    }

    /**
     * @param pid a live process
     * @return its resident set size in bytes ({@code VmRSS} of {@code /proc/PID/status})
     */
    static long rssBytes(long pid) {
        Path status = Path.of("/proc", Long.toString(pid), "status");
        try {
            Matcher m = VM_RSS.matcher(Files.readString(status));
            if (!m.find()) {
                throw new IllegalStateException("no VmRSS line in " + status);
            }
            return Long.parseLong(m.group(1)) * 1024;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + status + " (has pid " + pid + " exited?)", e);
        }
    }
}
