package dev.gatehouse.conf.process;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class IgnoredSignalsTest {

    private static final List<String> CONTROLS = List.of("HUP", "INT", "TERM");

    @Test
    void readsHupAndIntFromTheSigIgnMask() {
        // nohup + a background job: HUP (bit 0) and INT (bit 1), QUIT (bit 2) too.
        String status = "Name:\tjava\nSigBlk:\t0000000000000000\nSigIgn:\t0000000000000007\nSigCgt:\t0\n";
        assertEquals(List.of("HUP", "INT"), IgnoredSignals.among(CONTROLS, status));
    }

    @Test
    void readsTermFromBit14() {
        assertEquals(List.of("TERM"), IgnoredSignals.among(CONTROLS, "SigIgn:\t0000000000004000\n"));
    }

    @Test
    void nothingIgnoredIsAnEmptyList() {
        assertEquals(List.of(), IgnoredSignals.among(CONTROLS, "SigIgn:\t0000000000001000\n"));
        assertEquals(List.of(), IgnoredSignals.among(CONTROLS, "Name:\tjava\n"));
    }

    @Test
    void theRunningTestJvmIsReadFromProc() throws Exception {
        // The mask of this very process, read by another program, must agree with ours.
        Process p = new ProcessBuilder("sh", "-c", "grep SigIgn /proc/" + ProcessHandle.current().pid() + "/status")
                .start();
        String line = new String(p.getInputStream().readAllBytes()).trim();
        assertEquals(0, p.waitFor());
        assertEquals(IgnoredSignals.among(CONTROLS, line), IgnoredSignals.among(CONTROLS));
    }
}
