#!/usr/bin/env bash
# The cost of rate limiting on the fast path: the 1 KiB file, keep-alive, 64 connections,
# against the same ferry without [rate_limit]: one per-client limit that never triggers (the
# issue's target: at most 5 % more CPU per request), and three limits covering every request.
# One worker pinned to CPU 0, wrk on CPU 1, rounds interleaved; medians.
#
#   bench/rate_limit.sh          DUR=5 ROUNDS=3 FERRY_BIN=build/release/ferry
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/common.sh
source bench/common.sh

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
