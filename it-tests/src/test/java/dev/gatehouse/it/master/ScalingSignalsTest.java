package dev.gatehouse.it.master;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gatehouse.it.support.GatehouseAppServer;
import dev.gatehouse.it.support.UwsgiPacketClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * TTIN and TTOU change the live worker count by one, as the stats endpoint and the kernel's
 * process table both show; TTOU never goes below one worker.
 */
class ScalingSignalsTest {

    @Test
    void ttinAddsAWorkerTtouRemovesOneNeverBelowOne() {
        try (MasterUnderTest master = MasterUnderTest.start(GatehouseAppServer.builder()
                .app("dev.gatehouse.demo.DemoApp").workers(2))) {
            Set<Long> two = master.awaitServing(2);
            assertEquals(two, workerChildren(master), "the master's worker children");

            master.signal("TTIN");
            Set<Long> three = master.awaitServing(3);
            assertEquals(3, master.stats().targetWorkers());
            assertTrue(three.containsAll(two), () -> "TTIN replaced workers: " + two + " -> " + three);
            awaitChildren(master, three);
            assertEquals(1, master.logLines("TTIN: workers 2 -> 3").size(), master::diagnostics);

            // One signal at a time: the kernel keeps one pending signal of a kind, so a second
            // TTOU sent before the JVM took the first would merge with it.
            master.signal("TTOU");
            master.awaitLogLine("TTOU: workers 3 -> 2", Duration.ofSeconds(60));
            master.signal("TTOU");
            Set<Long> one = master.awaitServing(1);
            assertEquals(1, master.stats().targetWorkers());
            assertTrue(three.containsAll(one), () -> "TTOU started a new worker: " + three + " -> " + one);
            awaitChildren(master, one);
            assertEquals(1, master.logLines("TTOU: workers 3 -> 2").size(), master::diagnostics);
            assertEquals(1, master.logLines("TTOU: workers 2 -> 1").size(), master::diagnostics);

            master.signal("TTOU");
            master.awaitLogLine("TTOU ignored: already at 1 worker", Duration.ofSeconds(60));
            // Two heartbeats later the one worker is still there, alone, and serves.
            MasterUnderTest.sleep(Duration.ofMillis(2500));
            assertEquals(one, master.awaitServing(1, Duration.ofSeconds(60)));
            assertEquals(1, master.stats().targetWorkers());
            assertEquals(one, workerChildren(master));
            String reply = new String(UwsgiPacketClient.exchange(master.server().socketPath(), 0,
                    UwsgiPacketClient.getVars("/pid"), new byte[0], Duration.ofSeconds(10)), StandardCharsets.UTF_8);
            assertTrue(reply.startsWith("HTTP/1.1 200 ") && reply.endsWith("\r\n\r\n" + one.iterator().next()),
                    () -> "the last worker's answer: " + reply);
        }
    }

    private static Set<Long> workerChildren(MasterUnderTest master) {
        Set<Long> pids = new HashSet<>();
        master.server().handle().children().filter(ProcessHandle::isAlive).filter(MasterUnderTest::isWorkerJvm)
                .forEach(h -> pids.add(h.pid()));
        return pids;
    }

    private static void awaitChildren(MasterUnderTest master, Set<Long> expected) {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!workerChildren(master).equals(expected)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("worker children " + workerChildren(master) + ", expected " + expected + "\n"
                        + master.diagnostics());
            }
            MasterUnderTest.sleep(Duration.ofMillis(100));
        }
    }
}
