# Starting, measuring and stopping the processes of a stack. Sourced by bench/run.
#
# Every process the benchmark starts goes through `spawn`, which remembers its pid in
# SPAWNED_PIDS; `stop_tree` ends one of them with everything it forked (app-server workers,
# uWSGI workers, nginx's worker), and `stop_all` (the EXIT trap) ends whatever is still running.

SPAWNED_PIDS=()

say() { printf 'bench: %s\n' "$*" >&2; }

die() {
  say "$*"
  exit 2
}

# spawn LOG CMD ARGS...: starts CMD in the background, output to LOG, input from /dev/null.
# Sets SPAWNED_PID. Stopped with TERM later: a non-interactive shell starts background jobs with
# SIGINT ignored, and a JVM started that way never installs its INT handler.
spawn() {
  local log=$1
  shift
  "$@" >"$log" 2>&1 </dev/null &
  SPAWNED_PID=$!
  SPAWNED_PIDS+=("$SPAWNED_PID")
}

is_alive() { [ -n "${1:-}" ] && kill -0 "$1" 2>/dev/null; }

# tree_pids PID: PID and all its descendants, parents first (nothing if PID is gone).
tree_pids() {
  is_alive "$1" || return 0
  ps -e -o pid=,ppid= | awk -v root="$1" '
    { kids[$2] = kids[$2] " " $1 }
    END {
      queue[1] = root; n = 1
      for (i = 1; i <= n; i++) {
        print queue[i]
        m = split(kids[queue[i]], k, " ")
        for (j = 1; j <= m; j++) queue[++n] = k[j]
      }
    }'
}

# stop_tree PID: TERM to PID (app-server master: graceful stop; uWSGI with --die-on-term: stop;
# nginx: fast stop), wait up to 10 s for it and its descendants, then KILL what is left.
stop_tree() {
  local root=$1 pids i
  if ! is_alive "$root"; then
    wait "$root" 2>/dev/null
    forget "$root"
    return 0
  fi
  mapfile -t pids < <(tree_pids "$root")
  kill -TERM "$root" 2>/dev/null
  for ((i = 0; i < 100; i++)); do
    any_alive "${pids[@]}" || break
    sleep 0.1
  done
  mapfile -t -O "${#pids[@]}" pids < <(tree_pids "$root")
  if any_alive "${pids[@]}"; then
    say "pid $root did not stop within 10 s of TERM; killing ${pids[*]}"
    kill -KILL "${pids[@]}" 2>/dev/null
  fi
  wait "$root" 2>/dev/null
  forget "$root"
  return 0
}

# forget PID: PID is done with; stop_all must not signal it (its number may be reused).
forget() {
  local p kept=()
  for p in "${SPAWNED_PIDS[@]}"; do
    [ "$p" = "$1" ] || kept+=("$p")
  done
  SPAWNED_PIDS=("${kept[@]}")
}

any_alive() {
  local p
  for p in "$@"; do is_alive "$p" && return 0; done
  return 1
}

stop_all() {
  local p
  for p in "${SPAWNED_PIDS[@]}"; do stop_tree "$p"; done
}

# pss_kib PID: proportional set size in KiB (0 when the process is gone). Shared pages count
# divided by the number of processes mapping them, so a stack's sum is its real footprint.
pss_kib() {
  local line
  line=$(grep -m1 '^Pss:' "/proc/$1/smaps_rollup" 2>/dev/null) || { echo 0; return; }
  read -r _ line _ <<<"$line"
  echo "$line"
}

# tree_pss PID: prints "TOTAL_KIB CHILDREN_KIB CHILD_COUNT" over PID and its descendants; the
# children are the workers (app-server master's worker JVMs, uWSGI master's workers).
tree_pss() {
  local root=$1 pid total=0 children=0 count=0 kib
  while read -r pid; do
    kib=$(pss_kib "$pid")
    total=$((total + kib))
    if [ "$pid" != "$root" ]; then
      children=$((children + kib))
      count=$((count + 1))
    fi
  done < <(tree_pids "$root")
  echo "$total $children $count"
}

# tree_cpu_ticks PID: user + system CPU time of PID and its descendants, in clock ticks. CPU
# per request is a figure that holds up on a shared, noisy machine where req/s does not.
tree_cpu_ticks() {
  local pid total=0 stat
  while read -r pid; do
    stat=$(cat "/proc/$pid/stat" 2>/dev/null) || continue
    # Fields after the parenthesised command name: utime and stime are the 12th and 13th.
    read -r -a f <<<"${stat##*) }"
    total=$((total + f[11] + f[12]))
  done < <(tree_pids "$1")
  echo "$total"
}

# free_port: a loopback TCP port nothing listens on, not handed out before in this run.
USED_PORTS=" "
# Ports come from below the kernel's ephemeral range: a port picked inside it can be taken as
# the local port of some outgoing connection (wrk's, a test's) before the server binds it.
EPHEMERAL_LOW=$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)
free_port() {
  local port low=10000 span
  span=$((EPHEMERAL_LOW - low))
  ((span > 1000)) || { low=1024; span=$((EPHEMERAL_LOW - low)); }
  while :; do
    port=$((low + (RANDOM * 32768 + RANDOM) % span))
    case "$USED_PORTS" in *" $port "*) continue ;; esac
    if [ -z "$(ss -Hltn "sport = :$port" 2>/dev/null)" ] && ! (: <"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      USED_PORTS+="$port "
      echo "$port"
      return
    fi
  done
}

# log_tail FILE...: the last lines of each file, indented, for a failure message.
log_tail() {
  local f
  for f in "$@"; do
    [ -s "$f" ] || continue
    printf '    --- %s (last 15 lines)\n' "${f##*/}" >&2
    tail -n 15 "$f" | sed 's/^/    /' >&2
  done
}
