-- Appended to every wrk script the benchmark runs: prints one machine-readable line that
-- bench/lib/load.sh parses, so no number is scraped from wrk's human-readable output.
-- wrk counts a response with status > 399 as a status error (its "Non-2xx or 3xx responses").
-- Latencies are in microseconds.
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "BENCH requests=%d duration_us=%d status=%d connect=%d read=%d write=%d timeout=%d p50_us=%d p99_us=%d\n",
    summary.requests, summary.duration, e.status, e.connect, e.read, e.write, e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
