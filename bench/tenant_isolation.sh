#!/usr/bin/env bash
# Tenant isolation under a flood: one ferry worker pinned to CPU 0 with two virtual hosts and a
# small shared admission (16 in flight, a queue of 8). Tenant B runs a steady load (wrk -c4, a
# 1 KiB file); tenant A is flooded by wrk -c128 asking for an 8 MiB file, both load generators
# on CPU 1, A's at nice 19. Six runs: B alone; B next to a nice-19 busy loop on CPU 1 (the
# floor this machine sets: B's own load generator losing CPU to another process, no server
# involved); B while A floods with neither caps nor fair shares; with fair
# shares only ([admission] fair_share, the default); with `max_inflight = 6` on A; and with
# that and `max_bandwidth = "100MiB"` on A. Prints B's requests/s, p50/p99 and 503s, and A's
# answers by status. Medians of ROUNDS rounds, rounds interleaved.
#
#   bench/tenant_isolation.sh      DUR=5 ROUNDS=3 FERRY_BIN=build/release/ferry
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/common.sh
source bench/common.sh

DUR=${DUR:-5}
ROUNDS=${ROUNDS:-3}
FERRY_BIN=${FERRY_BIN:-build/release/ferry}
for tool in wrk taskset; do
  command -v "$tool" >/dev/null || { echo "bench/tenant_isolation.sh: needs $tool" >&2; exit 1; }
done
[[ -x $FERRY_BIN ]] || { echo "bench/tenant_isolation.sh: no $FERRY_BIN (make builds it)" >&2; exit 1; }

bench_temp_dir
mkdir -p "$tmp/a" "$tmp/b"
truncate -s 8M "$tmp/a/big.bin"
head -c 1024 /dev/zero | tr '\0' 'b' > "$tmp/b/index.html"

config() { # CAPS-LINES [FAIR-SHARE]
  cat <<EOF
workers = 1
[admission]
fair_share = ${2:-true}
adaptive = false
max_inflight = 16
queue_size = 8
queue_timeout = "2s"
[[vhosts]]
name = "flooded"
server_names = ["a.test"]
root = "$tmp/a"
$1
[[vhosts]]
name = "steady"
server_names = ["b.test"]
root = "$tmp/b"
EOF
}
config "" false > "$tmp/unfair.toml"
config "" > "$tmp/nocaps.toml"
config "max_inflight = 6" > "$tmp/caps.toml"
config $'max_inflight = 6\nmax_bandwidth = "100MiB"' > "$tmp/bandwidth.toml"

to_ms() { # wrk's "1.23ms" / "456.00us" / "1.02s" -> milliseconds
  awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n += 0;
                         else if (v ~ /s$/) n *= 1000; printf "%.3f", n }'
}

# run CONFIG FLOOD(0|1|hog): prints "B-req/s B-p50-ms B-p99-ms B-503s A-2xx A-non2xx"
run() {
  local p
  p=$(port)
  taskset -c 0 "$FERRY_BIN" --config "$1" --listen "127.0.0.1:$p" --log-level warn >/dev/null 2>&1 &
  pids+=($!)
  local server=$!
  for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null && break; sleep 0.1; done
  local flood_out="$tmp/flood.out" flood=""
  : > "$flood_out"
  if [[ $2 == hog ]]; then
    taskset -c 1 nice -n 19 timeout "$((DUR + 2))" sh -c 'while :; do :; done' &
    flood=$!
    pids+=("$flood")
  elif [[ $2 == 1 ]]; then
    taskset -c 1 nice -n 19 wrk -t1 -c128 -d"$((DUR + 2))s" -H "Host: a.test" "http://127.0.0.1:$p/big.bin" > "$flood_out" 2>&1 &
    flood=$!
    pids+=("$flood")
    sleep 1
  fi
  local out
  out=$(taskset -c 1 wrk -t1 -c4 -d"${DUR}s" --latency -H "Host: b.test" "http://127.0.0.1:$p/index.html")
  [[ -z $flood ]] || wait "$flood" 2>/dev/null || true
  kill -TERM "$server" 2>/dev/null || true
  wait "$server" 2>/dev/null || true
  local rps p50 p99 bad a_total a_bad
  rps=$(awk '/Requests\/sec/ {printf "%d", $2}' <<<"$out")
  p50=$(to_ms "$(awk '$1 == "50%" {print $2}' <<<"$out")")
  p99=$(to_ms "$(awk '$1 == "99%" {print $2}' <<<"$out")")
  bad=$(awk '/Non-2xx/ {print $5}' <<<"$out")
  a_total=$(awk '/requests in/ {print $1}' "$flood_out")
  a_bad=$(awk '/Non-2xx/ {print $5}' "$flood_out")
  echo "$rps $p50 $p99 ${bad:-0} $(( ${a_total:-0} - ${a_bad:-0} )) ${a_bad:-0}"
}

declare -A results
for round in $(seq "$ROUNDS"); do
  results[alone]+="$(run "$tmp/nocaps.toml" 0)|"
  results[hog]+="$(run "$tmp/nocaps.toml" hog)|"
  results[unfair]+="$(run "$tmp/unfair.toml" 1)|"
  results[nocaps]+="$(run "$tmp/nocaps.toml" 1)|"
  results[caps]+="$(run "$tmp/caps.toml" 1)|"
  results[bandwidth]+="$(run "$tmp/bandwidth.toml" 1)|"
  echo "round $round done" >&2
done

column_median() { # "a b c|a b c|..." field -> median of that field
  tr '|' '\n' <<<"$1" | grep -v '^$' | awk -v f="$2" '{print $f}' | med
}
printf '%-34s %9s %8s %8s %8s %10s %10s\n' "B (steady, 1 KiB, c4)" "req/s" "p50 ms" "p99 ms" "B 503s" "A 2xx" "A non-2xx"
for name in alone hog unfair nocaps caps bandwidth; do
  case $name in
    alone) label="B alone" ;;
    hog) label="B alone, CPU 1 busy (floor)" ;;
    unfair) label="A flooding, no caps, no fair share" ;;
    nocaps) label="A flooding, fair share only" ;;
    caps) label="A flooding, A capped at 6" ;;
    bandwidth) label="A capped at 6 and 100 MiB/s" ;;
  esac
  row=()
  for f in 1 2 3 4 5 6; do row+=("$(column_median "${results[$name]}" "$f")"); done
  printf '%-34s %9s %8s %8s %8s %10s %10s\n' "$label" "${row[@]}"
done
