#!/usr/bin/env bash
# The cost of authentication on the fast path: the 1 KiB file, keep-alive, 64 connections, with
# a valid RS256 JWT on every request (a rule requiring it, the verified-token cache on and off)
# against the same ferry without [auth] (with and without the header), and with the request ids / trace context turned off
# against the defaults. One worker pinned to CPU 0, wrk on CPU 1, rounds interleaved; medians.
#
#   bench/auth.sh                 DUR=5 ROUNDS=3 FERRY_BIN=build/release/ferry
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

# run CONFIG [HEADER]: prints "req/s µs-per-request"
run() {
  local p pid t0 t1 out reqs rps
  p=$(port)
  taskset -c 0 "$FERRY_BIN" --config "$1" --root "$tmp/root" --listen "127.0.0.1:$p" --workers 1 \
    --log-level warn >/dev/null 2>&1 &
  pid=$!
  pids+=("$pid")
  for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$p/healthz" && break; sleep 0.05; done
  local header=()
  [[ -n ${2:-} ]] && header=(-H "$2")
  [[ $(curl -s -o /dev/null -w '%{http_code}' "${header[@]}" "http://127.0.0.1:$p/index.html") == 200 ]] ||
    { echo "bench/auth.sh: $1 does not answer 200" >&2; exit 1; }
  t0=$(awk '{print $14 + $15}' "/proc/$pid/stat")
  out=$(taskset -c 1 wrk -t1 -c64 -d"${DUR}s" "${header[@]}" "http://127.0.0.1:$p/index.html")
  t1=$(awk '{print $14 + $15}' "/proc/$pid/stat")
  kill -TERM "$pid"
  wait "$pid" 2>/dev/null || true
  reqs=$(awk '/requests in/ {print $1}' <<<"$out")
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  echo "$rps $(awk -v d=$((t1 - t0)) -v r="$reqs" -v hz="$(getconf CLK_TCK)" 'BEGIN {printf "%.3f", d * 1e6 / hz / r}')"
}

declare -A rps_of us_of
# "no auth, same header" sends the token to a ferry without [auth]: what the bigger request
# itself costs (receiving and parsing ~600 more bytes), apart from checking it.
cases=("no auth|$tmp/plain.toml|" "no auth, same header|$tmp/plain.toml|Authorization: Bearer $token"
       "RS256 JWT, cache|$tmp/jwt-cache.toml|Authorization: Bearer $token"
       "RS256 JWT, no cache|$tmp/jwt-nocache.toml|Authorization: Bearer $token" "no request ids|$tmp/no-ids.toml|")
for _ in $(seq "$ROUNDS"); do
  for c in "${cases[@]}"; do
    IFS='|' read -r name config header <<<"$c"
    read -r r u < <(run "$config" "$header")
    rps_of[$name]+="$r "
    us_of[$name]+="$u "
  done
done
printf "%-22s %12s %12s %10s\n" "1 KiB c64" "req/s" "µs/request" "vs no auth"
base=$(med <<<"${us_of[no auth]}")
for c in "${cases[@]}"; do
  IFS='|' read -r name _ _ <<<"$c"
  us=$(med <<<"${us_of[$name]}")
  printf '%-22s %12.0f %12.3f %9.2fx\n' "$name" "$(med <<<"${rps_of[$name]}")" "$us" "$(awk -v a="$us" -v b="$base" 'BEGIN {print a / b}')"
done
