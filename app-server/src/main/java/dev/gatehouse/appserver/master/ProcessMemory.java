package dev.gatehouse.appserver.master;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Reads memory, CPU and socket figures of processes from Linux's /proc. */
final class ProcessMemory {

    /** USER_HZ, the unit of /proc's CPU times: 100 on every Linux architecture the JDK runs on. */
    private static final long CLOCK_TICKS_PER_SECOND = 100;

    private ProcessMemory() {
    }

    /** Resident set size in bytes ({@code VmRSS}), or 0 when the process is gone. */
    static long rssBytes(long pid) {
        return kbField(Path.of("/proc", Long.toString(pid), "status"), "VmRSS:") * 1024;
    }

    /** Proportional set size in bytes, shared pages divided among their users; 0 when unknown. */
    static long pssBytes(long pid) {
        return kbField(Path.of("/proc", Long.toString(pid), "smaps_rollup"), "Pss:") * 1024;
    }

    /**
     * CPU time the process has used, user and system, in nanoseconds (/proc/PID/stat's utime and
     * stime, which count threads that have exited too); 0 when the process is gone.
     */
    static long cpuNanos(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            // The command name, field 2, is in parentheses and may hold spaces: count from after it.
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]);
            return ticks * (1_000_000_000L / CLOCK_TICKS_PER_SECOND);
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    /**
     * The threads that run requests in a worker: its event loop ({@code gatehouse-io-N-M}) and
     * the carriers of its virtual threads ({@code ForkJoinPool-N-worker-M}; the common pool is
     * {@code ForkJoinPool.commonPool-...}), as /proc's 15-byte {@code comm} shows their names.
     */
    private static final List<String> REQUEST_THREADS = List.of("gatehouse-io-", "ForkJoinPool-");

    /**
     * What the threads that run requests did, from /proc/PID/task/TID/schedstat: time on a CPU,
     * and time runnable but waiting for one, in nanoseconds, added up over those threads. The
     * wait tells time a request lost to a busy CPU apart from time it spent waiting for I/O or
     * sleeping; the JVM's own threads (GC, JIT, heartbeat) are left out, since they run no
     * request. Zeros when the kernel does not keep them.
     */
    static RequestThreads requestThreads(long pid) {
        long cpu = 0;
        long wait = 0;
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc", Long.toString(pid), "task"))) {
            for (Path task : tasks) {
                try {
                    String name = Files.readString(task.resolve("comm"));
                    if (REQUEST_THREADS.stream().noneMatch(name::startsWith)) {
                        continue;
                    }
                    String[] f = Files.readString(task.resolve("schedstat")).trim().split(" ");
                    cpu += Long.parseLong(f[0]);
                    wait += Long.parseLong(f[1]);
                } catch (IOException | RuntimeException e) {
                    // the thread ended between the listing and the read
                }
            }
        } catch (IOException e) {
            return RequestThreads.NONE;
        }
        return new RequestThreads(cpu, wait);
    }

    /**
     * @param cpuNanos time the request threads ran on a CPU
     * @param waitNanos time they were runnable but waited for a CPU
     */
    record RequestThreads(long cpuNanos, long waitNanos) {
        static final RequestThreads NONE = new RequestThreads(0, 0);
    }

    /** True when the process has the file mapped into memory (e.g. a class-data archive). */
    static boolean maps(long pid, Path file) {
        try (java.util.stream.Stream<String> lines = Files.lines(Path.of("/proc", Long.toString(pid), "maps"))) {
            String name = file.toAbsolutePath().toString();
            return lines.anyMatch(l -> l.endsWith(name));
        } catch (IOException | java.io.UncheckedIOException e) {
            return false;
        }
    }

    private static long kbField(Path file, String field) {
        try {
            for (String line : Files.readAllLines(file)) {
                if (line.startsWith(field)) {
                    String v = line.substring(field.length()).trim();
                    int space = v.indexOf(' ');
                    return Long.parseLong(space < 0 ? v : v.substring(0, space));
                }
            }
        } catch (IOException | NumberFormatException e) {
            // the process exited between two reads: nothing to report
        }
        return 0;
    }

    /**
     * Connections waiting in the accept queue of a listening TCP socket on a port: for a socket
     * in LISTEN state, /proc/net/tcp's rx_queue column is the accept queue length.
     */
    static long tcpListenQueue(int port) throws IOException {
        String hexPort = String.format(":%04X", port);
        long total = 0;
        for (String file : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
            Path p = Path.of(file);
            if (!Files.exists(p)) {
                continue;
            }
            for (String line : Files.readAllLines(p)) {
                String[] f = line.trim().split("\\s+");
                if (f.length > 4 && f[1].endsWith(hexPort) && f[3].equals("0A")) {
                    String[] queues = f[4].split(":");
                    total += Long.parseLong(queues[1], 16);
                }
            }
        }
        return total;
    }

    /**
     * Connections waiting in the accept queue of a listening unix socket. The kernel tells it
     * only through sock_diag netlink, which Java cannot speak; iproute2's {@code ss} does, without
     * root, and prints it as the Recv-Q of the LISTEN line. -1 when ss is missing or says nothing.
     */
    static long unixListenQueue(Path socket) {
        try {
            Process ss = new ProcessBuilder("ss", "-xlnH", "src", socket.toAbsolutePath().toString())
                    .redirectErrorStream(true).start();
            String out;
            try (var in = ss.getInputStream()) {
                out = new String(in.readNBytes(64 * 1024), java.nio.charset.StandardCharsets.UTF_8);
            }
            if (!ss.waitFor(2, java.util.concurrent.TimeUnit.SECONDS)) {
                ss.destroyForcibly();
                return -1;
            }
            long total = -1;
            for (String line : out.split("\n")) {
                String[] f = line.trim().split("\\s+");
                if (f.length > 4 && f[1].equals("LISTEN")) {
                    total = Math.max(total, 0) + Long.parseLong(f[2]);
                }
            }
            return total;
        } catch (IOException | NumberFormatException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }
}
