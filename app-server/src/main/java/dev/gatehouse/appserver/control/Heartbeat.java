package dev.gatehouse.appserver.control;

/**
 * What a worker tells the master every second over the control socket: its counters and its
 * oldest running request (for harakiri).
 *
 * @param requests requests answered so far
 * @param inFlight requests running now
 * @param exceptions requests whose application threw
 * @param rejected requests refused with 503 by {@code max_concurrency}
 * @param connections connections accepted so far
 * @param oldestStartMillis epoch millis when the oldest running request started; 0 when idle
 * @param webSockets WebSockets open now
 * @param responseMicros the response times of all requests answered so far, added up: its growth
 *     over an interval divided by the interval is the mean number of requests in flight (Little's law)
 * @param responseTimes the histogram of those response times
 * @param oldestRequest the request line of that request; empty when idle
 */
public record Heartbeat(long requests, int inFlight, long exceptions, long rejected, long connections,
        long oldestStartMillis, int webSockets, long responseMicros,
        ResponseTimes responseTimes, String oldestRequest) {

    static final String PREFIX = "hb ";

    /** An idle worker's first heartbeat. */
    public static final Heartbeat NONE = new Heartbeat(0, 0, 0, 0, 0, 0, 0, 0, ResponseTimes.EMPTY, "");

    private static final int FIELDS = 10;

    /** Mean response time in microseconds: the response times added up, over the requests; 0 before any. */
    public long avgResponseMicros() {
        return requests == 0 ? 0 : responseMicros / requests;
    }

    /** The line sent over the control socket (without the newline). */
    public String toLine() {
        // The request line goes last: it is the only field that may contain spaces.
        return PREFIX + requests + ' ' + inFlight + ' ' + exceptions + ' ' + rejected + ' ' + connections + ' '
                + oldestStartMillis + ' ' + webSockets + ' ' + responseMicros + ' '
                + responseTimes.encode() + ' ' + sanitize(oldestRequest);
    }

    private static String sanitize(String s) {
        StringBuilder sb = new StringBuilder(Math.min(s.length(), 200));
        for (int i = 0; i < s.length() && i < 200; i++) {
            char c = s.charAt(i);
            sb.append(c < 0x20 || c == 0x7f ? '?' : c);
        }
        return sb.toString();
    }

    /**
     * Parses a heartbeat line.
     *
     * @throws IllegalArgumentException when the line is not a heartbeat
     */
    public static Heartbeat parse(String line) {
        if (!line.startsWith(PREFIX)) {
            throw new IllegalArgumentException("not a heartbeat: " + line);
        }
        String[] f = line.substring(PREFIX.length()).split(" ", FIELDS);
        if (f.length < FIELDS - 1) {
            throw new IllegalArgumentException("heartbeat with " + f.length + " fields, expected " + FIELDS + ": " + line);
        }
        try {
            return new Heartbeat(Long.parseLong(f[0]), Integer.parseInt(f[1]), Long.parseLong(f[2]), Long.parseLong(f[3]),
                    Long.parseLong(f[4]), Long.parseLong(f[5]), Integer.parseInt(f[6]), Long.parseLong(f[7]),
                    ResponseTimes.parse(f[8]), f.length > FIELDS - 1 ? f[FIELDS - 1] : "");
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("heartbeat with a bad number: " + line, e);
        }
    }
}
