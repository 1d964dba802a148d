package dev.gatehouse.it.master;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gatehouse.it.support.GatehouseAppServer;
import dev.gatehouse.it.support.Nginx;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The shared listening socket spreads connections over every worker: 4 workers behind real nginx,
 * under continuous load, each answers at least 10% of the requests.
 */
class WorkerSpreadTest {

    private static final Logger log = LoggerFactory.getLogger(WorkerSpreadTest.class);

    private static final int WORKERS = 4;
    private static final int REQUESTS = 2000;

    @Test
    void everyOfFourWorkersServesAtLeastATenthOfTheRequests() {
        try (MasterUnderTest master = MasterUnderTest.start(GatehouseAppServer.builder()
                        .app("dev.gatehouse.demo.DemoApp").workers(WORKERS));
                Nginx nginx = master.startNginx()) {
            Set<Long> workers = master.awaitServing(WORKERS);

            HttpLoad load = HttpLoad.start(nginx.port(), "/pid", 8, Duration.ZERO);
            load.awaitOk(REQUESTS, Duration.ofSeconds(120));
            load.stop();

            log.info("spread over {} workers: {}", WORKERS, load.summary());
            assertEquals(List.of(), load.failures(), load::summary);
            Map<Long, Long> byPid = load.okByPid();
            assertEquals(workers, byPid.keySet(), () -> "the workers that answered, " + load.summary());
            long total = load.okCount();
            byPid.forEach((pid, n) -> assertTrue(n * 10 >= total,
                    () -> "worker pid " + pid + " answered " + n + " of " + total + " requests (< 10%): " + byPid));
            // How even the spread is (the thundering-herd target, busiest worker at most twice its
            // fair share) is bench/herd's to measure: with the CPU contended, the kernel's LIFO
            // wake-up of the workers waiting in accept favours whichever ran last, and a test
            // that bounds it fails on a loaded machine (one worker took 60% beside a CPU hog).
        }
    }
}
