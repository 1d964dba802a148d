# The load: one check request with curl, then wrk (1 thread, 50 connections), or h2load for
# the HTTP/2 load (50 connections, 10 streams each). Sourced by bench/run, which sets WORK and
# BENCH_LIB.

WRK_THREADS=1
WRK_CONNECTIONS=50
H2_STREAMS=10
# The WebSocket echo load (issue 14): 100 sockets, each a closed loop of 64-byte text messages.
WS_CONNECTIONS=100
WS_MESSAGE_BYTES=64
# Where the npm ws package for it is installed (once), from the npm registry.
NODE_WS_DIR=$REPO/bench/target/node-ws
NODE_WS_VERSION=8.18.3

# ensure_node_ws: the ws package for the WebSocket load, installed on first use.
ensure_node_ws() {
  [ -f "$NODE_WS_DIR/node_modules/ws/package.json" ] && return 0
  command -v node >/dev/null && command -v npm >/dev/null || die "node and npm are needed for the ws- stacks; scripts/test installs them"
  mkdir -p "$NODE_WS_DIR"
  npm install --prefix "$NODE_WS_DIR" --no-audit --no-fund --loglevel=error "ws@$NODE_WS_VERSION" >/dev/null ||
    die "npm install ws@$NODE_WS_VERSION failed"
}

# prepare_loads: the wrk scripts (each load's request plus lib/wrk/report.lua) and the body files
# curl sends, under WORK.
prepare_loads() {
  local load
  for load in get post-4k; do
    cat "$BENCH_LIB/wrk/$load.lua" "$BENCH_LIB/wrk/report.lua" >"$WORK/wrk-$load.lua"
  done
  # The same 4 KiB as lib/wrk/post-4k.lua's string.rep("a", 4096).
  head -c 4096 /dev/zero | tr '\0' a >"$WORK/body-post-4k.bin"
}

# request_once LOAD URL OUT: one request as LOAD sends it, body to OUT; prints the status code
# (000 when nothing answered).
request_once() {
  local load=$1 url=$2 out=$3 args=()
  if [ "$load" = ws-echo ]; then
    ensure_node_ws
    NODE_PATH=$NODE_WS_DIR/node_modules node "$BENCH_LIB/ws/ws-echo-load.cjs" check "$url" "$out" 2>/dev/null || echo 000
    return
  fi
  [ "$load" = post-4k ] && args=(--data-binary "@$WORK/body-post-4k.bin" -H 'Content-Type: application/octet-stream')
  [ "$load" = h2-get ] && args=(--http2)
  # -k: the TLS stacks serve the benchmark's own self-signed certificate.
  curl -s -k --max-time 5 -o "$out" -w '%{http_code}' "${args[@]}" "$url" 2>/dev/null || true
}

# wait_answering LOAD URL OUT TIMEOUT_S PIDS...: polls until URL answers 200, while all PIDS
# live. Returns 0 when it did, 1 when a process died (DEAD_PID set), 2 on timeout.
wait_answering() {
  local load=$1 url=$2 out=$3 timeout=$4 deadline pid
  shift 4
  deadline=$((SECONDS + timeout))
  while :; do
    for pid in "$@"; do
      if ! is_alive "$pid"; then
        DEAD_PID=$pid
        return 1
      fi
    done
    [ "$(request_once "$load" "$url" "$out")" = 200 ] && return 0
    ((SECONDS < deadline)) || return 2
    sleep 0.1
  done
}

# answer_matches EXPECT FILE: the checked body is what the stack must serve.
answer_matches() {
  local expect=$1 file=$2
  case $expect in
    text:*) grep -qF -- "${expect#text:}" "$file" ;;
    bytes:*) [ "$(stat -c %s "$file")" = "${expect#bytes:}" ] ;;
    *) return 1 ;;
  esac
}

# run_wrk LOAD URL SECONDS OUT: loads URL; on success sets W_RPS, W_P50_US, W_P99_US, W_STATUS,
# W_CONNECT, W_READ, W_WRITE, W_TIMEOUT from report.lua's line. Returns 1 when wrk gave none.
run_wrk() {
  local load=$1 url=$2 seconds=$3 out=$4 line
  [ "$load" = h2-get ] && { run_h2load "$@"; return; }
  [ "$load" = ws-echo ] && { run_ws_echo "$@"; return; }
  # In the background and waited for, so that a TERM to bench/run is handled at once (bash runs
  # a trap only after the foreground command ends) and stop_all stops wrk too.
  spawn "$out" timeout $((seconds + 30)) wrk -t "$WRK_THREADS" -c "$WRK_CONNECTIONS" -d "${seconds}s" --latency \
    -s "$WORK/wrk-$load.lua" "$url"
  wait "$SPAWNED_PID"
  forget "$SPAWNED_PID"
  line=$(grep -m1 '^BENCH ' "$out") || return 1
  local requests duration_us
  requests=$(field requests "$line")
  duration_us=$(field duration_us "$line")
  W_RPS=$(awk -v r="$requests" -v d="$duration_us" 'BEGIN { printf "%.1f", (d > 0 ? r * 1e6 / d : 0) }')
  W_P50_US=$(field p50_us "$line")
  W_P99_US=$(field p99_us "$line")
  W_STATUS=$(field status "$line")
  W_CONNECT=$(field connect "$line")
  W_READ=$(field read "$line")
  W_WRITE=$(field write "$line")
  W_TIMEOUT=$(field timeout "$line")
}

# run_ws_echo LOAD URL SECONDS OUT: the WebSocket echo load; sets the same W_* as run_wrk, a
# request being one message's round trip.
run_ws_echo() {
  local url=$2 seconds=$3 out=$4 line
  ensure_node_ws
  spawn "$out" timeout $((seconds + 60)) env NODE_PATH="$NODE_WS_DIR/node_modules" node "$BENCH_LIB/ws/ws-echo-load.cjs" \
    load "$url" "$WS_CONNECTIONS" "$seconds" "$WS_MESSAGE_BYTES"
  wait "$SPAWNED_PID"
  forget "$SPAWNED_PID"
  line=$(grep -m1 '^BENCH ' "$out") || return 1
  local requests duration_us
  requests=$(field requests "$line")
  duration_us=$(field duration_us "$line")
  W_RPS=$(awk -v r="$requests" -v d="$duration_us" 'BEGIN { printf "%.1f", (d > 0 ? r * 1e6 / d : 0) }')
  W_P50_US=$(field p50_us "$line")
  W_P99_US=$(field p99_us "$line")
  W_STATUS=$(field status "$line")
  W_CONNECT=$(field connect "$line")
  W_READ=$(field read "$line")
  W_WRITE=$(field write "$line")
  W_TIMEOUT=$(field timeout "$line")
}

# field NAME LINE: the value of NAME=value in LINE.
field() {
  local pair
  for pair in $2; do
    [ "${pair%%=*}" = "$1" ] && { echo "${pair#*=}"; return; }
  done
  echo 0
}

# run_h2load LOAD URL SECONDS OUT: the HTTP/2 load, h2load -c WRK_CONNECTIONS -m H2_STREAMS for
# about SECONDS; sets the same W_* as run_wrk (and W_REQUESTS), latencies from its per-request
# log. Returns 1 when h2load gave no result.
#
# The first load on a freshly started server (the warm-up, or the only run of --quick) is by
# request count (-n SECONDS x H2_FIRST_RPS), not for a duration (-D): in duration mode h2load
# 1.52 never ends when one of its clients finishes its TLS handshake after the duration is over
# (Worker::stop_all_clients terminates only clients that already have an HTTP/2 session; the
# late one then sends requests forever), and a cold proxy JVM on a busy machine takes more than
# a second for some of 50 concurrent handshakes. A later load on the same server (the measured
# run after a warm-up) runs for SECONDS with -D: the server is warm, its handshakes take
# milliseconds, and a count sized from a cold warm-up would make a run of a fraction of a second
# that mostly measures the handshakes.
H2_FIRST_RPS=5000
declare -A H2_SERVER_LOADED=()
run_h2load() {
  local url=$2 seconds=$3 out=$4 line dir
  local -a amount=(-n "$((seconds * H2_FIRST_RPS))")
  dir=$(dirname "$out") # one per stack and round: one server
  [ -n "${H2_SERVER_LOADED[$dir]:-}" ] && amount=(-D "$seconds")
  H2_SERVER_LOADED[$dir]=1
  spawn "$out" timeout $((seconds * 5 + 30)) h2load -c "$WRK_CONNECTIONS" -t 1 -m "$H2_STREAMS" "${amount[@]}" \
    --log-file="$out.requests" "$url"
  wait "$SPAWNED_PID"
  forget "$SPAWNED_PID"
  # "finished in 8.00s, 12345.60 req/s, ..."; "requests: N total, N started, N done, N succeeded, N failed, N errored, N timeout"
  line=$(grep -m1 '^finished in' "$out") || return 1
  W_RPS=$(sed -E 's/.*, ([0-9.]+) req\/s.*/\1/' <<<"$line")
  line=$(grep -m1 '^requests:' "$out") || return 1
  # "requests: N total, N started, N done, ...": what the CPU per request divides by.
  W_REQUESTS=$(sed -E 's/.* ([0-9]+) done.*/\1/' <<<"$line")
  W_STATUS=$(awk '/^status codes:/ { print $7 + $9 }' "$out")
  W_STATUS=${W_STATUS:-0}
  W_READ=$(sed -E 's/.* ([0-9]+) errored.*/\1/' <<<"$line")
  W_TIMEOUT=$(sed -E 's/.* ([0-9]+) timeout.*/\1/' <<<"$line")
  W_CONNECT=0 W_WRITE=0
  read -r W_P50_US W_P99_US < <(cut -f3 "$out.requests" | sort -n | awk '
    { v[NR] = $1 }
    END {
      if (!NR) { print "0 0"; exit }
      p50 = int((NR + 1) / 2); p99 = int(NR * 0.99 + 0.5); if (p99 < 1) p99 = 1
      printf "%d %d\n", v[p50], v[p99]
    }')
  rm -f "$out.requests"
}
