package dev.gatehouse.conf.process;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Which of the servers' control signals this process inherited as ignored.
 *
 * <p>HotSpot refuses to install a handler for HUP, INT or TERM when the process started with
 * that signal ignored ({@code JVM_RegisterSignal} returns "ignored" instead), and
 * {@code sun.misc.Signal.handle} then returns without an error: a server started under
 * {@code nohup} never reloads on HUP, and one started as a shell's background job (which ignores
 * INT) never quick-stops on INT, both silently. {@code bin/gatehouse} resets the three with
 * {@code env --default-signal}; this check names them for whoever starts the JVM another way.
 */
public final class IgnoredSignals {

    /** The signals the servers handle that the JVM leaves alone when they are ignored, by number. */
    private static final Map<String, Integer> CONTROL_SIGNALS = Map.of("HUP", 1, "INT", 2, "TERM", 15);

    private IgnoredSignals() {
    }

    /**
     * The control signals among {@code names} that this process ignores, read from the
     * {@code SigIgn} mask of {@code /proc/self/status}; empty where that file cannot be read.
     *
     * @param names signal names without the SIG prefix, e.g. {@code HUP}
     * @return the ignored ones, in the order given
     */
    public static List<String> among(List<String> names) {
        String status;
        try {
            status = Files.readString(Path.of("/proc/self/status"));
        } catch (IOException e) {
            return List.of();
        }
        return among(names, status);
    }

    /**
     * The control signals among {@code names} that the {@code SigIgn} line of this
     * {@code /proc/PID/status} text marks as ignored.
     *
     * @param names signal names without the SIG prefix
     * @param procStatus the text of a {@code /proc/PID/status} file
     * @return the ignored ones, in the order given; empty when the text has no {@code SigIgn} line
     */
    static List<String> among(List<String> names, String procStatus) {
        long mask = procStatus.lines().filter(l -> l.startsWith("SigIgn:")).findFirst()
                .map(l -> Long.parseUnsignedLong(l.substring("SigIgn:".length()).trim(), 16)).orElse(0L);
        List<String> ignored = new ArrayList<>();
        for (String name : names) {
            Integer number = CONTROL_SIGNALS.get(name);
            if (number != null && (mask & (1L << (number - 1))) != 0) {
                ignored.add(name);
            }
        }
        return ignored;
    }

    /**
     * One operator-readable sentence about the ignored signals, or null when none is.
     *
     * @param names the control signals this server acts on, e.g. {@code HUP, INT, TERM}
     * @param effects what each of them does for this server, in the same order, e.g. "reload"
     * @return e.g. "SIGHUP (reload) is ignored by this process ...", or null
     */
    public static String warning(List<String> names, List<String> effects) {
        List<String> ignored = among(names);
        if (ignored.isEmpty()) {
            return null;
        }
        List<String> described = new ArrayList<>();
        for (String name : ignored) {
            described.add("SIG" + name + " (" + effects.get(names.indexOf(name)) + ")");
        }
        return String.join(", ", described) + (ignored.size() == 1 ? " is" : " are")
                + " ignored by this process, inherited from its parent (nohup, or a shell's background job for INT),"
                + " so the JVM will not deliver " + (ignored.size() == 1 ? "it" : "them")
                + ": start it through bin/gatehouse, which resets them, or under `env --default-signal=HUP,INT,TERM`";
    }
}
