# Turning the per-run results into the Markdown table and the ratios. Sourced by bench/run.
#
# RESULTS (a file under WORK) holds one tab-separated line per measured run:
#   1 id  2 round  3 req/s  4 p50 us  5 p99 us  6 status errors  7 connect  8 read  9 write
#   10 timeout  11 ready ms  12 backend PSS KiB  13 backend PSS per worker KiB  14 workers
#   15 front PSS KiB  16 backend CPU us per request  17 front CPU us per request
# with "-" where a stack has no backend.

# column_values ID COLUMN: that column's numeric values over the stack's runs, one per line.
column_values() {
  awk -F'\t' -v id="$1" -v c="$2" '$1 == id && $c != "-" { print $c }' "$RESULTS"
}

# median ID COLUMN: the median over the stack's runs; nothing when there are no values.
median() {
  column_values "$1" "$2" | sort -g | awk '
    { v[NR] = $1 }
    END { if (NR) print ((NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'
}

sum() {
  column_values "$1" "$2" | awk '{ s += $1 } END { print s + 0 }'
}

# fmt SCALE DECIMALS VALUE: VALUE / SCALE printed with DECIMALS; an em dash for no value.
fmt() {
  [ -n "${3:-}" ] || { echo "—"; return; }
  awk -v s="$1" -v d="$2" -v v="$3" 'BEGIN { printf "%.*f", d, v / s }'
}

# metric ID METRIC: the number a ratio compares (see add_ratio).
metric() {
  case $2 in
    rps) median "$1" 3 ;;
    p99) median "$1" 5 ;;
    pss_total) median "$1" 12 ;;
    pss_worker) median "$1" 13 ;;
    cpu) median "$1" 16 ;;
  esac
}

socket_errors_cell() {
  local id=$1 connect read write timeout total
  connect=$(sum "$id" 7) read=$(sum "$id" 8) write=$(sum "$id" 9) timeout=$(sum "$id" 10)
  total=$((connect + read + write + timeout))
  if ((total == 0)); then
    echo 0
    return
  fi
  local parts=()
  ((connect)) && parts+=("connect $connect")
  ((read)) && parts+=("read $read")
  ((write)) && parts+=("write $write")
  ((timeout)) && parts+=("timeout $timeout")
  local IFS=,
  echo "$total (${parts[*]})"
}

print_table() {
  local id runs workers per_worker
  [ -s "$RESULTS" ] || return 0
  echo "| stack | front | back | req/s | runs (req/s) | p50 ms | p99 ms | non-2xx/3xx | socket errors | ready s | backend PSS MiB | per worker MiB | front PSS MiB | backend CPU µs/req | front CPU µs/req |"
  echo "| --- | --- | --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
  for id in "${SELECTED[@]}"; do
    [ -n "$(column_values "$id" 3)" ] || continue
    runs=$(column_values "$id" 3 | awk '{ printf "%s%.0f", (NR > 1 ? " / " : ""), $1 }')
    workers=$(median "$id" 14)
    per_worker=$(fmt 1024 1 "$(median "$id" 13)")
    [ -n "$workers" ] && per_worker="$workers × $per_worker"
    printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' \
      "$id" "${STACK_FRONT[$id]}" "${STACK_BACK[$id]}" \
      "$(fmt 1 0 "$(median "$id" 3)")" "$runs" \
      "$(fmt 1000 2 "$(median "$id" 4)")" "$(fmt 1000 2 "$(median "$id" 5)")" \
      "$(sum "$id" 6)" "$(socket_errors_cell "$id")" "$(fmt 1000 1 "$(median "$id" 11)")" \
      "$(fmt 1024 1 "$(median "$id" 12)")" "$per_worker" "$(fmt 1024 1 "$(median "$id" 15)")" \
      "$(fmt 1 0 "$(median "$id" 16)")" "$(fmt 1 0 "$(median "$id" 17)")"
  done
}

print_ratios() {
  local label num den any=0
  for label in "${RATIO_LABELS[@]}"; do
    num=$(metric "${RATIO_NUM[$label]}" "${RATIO_METRIC[$label]}")
    den=$(metric "${RATIO_DEN[$label]}" "${RATIO_METRIC[$label]}")
    [ -n "$num" ] && [ -n "$den" ] || continue
    if ((any == 0)); then
      echo "| ratio | value | issue 7 target |"
      echo "| --- | ---: | --- |"
      any=1
    fi
    printf '| %s | %s | %s |\n' "$label" \
      "$(awk -v n="$num" -v d="$den" 'BEGIN { if (d > 0) printf "%.2f", n / d; else print "—" }')" \
      "${RATIO_TARGET[$label]:-}"
  done
}

print_failures() {
  local id
  for id in "${SELECTED[@]}"; do
    [ -n "${FAILED[$id]:-}" ] && echo "- **$id failed**: ${FAILED[$id]}"
  done
  return 0
}
