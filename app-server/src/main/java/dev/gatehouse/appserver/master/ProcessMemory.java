package dev.gatehouse.appserver.master;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Reads memory and socket figures of processes from Linux's /proc. */
final class ProcessMemory {

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
}
