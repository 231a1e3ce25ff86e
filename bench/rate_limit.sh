#!/usr/bin/env bash
# The cost of rate limiting on the fast path: the 1 KiB file, keep-alive, 64 connections,
# against the same ferry without [rate_limit]: one per-client limit that never triggers (the
# issue's target: at most 5 % more CPU per request), and three limits covering every request.
# One worker pinned to CPU 0, wrk on CPU 1, rounds interleaved; medians.
#
# --redis: the shared backend instead. No limits, the same per-client limit on the local store,
# and on backend = "redis" (a redis-server started here, without persistence, pinned to
# REDIS_CPU, by default CPU 1 with wrk, so ferry's core is measured alone); wrk --latency gives
# the p50/p99 of each, with 64 connections (ferry saturated) and with 1 (a request's own time),
# and the p99 the Redis round trip adds. Besides ferry's CPU per request it prints redis-server's.
#
#   bench/rate_limit.sh          DUR=5 ROUNDS=3 FERRY_BIN=build/release/ferry
#   bench/rate_limit.sh --redis  DUR=5 ROUNDS=3 REDIS_CPU=1 REDIS_SERVER=/usr/bin/redis-server
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/common.sh
source bench/common.sh

MODE=local
case ${1:-} in
  "") ;;
  --redis) MODE=redis ;;
  *) echo "usage: bench/rate_limit.sh [--redis]" >&2; exit 2 ;;
esac
DUR=${DUR:-5}
ROUNDS=${ROUNDS:-3}
FERRY_BIN=${FERRY_BIN:-build/release/ferry}
for tool in wrk taskset curl; do
  command -v "$tool" >/dev/null || { echo "bench/rate_limit.sh: needs $tool" >&2; exit 1; }
done
[[ -x $FERRY_BIN ]] || { echo "bench/rate_limit.sh: no $FERRY_BIN (make builds it)" >&2; exit 1; }

bench_temp_dir
bench_make_root "$tmp/root"
limit() { # NAME KEY
  printf '[[rate_limit.limits]]\nname = "%s"\nkey = "%s"\nrate = "1000000000/s"\n' "$1" "$2"
}

# ---- --redis -------------------------------------------------------------------------------

REDIS_SERVER=${REDIS_SERVER:-/usr/bin/redis-server}
REDIS_CPU=${REDIS_CPU:-1}

ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
to_ms() { # wrk's "1.23ms" / "456.00us" / "1.02s" -> milliseconds
  awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n += 0;
                         else if (v ~ /s$/) n *= 1000; printf "%.3f", n }'
}
redis_ping() { # port: true when redis-server answers PING (a subshell: a failed exec would exit)
  (exec 3<>"/dev/tcp/127.0.0.1/$1" && printf 'PING\r\n' >&3 && read -r -t 1 reply <&3 && [[ $reply == +PONG* ]]) \
    2>/dev/null
}
metric() { # port name{labels}: the sample's value from /metrics (0 when absent)
  curl -s "http://127.0.0.1:$1/metrics" | awk -v n="$2" '$1 == n {print $2; f = 1} END {if (!f) print 0}'
}

# rl_run CONFIG CONNS: one ferry worker on CPU 0 with CONFIG, wrk -t1 -cCONNS --latency on CPU 1
# for DUR seconds on /index.html; prints "req/s µs-of-ferry-CPU-per-request p50-ms p99-ms
# µs-of-redis-CPU-per-request fallbacks". Fails on a non-2xx answer, and (backend redis) when
# Redis made no decision; `fallbacks` counts the decisions it did not make in time (timeout_ms).
rl_run() {
  local config=$1 conns=$2 p pid t0 t1 r0=0 r1=0 out reqs rps p50 p99 calls='' fallbacks=0
  p=$(port)
  taskset -c 0 "$FERRY_BIN" --config "$config" --root "$tmp/root" --listen "127.0.0.1:$p" --workers 1 \
    --log-level warn >/dev/null 2>&1 &
  pid=$!
  pids+=("$pid")
  for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$p/healthz" && break; sleep 0.05; done
  if grep -q 'backend = "redis"' "$config"; then  # until a connection is up the fallback decides
    for _ in $(seq 100); do
      [[ $(metric "$p" ferry_rate_limit_redis_connections) != 0 ]] && break
      sleep 0.02
    done
  fi
  [[ $(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$p/index.html") == 200 ]] ||
    { echo "rl_run: $config does not answer 200" >&2; return 1; }
  [[ -n $redis_pid ]] && r0=$(ticks "$redis_pid")
  t0=$(ticks "$pid")
  out=$(taskset -c 1 wrk -t1 -c"$conns" -d"${DUR}s" --latency "http://127.0.0.1:$p/index.html")
  t1=$(ticks "$pid")
  [[ -n $redis_pid ]] && r1=$(ticks "$redis_pid")
  if grep -q 'backend = "redis"' "$config"; then
    calls=$(metric "$p" ferry_rate_limit_redis_calls_total)
    fallbacks=$(curl -s "http://127.0.0.1:$p/metrics" |
      awk '/^ferry_rate_limit_fallbacks_total/ {s += $2} END {print s + 0}')
  fi
  kill -TERM "$pid"
  wait "$pid" 2>/dev/null || true
  if grep -q 'Non-2xx' <<<"$out"; then
    echo "rl_run: $config: $(grep 'Non-2xx' <<<"$out")" >&2
    return 1
  fi
  reqs=$(awk '/requests in/ {print $1}' <<<"$out")
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p50=$(to_ms "$(awk '$1 == "50%" {print $2}' <<<"$out")")
  p99=$(to_ms "$(awk '$1 == "99%" {print $2}' <<<"$out")")
  if [[ -n $calls ]] && [[ $calls == 0 ]]; then
    echo "rl_run: Redis decided nothing ($reqs requests, $fallbacks fallbacks)" >&2
    return 1
  fi
  awk -v rps="$rps" -v d=$((t1 - t0)) -v rd=$((r1 - r0)) -v r="$reqs" -v p50="$p50" -v p99="$p99" \
    -v f="$fallbacks" -v hz="$(getconf CLK_TCK)" \
    'BEGIN {printf "%s %.3f %s %s %.3f %d\n", rps, d * 1e6 / hz / r, p50, p99, rd * 1e6 / hz / r, f}'
}

redis_bench() {
  [[ -x $REDIS_SERVER ]] || { echo "bench/rate_limit.sh: --redis needs $REDIS_SERVER (apt-get install redis-server)" >&2; exit 1; }
  local rport name config conns key r u l50 l99 ru fb
  rport=$(port)
  taskset -c "$REDIS_CPU" "$REDIS_SERVER" --bind 127.0.0.1 --port "$rport" --save "" --appendonly no \
    --daemonize no --logfile "" --dir "$tmp" >"$tmp/redis.log" 2>&1 &
  redis_pid=$!
  pids+=("$redis_pid")
  for _ in $(seq 100); do redis_ping "$rport" && break; sleep 0.05; done
  redis_ping "$rport" || { echo "bench/rate_limit.sh: redis-server did not start:" >&2; cat "$tmp/redis.log" >&2; exit 1; }

  printf '' >"$tmp/none.toml"
  { echo "[rate_limit]"; limit per-client client_address; } >"$tmp/local.toml"
  { printf '[rate_limit]\nbackend = "redis"\n[rate_limit.redis]\nhost = "127.0.0.1"\nport = %d\n' "$rport"
    limit per-client client_address; } >"$tmp/redis.toml"

  # c64: throughput and CPU per request (ferry saturated); c1: one request at a time, so the
  # latency percentiles are a request's own time, Redis' round trip included, without queueing.
  declare -A rps_of us_of p50_of p99_of rus_of fb_of
  local cases=("no limits|$tmp/none.toml" "1 limit, local|$tmp/local.toml" "1 limit, redis|$tmp/redis.toml")
  for _ in $(seq "$ROUNDS"); do
    for conns in 64 1; do
      for c in "${cases[@]}"; do
        IFS='|' read -r name config <<<"$c"
        read -r r u l50 l99 ru fb < <(rl_run "$config" "$conns")
        key="$conns|$name"
        rps_of[$key]+="$r "
        us_of[$key]+="$u "
        p50_of[$key]+="$l50 "
        p99_of[$key]+="$l99 "
        rus_of[$key]+="$ru "
        fb_of[$key]+="$fb "
      done
    done
  done
  echo "redis-server $("$REDIS_SERVER" --version | awk '{print $3}') on CPU $REDIS_CPU, ferry on CPU 0, wrk on CPU 1;" \
    "${DUR}s runs, medians of $ROUNDS rounds"
  local base us
  for conns in 64 1; do
    # c1: CPU per request there is mostly waking up for each request; only latency is shown.
    if [[ $conns == 64 ]]; then
      printf "%-18s %10s %12s %13s %8s %8s %14s %10s\n" "1 KiB c64" "req/s" "µs/request" "vs no limits" "p50 ms" \
        "p99 ms" "redis µs/req" "fallbacks"
    else
      printf "%-18s %10s %8s %8s %10s\n" "1 KiB c1" "req/s" "p50 ms" "p99 ms" "fallbacks"
    fi
    base=$(med <<<"${us_of[$conns|no limits]}")
    for c in "${cases[@]}"; do
      IFS='|' read -r name _ <<<"$c"
      key="$conns|$name"
      us=$(med <<<"${us_of[$key]}")
      if [[ $conns == 64 ]]; then
        printf '%-18s %10.0f %12.3f %12.2fx %8.3f %8.3f %14.3f %10.0f\n' "$name" "$(med <<<"${rps_of[$key]}")" "$us" \
          "$(awk -v a="$us" -v b="$base" 'BEGIN {print a / b}')" "$(med <<<"${p50_of[$key]}")" \
          "$(med <<<"${p99_of[$key]}")" "$(med <<<"${rus_of[$key]}")" "$(med <<<"${fb_of[$key]}")"
      else
        printf '%-18s %10.0f %8.3f %8.3f %10.0f\n' "$name" "$(med <<<"${rps_of[$key]}")" "$(med <<<"${p50_of[$key]}")" \
          "$(med <<<"${p99_of[$key]}")" "$(med <<<"${fb_of[$key]}")"
      fi
    done
    printf 'c%s: p99 added by the Redis backend: %+.3f ms against the local store, %+.3f ms against no limits\n' \
      "$conns" \
      "$(awk -v a="$(med <<<"${p99_of[$conns|1 limit, redis]}")" -v b="$(med <<<"${p99_of[$conns|1 limit, local]}")" 'BEGIN {print a - b}')" \
      "$(awk -v a="$(med <<<"${p99_of[$conns|1 limit, redis]}")" -v b="$(med <<<"${p99_of[$conns|no limits]}")" 'BEGIN {print a - b}')"
  done
}

redis_pid=
if [[ $MODE == redis ]]; then
  redis_bench
  # Stopped here: bench_cleanup's `kill -KILL` of an exited process would fail under set -e.
  kill -TERM "$redis_pid"
  wait "$redis_pid" 2>/dev/null || true
  pids=()
  exit 0
fi

printf '' >"$tmp/none.toml"
{ echo "[rate_limit]"; limit per-client client_address; } >"$tmp/one.toml"
{ printf '[rate_limit]\nheaders = false\n'; limit per-client client_address; } >"$tmp/one-quiet.toml"
{ echo "[rate_limit]"; limit per-client client_address; limit per-agent header:User-Agent
  limit per-host header:Host; } >"$tmp/three.toml"

declare -A rps_of us_of
cases=("no limits|$tmp/none.toml" "1 limit (client address)|$tmp/one.toml"
       "1 limit, headers = false|$tmp/one-quiet.toml" "3 limits|$tmp/three.toml")
for _ in $(seq "$ROUNDS"); do
  for c in "${cases[@]}"; do
    IFS='|' read -r name config <<<"$c"
    read -r r u < <(ferry_cpu_run "$FERRY_BIN" "$config" "$tmp/root" /index.html "$DUR")
    rps_of[$name]+="$r "
    us_of[$name]+="$u "
  done
done
printf "%-26s %12s %12s %12s\n" "1 KiB c64" "req/s" "µs/request" "vs no limits"
base=$(med <<<"${us_of[no limits]}")
for c in "${cases[@]}"; do
  IFS='|' read -r name _ <<<"$c"
  us=$(med <<<"${us_of[$name]}")
  printf '%-26s %12.0f %12.3f %11.2fx\n' "$name" "$(med <<<"${rps_of[$name]}")" "$us" \
    "$(awk -v a="$us" -v b="$base" 'BEGIN {print a / b}')"
done
