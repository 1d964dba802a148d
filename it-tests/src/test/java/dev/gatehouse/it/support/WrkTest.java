package dev.gatehouse.it.support;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Parsing wrk's report, and one short real run against nginx. */
class WrkTest {

    /** Output of wrk 4.1.0 (Debian 12) with errors, in the layout wrk prints it. */
    private static final String REPORT = """
            Running 2s test @ http://127.0.0.1:8080/hello
              1 threads and 10 connections
              Thread Stats   Avg      Stdev     Max   +/- Stdev
                Latency   412.05us  301.22us   9.87ms   93.10%
                Req/Sec    23.41k     1.02k   24.90k    80.00%
              Latency Distribution
                 50%  351.00us
                 75%  420.00us
                 90%  560.00us
                 99%    1.52ms
              46590 requests in 2.00s, 7.02MB read
              Socket errors: connect 1, read 2, write 3, timeout 4
              Non-2xx or 3xx responses: 17
            Requests/sec:  23287.45
            Transfer/sec:      3.51MB
            """;

    @Test
    void parsesRateLatencyAndErrors() {
        WrkResult r = Wrk.parse(REPORT);
        assertEquals(46590, r.requests());
        assertEquals(23287.45, r.requestsPerSecond(), 0.001);
        assertEquals(Duration.ofNanos(351_000), r.latencyP50());
        assertEquals(Duration.ofNanos(560_000), r.latencyP90());
        assertEquals(Duration.ofNanos(1_520_000), r.latencyP99());
        assertEquals(17, r.non2xxOr3xx());
        assertEquals(1, r.connectErrors());
        assertEquals(10, r.socketErrors());
    }

    @Test
    void missingErrorLinesMeanZero() {
        String clean = REPORT.replaceAll("(?m)^\\s*(Socket errors|Non-2xx).*\\n", "");
        WrkResult r = Wrk.parse(clean);
        assertTrue(r.clean(), r::summary);
    }

    @Test
    void measuresAStaticFileOnNginx() {
        try (Nginx nginx = Nginx.builder().file("www/a.txt", "a\n").server("root @DIR@/www;").start()) {
            WrkResult r = Wrk.run(nginx.uri("/a.txt"), 4, Duration.ofSeconds(1));
            assertTrue(r.requests() > 100, r::output);
            assertTrue(r.clean(), r::output);
            assertTrue(r.latencyP50().compareTo(r.latencyP99()) <= 0, r::output);
        }
    }
}
