#!/usr/bin/env bash
# The cost of authentication on the fast path: the 1 KiB file, keep-alive, 64 connections, with
# a valid RS256 JWT on every request (a rule requiring it, the verified-token cache on and off)
# against the same ferry without [auth] (with and without the header), and with the request ids / trace context turned off
# against the defaults. One worker pinned to CPU 0, wrk on CPU 1, rounds interleaved; medians.
#
#   bench/auth.sh                 DUR=5 ROUNDS=3 FERRY_BIN=build/release/ferry
#   CASES="no-auth jwt-cache" ROUNDS=9 bench/auth.sh    only some cases (ids below), more rounds
#
# Besides the ratio of the medians, each case's ratio to "no auth" of the same round is taken
# and their median and range printed: adjacent runs share the machine's state, so on a busy
# machine that ratio is steadier than either median.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/common.sh
source bench/common.sh

DUR=${DUR:-5}
ROUNDS=${ROUNDS:-3}
FERRY_BIN=${FERRY_BIN:-build/release/ferry}
PY=/usr/bin/python3  # Debian's, with python3-jwt
for tool in wrk taskset openssl; do
  command -v "$tool" >/dev/null || { echo "bench/auth.sh: needs $tool" >&2; exit 1; }
done
"$PY" -c "import jwt" 2>/dev/null || { echo "bench/auth.sh: needs python3-jwt" >&2; exit 1; }
[[ -x $FERRY_BIN ]] || { echo "bench/auth.sh: no $FERRY_BIN (make builds it)" >&2; exit 1; }

bench_temp_dir
bench_make_root "$tmp/root"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$tmp/rs.key" 2>/dev/null
openssl pkey -in "$tmp/rs.key" -pubout -out "$tmp/rs.pub"
token=$("$PY" - "$tmp/rs.key" <<'PY'
import sys, time, jwt
key = open(sys.argv[1]).read()
print(jwt.encode({"sub": "bench", "aud": "ferry", "exp": int(time.time()) + 86400, "roles": ["reader"]},
                 key, algorithm="RS256", headers={"kid": "k1"}))
PY
)

auth_config() { # cache_entries
  cat <<EOF
[auth]
[auth.jwt]
keys = [ { file = "$tmp/rs.pub", alg = "RS256", kid = "k1" } ]
audiences = ["ferry"]
cache_entries = $1
[[auth.rules]]
path = "/**"
auth = ["jwt"]
roles = ["reader"]
action = "allow"
EOF
}
printf '' >"$tmp/plain.toml"
auth_config 1024 >"$tmp/jwt-cache.toml"
auth_config 0 >"$tmp/jwt-nocache.toml"
printf '[request_id]\nheader = ""\ntrace_context = false\n' >"$tmp/no-ids.toml"


declare -A rps_of us_of ratio_of
# "no auth, same header" sends the token to a ferry without [auth]: what the bigger request
# itself costs (receiving and parsing ~600 more bytes), apart from checking it.
all_cases=("no-auth|no auth|$tmp/plain.toml|" "same-header|no auth, same header|$tmp/plain.toml|Authorization: Bearer $token"
           "jwt-cache|RS256 JWT, cache|$tmp/jwt-cache.toml|Authorization: Bearer $token"
           "jwt-nocache|RS256 JWT, no cache|$tmp/jwt-nocache.toml|Authorization: Bearer $token"
           "no-ids|no request ids|$tmp/no-ids.toml|")
CASES=${CASES:-no-auth same-header jwt-cache jwt-nocache no-ids}
cases=()
for c in "${all_cases[@]}"; do
  # "no auth" is the baseline of every ratio: always run.
  [[ ${c%%|*} == no-auth || " $CASES " == *" ${c%%|*} "* ]] && cases+=("$c")
done
for _ in $(seq "$ROUNDS"); do
  base_round=
  for c in "${cases[@]}"; do
    IFS='|' read -r _ name config header <<<"$c"
    read -r r u < <(ferry_cpu_run "$FERRY_BIN" "$config" "$tmp/root" /index.html "$DUR" "$header")
    rps_of[$name]+="$r "
    us_of[$name]+="$u "
    [[ -z $base_round ]] && base_round=$u
    ratio_of[$name]+="$(awk -v a="$u" -v b="$base_round" 'BEGIN {printf "%.3f", a / b}') "
  done
done
printf "%-22s %12s %12s %10s %22s\n" "1 KiB c64" "req/s" "µs/request" "vs no auth" "per round (range)"
base=$(med <<<"${us_of[no auth]}")
for c in "${cases[@]}"; do
  IFS='|' read -r _ name _ _ <<<"$c"
  us=$(med <<<"${us_of[$name]}")
  range=$(tr ' ' '\n' <<<"${ratio_of[$name]}" | grep -v '^$' | sort -g | awk 'NR == 1 {lo = $1} {hi = $1} END {printf "%.2f-%.2f", lo, hi}')
  printf '%-22s %12.0f %12.3f %9.2fx %9.2fx (%s)\n' "$name" "$(med <<<"${rps_of[$name]}")" "$us" \
    "$(awk -v a="$us" -v b="$base" 'BEGIN {print a / b}')" "$(med <<<"${ratio_of[$name]}")" "$range"
done
