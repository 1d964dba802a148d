package dev.gatehouse.it.master;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gatehouse.it.support.GatehouseAppServer;
import dev.gatehouse.it.support.UnixSignal;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code kill -9} of the master: nothing runs its cleanup, yet every worker notices the closed
 * control socket and exits by itself within 5 s, so no orphan keeps serving the old socket.
 */
class MasterDeathTest {

    private static final Logger log = LoggerFactory.getLogger(MasterDeathTest.class);

    private static final int WORKERS = 3;

    @Test
    void workersExitWithin5sAfterTheMasterIsKilled() {
        try (MasterUnderTest master = MasterUnderTest.start(GatehouseAppServer.builder()
                .app("dev.gatehouse.demo.DemoApp").workers(WORKERS))) {
            Set<Long> workers = master.awaitServing(WORKERS);
            // The kernel's view: the master's children, taken before it dies (orphans get re-parented).
            List<ProcessHandle> children = master.server().handle().children()
                    .filter(MasterUnderTest::isWorkerJvm).toList();
            assertEquals(workers, Set.copyOf(children.stream().map(ProcessHandle::pid).toList()),
                    "the master's worker children");

            long killed = System.nanoTime();
            assertTrue(UnixSignal.send(master.pid(), "KILL"));
            long deadline = killed + Duration.ofSeconds(5).toNanos();
            for (ProcessHandle child : children) {
                long left = Math.max(0, deadline - System.nanoTime());
                try {
                    child.onExit().get(left, TimeUnit.NANOSECONDS);
                } catch (Exception e) {
                    throw new AssertionError("worker " + child.pid() + " still running 5 s after kill -9 of the master"
                            + "\n" + master.diagnostics());
                }
            }
            log.info("all {} workers gone {} ms after kill -9 of the master", children.size(),
                    (System.nanoTime() - killed) / 1_000_000);
            for (long pid : workers) {
                assertEquals(1, master.logLines("worker \\d+ \\(pid " + pid + "\\): the master went away; stopping").size(),
                        () -> "worker " + pid + " did not log why it stopped\n" + master.diagnostics());
            }
        }
    }
}
