package dev.gatehouse.it.support;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs {@code wrk -t1 -cN -dDs --latency URL} and parses its report.
 *
 * <p>One wrk thread: on a small machine more threads only compete with the servers under test
 * for the same cores.
 */
public final class Wrk {

    private static final Logger log = LoggerFactory.getLogger(Wrk.class);

    private static final Pattern REQUESTS = Pattern.compile("^\\s*(\\d+) requests in ", Pattern.MULTILINE);
    private static final Pattern RATE = Pattern.compile("^Requests/sec:\\s*([\\d.]+)", Pattern.MULTILINE);
    private static final Pattern NON_2XX = Pattern.compile("^\\s*Non-2xx or 3xx responses:\\s*(\\d+)", Pattern.MULTILINE);
    private static final Pattern SOCKET_ERRORS = Pattern.compile(
            "^\\s*Socket errors: connect (\\d+), read (\\d+), write (\\d+), timeout (\\d+)", Pattern.MULTILINE);

    private Wrk() {}

    /**
     * Runs wrk with one thread and wrk's default 2 s request timeout.
     *
     * @param url the URL to load
     * @param connections open connections ({@code -c})
     * @param duration how long ({@code -d}, whole seconds, at least 1)
     * @return the parsed report
     */
    public static WrkResult run(URI url, int connections, Duration duration) {
        return run(url, 1, connections, duration);
    }

    /**
     * Runs wrk.
     *
     * @param url the URL to load
     * @param threads wrk threads ({@code -t}); at most {@code connections}
     * @param connections open connections ({@code -c})
     * @param duration how long ({@code -d}, whole seconds, at least 1)
     * @return the parsed report
     * @throws IllegalStateException with wrk's output if it fails or its report cannot be parsed
     */
    public static WrkResult run(URI url, int threads, int connections, Duration duration) {
        Path binary = PeerBinaries.wrk();
        long seconds = Math.max(1, duration.toSeconds());
        List<String> command = List.of(binary.toString(), "-t" + threads, "-c" + connections, "-d" + seconds + "s",
                "--latency", url.toString());
        Path out = null;
        try {
            out = Files.createTempFile("gatehouse-it-wrk-", ".txt");
            Process process = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(out.toFile())
                    .start();
            // wrk stops itself after -d; the margin covers start-up and its final report.
            if (!process.waitFor(seconds + 30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException("wrk did not finish within " + (seconds + 30) + " s: "
                        + String.join(" ", command) + "\n" + Files.readString(out));
            }
            String output = Files.readString(out, StandardCharsets.UTF_8);
            if (process.exitValue() != 0) {
                throw new IllegalStateException("wrk exited with status " + process.exitValue() + ": "
                        + String.join(" ", command) + "\n" + output);
            }
            WrkResult result = parse(output);
            log.info("wrk -c{} -d{}s {}: {}", connections, seconds, url, result.summary());
            return result;
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + String.join(" ", command), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running wrk on " + url, e);
        } finally {
            if (out != null) {
                try {
                    Files.deleteIfExists(out);
                } catch (IOException e) {
                    log.debug("cannot delete {}", out, e);
                }
            }
        }
    }

    /**
     * Parses the report of {@code wrk --latency}.
     *
     * @param output wrk's stdout
     * @return the figures
     * @throws IllegalStateException with the output if a required figure is missing
     */
    public static WrkResult parse(String output) {
        long requests = Long.parseLong(required(REQUESTS, output, "requests"));
        double rate = Double.parseDouble(required(RATE, output, "Requests/sec"));
        Duration p50 = percentile(output, "50");
        Duration p90 = percentile(output, "90");
        Duration p99 = percentile(output, "99");
        // wrk prints these two lines only when the counts are not zero.
        Matcher non2xx = NON_2XX.matcher(output);
        long errorsStatus = non2xx.find() ? Long.parseLong(non2xx.group(1)) : 0;
        Matcher socket = SOCKET_ERRORS.matcher(output);
        long connect = 0;
        long read = 0;
        long write = 0;
        long timeout = 0;
        if (socket.find()) {
            connect = Long.parseLong(socket.group(1));
            read = Long.parseLong(socket.group(2));
            write = Long.parseLong(socket.group(3));
            timeout = Long.parseLong(socket.group(4));
        }
        return new WrkResult(requests, rate, p50, p90, p99, errorsStatus, connect, read, write, timeout, output);
    }

    private static Duration percentile(String output, String percent) {
        Pattern line = Pattern.compile("^\\s*" + percent + "%\\s+([\\d.]+)(us|ms|s|m|h)\\s*$", Pattern.MULTILINE);
        Matcher m = line.matcher(output);
        if (!m.find()) {
            throw new IllegalStateException("no " + percent + "% latency in wrk output (was --latency given?):\n"
                    + output);
        }
        double value = Double.parseDouble(m.group(1));
        // wrk's units.c: us, ms and s scale by 1000, then m and h by 60.
        double nanos = switch (m.group(2)) {
            case "us" -> value * 1e3;
            case "ms" -> value * 1e6;
            case "s" -> value * 1e9;
            case "m" -> value * 60e9;
            default -> value * 3600e9;
        };
        return Duration.ofNanos(Math.round(nanos));
    }

    private static String required(Pattern pattern, String output, String what) {
        Matcher m = pattern.matcher(output);
        if (!m.find()) {
            throw new IllegalStateException("no '" + what + "' in wrk output:\n" + output);
        }
        return m.group(1);
    }
}
