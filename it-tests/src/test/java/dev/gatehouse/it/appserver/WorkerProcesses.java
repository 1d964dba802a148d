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
     * Waits until {@code count} workers have logged that they are ready: the master's socket
     * accepts as soon as it is bound, before any worker serves.
     */
    static List<ProcessHandle> awaitReady(GatehouseAppServer server, int count, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Matcher ready = READY.matcher(server.log());
            int seen = 0;
            while (ready.find()) {
                seen++;
            }
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
