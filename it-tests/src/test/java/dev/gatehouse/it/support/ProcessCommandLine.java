package dev.gatehouse.it.support;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * A process's whole command line, read from {@code /proc/PID/cmdline}. {@code
 * ProcessHandle.Info.commandLine()} reads only the first page (4 KiB) of it on Linux and gives
 * nothing at all for a longer one, which a worker JVM with the it-tests class path has: its main
 * class comes after a class path of many kilobytes.
 */
public final class ProcessCommandLine {

    private ProcessCommandLine() {
    }

    /**
     * @param process a live process
     * @return its arguments, the program first; empty when it has gone
     */
    public static List<String> of(ProcessHandle process) {
        try {
            byte[] raw = Files.readAllBytes(Path.of("/proc", Long.toString(process.pid()), "cmdline"));
            String text = new String(raw, StandardCharsets.UTF_8);
            return text.isEmpty() ? List.of() : Arrays.asList(text.split("\0"));
        } catch (IOException e) {
            return List.of();
        }
    }

    /** Whether one of the process's arguments is {@code argument}. */
    public static boolean has(ProcessHandle process, String argument) {
        return of(process).contains(argument);
    }
}
