#!/bin/bash
# Side-by-side benchmark of ferry, nginx and h2o over HTTPS/1.1, HTTP/2 over TLS, h2c and full TLS
# handshakes, on 127.0.0.1, with the method of bench/run.sh: each server runs ONE worker pinned
# to CPU 0; the load generator (wrk for HTTP/1.1, h2load for HTTP/2) runs one thread pinned to
# CPU 1. For every workload, rounds are interleaved across servers, and the table gives medians
# of req/s and of the server's CPU time per request (user+system ticks of the process from /proc).
# All three servers get the same ECDSA P-256 certificate (a throwaway test CA signs it), TLS 1.2
# and 1.3 enabled with their default ciphers, and session resumption off (tickets and caches),
# so every new connection is a full handshake.
#
# Usage: bench/protocols.sh [--idle N] [--client-cost] [--no-ids]
#   env: DUR=seconds per run (5)  ROUNDS=n (3)  FERRY_BIN=path (build/release/ferry, built if
#        missing or built without the tls module)
#   --idle N  also hold N (<= 10000) idle TLS connections per protocol (HTTPS/1.1, then h2, both
#             kept open) to each server: RSS per connection after 3 s idle, all still served
#   --client-cost  also count the load generator's instructions per response (callgrind; needs
#             valgrind) in the 1 KiB rows: where the client is saturated, req/s follows what
#             each server's responses cost it to parse and check, not the server's speed
#   --no-ids  ferry without the X-Request-Id and traceparent headers it adds by default, which
#             nginx and h2o do not send
# A row prints "-" for a server that cannot do the workload (e.g. ferry without its http2 module).
# Needs: apt-get install nginx-light h2o wrk nghttp2-client   (plus openssl, python3, curl, taskset)
set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(dirname "$here")
dur=${DUR:-5}
rounds=${ROUNDS:-3}
idle=0
client_cost=0
ids=1
while [[ $# -gt 0 ]]; do
  case $1 in
    --idle) idle=${2:?--idle needs N}; shift 2 ;;
    --client-cost) client_cost=1; shift ;;
    --no-ids) ids=0; shift ;;
    -h | --help) sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown argument: $1 (try --help)" >&2; exit 2 ;;
  esac
done
[[ $dur =~ ^[0-9]+$ && $dur -ge 1 ]] || { echo "DUR must be a whole number of seconds" >&2; exit 2; }
[[ $rounds =~ ^[0-9]+$ && $rounds -ge 1 ]] || { echo "ROUNDS must be at least 1" >&2; exit 2; }
[[ $idle =~ ^[0-9]+$ && $idle -le 10000 ]] || { echo "--idle takes 0..10000" >&2; exit 2; }
if [[ $idle -gt 0 ]]; then
  ulimit -n 25000 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null
  if [[ $(ulimit -n) != unlimited && $(ulimit -n) -lt $((2 * idle + 200)) ]]; then
    echo "ulimit -n is $(ulimit -n): too low for --idle $idle" >&2; exit 1
  fi
fi

# --- prerequisites -------------------------------------------------------------------------------
missing=()
for tool in nginx h2o wrk h2load; do command -v "$tool" >/dev/null || missing+=("$tool"); done
if [[ ${#missing[@]} -gt 0 ]]; then
  echo "missing: ${missing[*]}. Install with: apt-get install nginx-light h2o wrk nghttp2-client" >&2
  exit 1
fi
for tool in openssl python3 curl taskset timeout; do
  command -v "$tool" >/dev/null || { echo "missing: $tool" >&2; exit 1; }
done
if [[ $client_cost == 1 ]] && ! command -v valgrind >/dev/null; then
  echo "--client-cost needs valgrind: apt-get install valgrind" >&2; exit 1
fi
if [[ $(nproc) -lt 2 ]]; then echo "needs at least 2 CPUs (server on CPU 0, client on CPU 1)" >&2; exit 1; fi
curl -V | grep -q '^Features:.*HTTP2' || { echo "curl lacks HTTP/2 support (needed for the checks)" >&2; exit 1; }

modules_of() { "$1" --version 2>/dev/null | sed -n 's/^modules: //p'; }
build_release() {
  echo "building $ferry_bin ..." >&2
  (cd "$repo" && cmake --preset release >/dev/null && cmake --build --preset release) >&2
}
if [[ -n ${FERRY_BIN:-} ]]; then
  ferry_bin=$FERRY_BIN
  [[ -x $ferry_bin ]] || { echo "FERRY_BIN=$ferry_bin is not an executable" >&2; exit 1; }
else
  ferry_bin=$repo/build/release/ferry
  if [[ ! -x $ferry_bin ]]; then
    build_release || { echo "release build failed" >&2; exit 1; }
  elif [[ " $(modules_of "$ferry_bin") " != *" tls "* ]]; then
    # An older build from before the tls module: bring it up to date once.
    build_release || echo "release build failed: measuring the old binary" >&2
  fi
fi
ferry_bin=$(realpath "$ferry_bin")
ferry_modules=" $(modules_of "$ferry_bin") "
ferry_tls=0 ferry_h2=0
[[ $ferry_modules == *" tls "* ]] && ferry_tls=1
[[ $ferry_modules == *" http2 "* ]] && ferry_h2=1

ulimit -n 20000 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null

# --- temp dir, cleanup, document root ------------------------------------------------------------
# shellcheck source=bench/common.sh
source "$here/common.sh"
bench_temp_dir
root=$tmp/root
bench_make_root "$root"

# --- certificates: a test CA and an ECDSA P-256 leaf for localhost and 127.0.0.1 -----------------
pki=$tmp/pki
mkdir "$pki"
ca=$pki/ca.pem cert=$pki/leaf.pem key=$pki/leaf.key
if ! {
  openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
    -subj "/CN=ferry bench test CA" -keyout "$pki/ca.key" -out "$ca" \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign &&
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=localhost" \
    -keyout "$key" -out "$pki/leaf.csr" &&
  printf '%s\n' "basicConstraints=CA:FALSE" "keyUsage=critical,digitalSignature" \
    "extendedKeyUsage=serverAuth" "subjectAltName=DNS:localhost,IP:127.0.0.1" >"$pki/leaf.ext" &&
  openssl x509 -req -in "$pki/leaf.csr" -CA "$ca" -CAkey "$pki/ca.key" -CAcreateserial -days 2 \
    -extfile "$pki/leaf.ext" -out "$cert"
} >"$pki/openssl.log" 2>&1; then
  echo "could not make the test certificates:" >&2; cat "$pki/openssl.log" >&2; exit 1
fi
chmod -R a+rX "$pki"

# --- servers -------------------------------------------------------------------------------------
# Each server gets a TLS port T (HTTP/1.1 and h2 by ALPN) and a plaintext port H (h2c prior
# knowledge where the server has it; nginx's speaks only h2c, h2o's and ferry's also HTTP/1.1).
servers=(nginx h2o ferry)
declare -A T H PID LOG DEAD
for s in "${servers[@]}"; do T[$s]=$(port); H[$s]=$(port); done

mime=""
[[ -r /etc/nginx/mime.types ]] && mime="include /etc/nginx/mime.types;"
cat >"$tmp/nginx.conf" <<C
worker_processes 1; daemon off; pid $tmp/nginx.pid; error_log $tmp/nginx.err warn;
worker_rlimit_nofile 20000;
events { worker_connections 20000; }
http {
  access_log off; sendfile on; tcp_nopush on; open_file_cache max=1000;
  keepalive_requests 100000000; keepalive_timeout 60s;
  $mime default_type application/octet-stream;
  client_body_temp_path $tmp; proxy_temp_path $tmp; fastcgi_temp_path $tmp; uwsgi_temp_path $tmp; scgi_temp_path $tmp;
  ssl_protocols TLSv1.2 TLSv1.3; ssl_session_tickets off; ssl_session_cache off;
  server {
    listen 127.0.0.1:${T[nginx]} ssl http2;
    listen 127.0.0.1:${H[nginx]} http2;
    ssl_certificate $cert; ssl_certificate_key $key;
    root $root;
  }
}
C
cat >"$tmp/h2o.conf" <<C
listen: {host: 127.0.0.1, port: ${H[h2o]}}
listen:
  host: 127.0.0.1
  port: ${T[h2o]}
  ssl: {certificate-file: $cert, key-file: $key, minimum-version: TLSv1.2}
ssl-session-resumption: {mode: off}
user: nobody
num-threads: 1
max-connections: 20000
http1-request-timeout: 60
http2-idle-timeout: 600
error-log: $tmp/h2o.err
hosts: {default: {paths: {/: {file.dir: $root}}}}
C
: >"$tmp/ferry.toml"
[[ $ferry_tls == 1 ]] && printf '[tls]\nsession_tickets = false\n' >>"$tmp/ferry.toml"
[[ $ids == 0 ]] && printf '[request_id]\nheader = ""\ntrace_context = false\n' >>"$tmp/ferry.toml"

start() { # name cpu-list probe-url cmd...   records the pid that serves
  local name=$1 cpus=$2 probe=$3; shift 3
  LOG[$name]=$tmp/$name.out
  taskset -c "$cpus" "$@" >"${LOG[$name]}" 2>&1 &
  pids+=($!); PID[$name]=$!
  for _ in $(seq 100); do
    curl -s -o /dev/null --cacert "$ca" --http2-prior-knowledge "$probe" && return 0
    curl -s -o /dev/null --cacert "$ca" "$probe" && return 0
    alive "${PID[$name]}" || break
    sleep 0.1
  done
  echo "$name did not start: $(tail -3 "${LOG[$name]}")" >&2
  return 1
}
start nginx 0 "https://127.0.0.1:${T[nginx]}/index.html" nginx -c "$tmp/nginx.conf" || exit 1
PID[nginx]=$(pgrep -P "${PID[nginx]}" | head -1)  # measure the worker, not the master
[[ -n ${PID[nginx]} ]] || { echo "no nginx worker process" >&2; exit 1; }
start h2o 0 "https://127.0.0.1:${T[h2o]}/index.html" h2o -c "$tmp/h2o.conf" || exit 1
# h2o makes its private-key signatures in a separate "neverbleed" process (a child named h2o,
# also on CPU 0): count both. Its other child, a perl crash-report helper, does nothing.
PID[h2o]="${PID[h2o]} $(pgrep -P "${PID[h2o]}" -x h2o | tr '\n' ' ')"
ferry_args=(--config "$tmp/ferry.toml" --root "$root" --listen "127.0.0.1:${H[ferry]}" --workers 1 --log-level warn
  --access-log off)
if [[ $ferry_tls == 1 ]]; then
  ferry_args+=(--tls-listen "127.0.0.1:${T[ferry]}" --tls-cert "$cert" --tls-key "$key")
fi
start ferry 0 "http://127.0.0.1:${H[ferry]}/index.html" "$ferry_bin" "${ferry_args[@]}" || exit 1

# --- workloads -----------------------------------------------------------------------------------
# The handshake row: wrk sends "Connection: close", so every request is a new connection and a
# full handshake (resumption is off in the servers; the header line shows it does not happen).
echo 'wrk.headers["Connection"] = "close"' >"$tmp/close.lua"
wl_names=(h1 h1big h2 h2big h2c handshake)
declare -A WL_LABEL WL_PATH WL_TOOL WL_ARGS WL_PROTO WL_BYTES
WL_LABEL=([h1]="https/1.1 1KiB c64" [h1big]="https/1.1 100KiB c64" [h2]="h2 1KiB c16 m32"
  [h2big]="h2 100KiB c16 m4" [h2c]="h2c 1KiB c16 m32" [handshake]="TLS handshake+1KiB c64")
WL_PATH=([h1]=/index.html [h1big]=/assets/app.js [h2]=/index.html [h2big]=/assets/app.js [h2c]=/index.html
  [handshake]=/index.html)
WL_TOOL=([h1]=wrk [h1big]=wrk [h2]=h2load [h2big]=h2load [h2c]=h2load [handshake]=wrk)
WL_ARGS=([h1]="-c64" [h1big]="-c64" [h2]="-c16 -m32" [h2big]="-c16 -m4" [h2c]="-c16 -m32"
  [handshake]="-c64 -s $tmp/close.lua")
WL_PROTO=([h1]=1.1 [h1big]=1.1 [h2]=2 [h2big]=2 [h2c]=2 [handshake]=1.1)
for w in "${wl_names[@]}"; do WL_BYTES[$w]=$(stat -c %s "$root${WL_PATH[$w]}"); done
url() { # workload server
  if [[ $1 == h2c ]]; then echo "http://127.0.0.1:${H[$2]}${WL_PATH[$1]}"
  else echo "https://127.0.0.1:${T[$2]}${WL_PATH[$1]}"; fi
}

# Every server must answer every URL with 200, the whole file and the workload's protocol before
# anything is measured. A server that cannot (no TLS, no h2, no h2c) gets "-" in that row.
declare -A SUP
notes=()
check() { # workload server
  local w=$1 s=$2 mode got want extra=()
  if [[ $s == ferry && $ferry_tls == 0 && $w != h2c ]]; then notes+=("$s: no tls module: '${WL_LABEL[$w]}' not run"); return; fi
  if [[ $s == ferry && $ferry_h2 == 0 && ${WL_PROTO[$w]} == 2 ]]; then
    notes+=("$s: no http2 module: '${WL_LABEL[$w]}' not run"); return
  fi
  case $w in
    h2c) mode=--http2-prior-knowledge ;;
    h2 | h2big) mode=--http2 ;;
    *) mode=--http1.1 ;;
  esac
  [[ $w == handshake ]] && extra=(-H "Connection: close")
  got=$(curl -s -o /dev/null --max-time 10 --cacert "$ca" "$mode" "${extra[@]}" \
    -w '%{http_code} %{size_download} %{http_version}' "$(url "$w" "$s")")
  want="200 ${WL_BYTES[$w]} ${WL_PROTO[$w]}"
  if [[ $got == "$want" ]]; then SUP[$w,$s]=1; return; fi
  notes+=("$s: '${WL_LABEL[$w]}' not run: curl $mode $(url "$w" "$s") gave '$got', expected '$want'")
}
for w in "${wl_names[@]}"; do for s in "${servers[@]}"; do check "$w" "$s"; done; done
for w in h1 h1big handshake; do
  for s in nginx h2o; do
    [[ -n ${SUP[$w,$s]:-} ]] || { echo "$s fails the '${WL_LABEL[$w]}' check: ${notes[*]}" >&2; exit 1; }
  done
done

# What each TLS listener negotiates with a default client, and whether it resumes a session.
tls_info() { # server
  local out first group reused
  out=$(timeout 20 openssl s_client -connect "127.0.0.1:${T[$1]}" -CAfile "$ca" -verify_return_error \
    -reconnect </dev/null 2>&1)
  # One "New, TLSv1.3, Cipher is X" line per connection, "Reused, ..." for a resumed one.
  first=$(grep -m1 -E '^(New|Reused), ' <<<"$out" | sed 's/^[A-Za-z]*, //; s/, Cipher is / /')
  group=$(awk -F': ' '/^Server Temp Key/ {print $2; exit}' <<<"$out")
  reused=$(grep -E '^(New|Reused), ' <<<"$out" | tail -n +2 | grep -c '^Reused')
  if [[ -z $first ]]; then echo "no TLS handshake: $(grep -m1 -i error <<<"$out")"; return; fi
  echo "$first, key exchange ${group:-?}, $reused of 5 reconnects resumed"
}

hz=$(getconf CLK_TCK)
ticks() { # "pid ..." -> utime+stime of all their threads
  local p t=0
  for p in $1; do t=$((t + $(sed 's/^.*) //' "/proc/$p/stat" 2>/dev/null | awk '{print $12 + $13} END {if (!NR) print 0}'))); done
  echo "$t"
}
# One client run. wrk: responses = "requests in", errors = socket errors, failed if any non-2xx.
# h2load: responses = succeeded, errors = failed + errored + timeout, failed if any non-2xx or
# if it did not speak h2.
client() { # workload server
  local w=$1 s=$2
  # shellcheck disable=SC2086  # WL_ARGS is deliberately split into words
  if [[ ${WL_TOOL[$w]} == wrk ]]; then
    timeout -k 5 $((dur + 60)) taskset -c 1 wrk -t1 ${WL_ARGS[$w]} -d"${dur}s" --timeout 10s "$(url "$w" "$s")"
  else
    timeout -k 5 $((dur + 60)) taskset -c 1 h2load -t1 ${WL_ARGS[$w]} -D"$dur" -N10 "$(url "$w" "$s")"
  fi
}
parse() { # workload <output   -> "rps responses errors ok(1/0) why"
  if [[ ${WL_TOOL[$1]} == wrk ]]; then
    awk '/^Requests\/sec/ {rps = $2} / requests in / {n = $1}
         /Socket errors/ {gsub(",", ""); e = $4 + $6 + $8 + $10} /Non-2xx/ {bad = $NF}
         END {ok = (rps != "" && n > 0 && bad == ""); why = bad != "" ? bad " non-2xx" : (n > 0 ? "" : "no response")
              printf "%s %d %d %d %s\n", rps == "" ? 0 : rps, n, e, ok, why}'
  else
    awk -v want="$([[ $1 == h2c ]] && echo h2c || echo h2)" -v size="${WL_BYTES[$1]}" '
         /^finished in/ {rps = $4} /^requests:/ {n = $8; e = $10 + $12 + $14}
         /^status codes:/ {bad = $5 + $7 + $9} /^Application protocol:/ {proto = $3}
         /^traffic:/ {data = $(NF - 1); gsub(/[()]/, "", data)}
         END {short = (n > 0 && data < n * size)  # every response must carry the whole file
              ok = (n > 0 && bad == 0 && proto == want && !short)
              why = proto != want ? "protocol " (proto == "" ? "none" : proto) : (bad > 0 ? bad " non-2xx" : \
                    (short ? "short bodies: " data " bytes for " n " responses" : (n > 0 ? "" : "no response")))
              printf "%s %d %d %d %s\n", rps == "" ? 0 : rps, n, e, ok, why}'
  fi
}

declare -A R C E O
# One run: appends req/s, us/req, errors and other-load figures to R, C, E, O for "workload,server".
measure() { # workload server
  local w=$1 s=$2 key="$1,$2" out t0 t1 b0 b1 c0 c1 n0 n1 rps reqs errs ok why cpu other cl_ticks
  if [[ -n ${DEAD[$s]:-} ]]; then R[$key]+="0 "; C[$key]+="0 "; E[$key]+="- "; return; fi
  t0=$(ticks "${PID[$s]}"); b0=$(cpu_busy 0); c0=$(cpu_busy 1); n0=$(now_ns)
  out=$( { TIMEFORMAT='%U %S'; time client "$w" "$s" 2>&1; } 2>"$tmp/client.time")
  if ! alive "${PID[$s]%% *}"; then
    DEAD[$s]=1
    echo "!! $s (pid ${PID[$s]}) died during '${WL_LABEL[$w]}'. Last log lines:" >&2
    tail -20 "${LOG[$s]}" >&2
    R[$key]+="0 "; C[$key]+="0 "; E[$key]+="- "; return
  fi
  t1=$(ticks "${PID[$s]}"); b1=$(cpu_busy 0); c1=$(cpu_busy 1); n1=$(now_ns)
  cl_ticks=$(awk -v hz="$hz" '{printf "%.0f", ($1 + $2) * hz}' "$tmp/client.time")
  other=$(awk -v b=$((b1 - b0 - (t1 - t0))) -v c=$((c1 - c0 - ${cl_ticks:-0})) -v hz="$hz" -v ns=$((n1 - n0)) \
    'BEGIN {e = hz * ns / 1e9; o = 100 * b / e; p = 100 * c / e
            printf "%.0f/%.0f", (o < 0) ? 0 : o, (p < 0) ? 0 : p}')
  read -r rps reqs errs ok why <<<"$(parse "$w" <<<"$out")"
  if [[ $ok != 1 ]]; then
    echo "!! $s '${WL_LABEL[$w]}': failed run (counted as 0): ${why:-?}" >&2
    grep -E "Non-2xx|Socket errors|requests in|^requests:|^status codes:|^Application protocol|^traffic:" <<<"$out" |
      sed 's/^/     /' >&2
    rps=0; cpu=0
  else
    cpu=$(awk -v t=$((t1 - t0)) -v hz="$hz" -v n="$reqs" 'BEGIN {printf "%.3f", t / hz * 1e6 / n}')
  fi
  if [[ $errs != 0 ]]; then
    echo "!! $s '${WL_LABEL[$w]}': errors: $(grep -E 'Socket errors|^requests:' <<<"$out")" >&2
  fi
  R[$key]+="$rps "; C[$key]+="$cpu "; E[$key]+="$errs "; O[$key]+="$other "
  printf "   %-24s %-9s %12.0f req/s %9.2f us/req  (others on CPU 0/1: %s%%)\n" "${WL_LABEL[$w]}" "$s" "$rps" \
    "$cpu" "$other" >&2
}

# --- header --------------------------------------------------------------------------------------
busy_pct() { # 1 s sample of CPU 0 and CPU 1 busy time (the servers are idle, nothing else runs)
  local a b
  a=$(awk '/^cpu[01] / {printf "%d %d ", $2 + $3 + $4 + $7 + $8 + $9, $5 + $6}' /proc/stat); sleep 1
  b=$(awk '/^cpu[01] / {printf "%d %d ", $2 + $3 + $4 + $7 + $8 + $9, $5 + $6}' /proc/stat)
  awk -v a="$a" -v b="$b" 'BEGIN {split(a, x); split(b, y)
    printf "CPU 0 %.0f%%, CPU 1 %.0f%%", 100 * (y[1] - x[1]) / (y[1] - x[1] + y[2] - x[2] + 1e-9),
                                         100 * (y[3] - x[3]) / (y[3] - x[3] + y[4] - x[4] + 1e-9)}'
}
cpu_model=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)
echo "date:    $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "machine: nproc=$(nproc), ${cpu_model:-unknown CPU}, kernel $(uname -r)"
echo "ferry:   $("$ferry_bin" --version 2>&1 | head -1), modules:${ferry_modules% } ($ferry_bin)$([[ $ids == 0 ]] &&
  echo ", without request ids and traceparent (--no-ids)")"
echo "nginx:   $(nginx -v 2>&1 | sed 's/^nginx version: //')"
echo "h2o:     $(h2o --version 2>&1 | head -1 | sed 's/^h2o version //')"
echo "clients: wrk $(wrk -v 2>&1 | head -1 | awk '{print $2}'), $(h2load --version 2>&1 | head -1)," \
  "$(openssl version | awk '{print $1, $2}')"
echo "cert:    ECDSA P-256 leaf signed by a test CA; resumption off in every server"
for s in "${servers[@]}"; do
  if [[ $s == ferry && $ferry_tls == 0 ]]; then printf "tls %-5s no tls module\n" "$s"; continue; fi
  printf "tls %-5s %s\n" "$s" "$(tls_info "$s")"
done
echo "load:    busy before start: $(busy_pct); load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "method:  1 server worker on CPU 0, wrk -t1 or h2load -t1 on CPU 1; ${dur}s runs," \
  "medians of $rounds interleaved rounds"
runs=0
for w in "${wl_names[@]}"; do for s in "${servers[@]}"; do [[ -n ${SUP[$w,$s]:-} ]] && runs=$((runs + rounds)); done; done
echo "($runs runs of ${dur}s: about $((runs * (dur + 1) / 60 + 1)) min)" >&2

# Warm-up: open files, page cache, first-connection costs.
for s in "${servers[@]}"; do
  timeout 30 taskset -c 1 wrk -t1 -c64 -d1s "https://127.0.0.1:${T[$s]}/index.html" >/dev/null 2>&1
done

for w in "${wl_names[@]}"; do
  for ((i = 1; i <= rounds; i++)); do
    echo "[${WL_LABEL[$w]}: round $i/$rounds]" >&2
    for s in "${servers[@]}"; do [[ -n ${SUP[$w,$s]:-} ]] && measure "$w" "$s"; done
  done
done

# --- table ---------------------------------------------------------------------------------------
echo
printf "%-24s %-9s %12s %9s %9s %7s %8s   %-16s %-16s %s\n" workload server "req/s" "us/req" "MB/s" errors \
  "other%" "req/s ferry/peer" "cpu peer/ferry" "cpu per round"
for w in "${wl_names[@]}"; do
  declare -A MR=() MC=()
  for s in "${servers[@]}"; do
    [[ -n ${SUP[$w,$s]:-} ]] || continue
    MR[$s]=$(med <<<"${R[$w,$s]}"); MC[$s]=$(med <<<"${C[$w,$s]}")
  done
  best_r="" best_c=""
  for s in "${servers[@]}"; do
    [[ $s == ferry || -z ${SUP[$w,$s]:-} ]] && continue
    if [[ -z $best_r ]] || awk -v a="${MR[$s]}" -v b="${MR[$best_r]}" 'BEGIN {exit !(a > b)}'; then best_r=$s; fi
    if awk -v a="${MC[$s]}" 'BEGIN {exit !(a > 0)}' &&
      { [[ -z $best_c ]] || awk -v a="${MC[$s]}" -v b="${MC[$best_c]}" 'BEGIN {exit !(a < b)}'; }; then best_c=$s; fi
  done
  for s in "${servers[@]}"; do
    if [[ -z ${SUP[$w,$s]:-} ]]; then
      printf "%-24s %-9s %12s %9s %9s %7s %8s   %-16s %-16s\n" "${WL_LABEL[$w]}" "$s" - - - - - \
        "$([[ $s == ferry ]] && echo -)" "$([[ $s == ferry ]] && echo -)"
      continue
    fi
    rr="" cr="" crr=""
    if [[ $s == ferry ]]; then
      rr=$(awk -v f="${MR[ferry]}" -v p="${MR[${best_r:-x}]:-0}" -v n="$best_r" \
        'BEGIN {if (p > 0) printf "%.2f (%s)", f / p, n; else print "-"}')
      cr=$(awk -v f="${MC[ferry]}" -v p="${MC[${best_c:-x}]:-0}" -v n="$best_c" \
        'BEGIN {if (f > 0 && p > 0) printf "%.2f (%s)", p / f, n; else print "-"}')
      [[ -n $best_c ]] && crr=$(ratio_range "${C[$w,$best_c]}" "${C[$w,ferry]}")
    fi
    mbs=$(awk -v r="${MR[$s]}" -v b="${WL_BYTES[$w]}" 'BEGIN {printf "%.0f", r * b / 1e6}')
    printf "%-24s %-9s %12.0f %9.2f %9s %7s %8s   %-16s %-16s %s\n" "${WL_LABEL[$w]}" "$s" "${MR[$s]}" "${MC[$s]}" \
      "$mbs" "$(med <<<"${E[$w,$s]}")" "$(med_pair "${O[$w,$s]:-}")" "$rr" "$cr" "$crr"
  done
done
if [[ ${#notes[@]} -gt 0 ]]; then
  echo
  printf 'not run: %s\n' "${notes[@]}"
fi

# --- client cost ---------------------------------------------------------------------------------
# The client's instructions per response, from two runs under callgrind, one three times as long
# as the other: their difference leaves out starting up and the connections' handshakes.
client_instructions() { # workload server length -> "instructions responses"
  local w=$1 s=$2 len=$3 out
  # shellcheck disable=SC2086  # WL_ARGS is deliberately split into words
  if [[ ${WL_TOOL[$w]} == wrk ]]; then
    out=$(timeout -k 5 600 taskset -c 1 valgrind --tool=callgrind --callgrind-out-file=/dev/null \
      wrk -t1 ${WL_ARGS[$w]} -d"$((2 * len))s" --timeout 30s "$(url "$w" "$s")" 2>&1)
  else
    out=$(timeout -k 5 600 taskset -c 1 valgrind --tool=callgrind --callgrind-out-file=/dev/null \
      h2load -t1 ${WL_ARGS[$w]} -n "$((10000 * len))" "$(url "$w" "$s")" 2>&1)
  fi
  awk '/Collected :/ {ir = $NF} / requests in / {n = $1} /^requests:/ {n = $8}
       END {printf "%d %d\n", ir, n}' <<<"$out"
}
if [[ $client_cost == 1 ]]; then
  echo
  echo "client cost: the load generator's instructions per response (callgrind, user space; a ferry/peer"
  echo "ratio above 1: ferry's responses cost the client more)"
  printf "%-24s %-9s %14s   %s\n" workload server instructions "ferry/peer"
  for w in h1 h2 h2c; do
    declare -A CI=()
    for s in "${servers[@]}"; do
      read -r i1 n1 <<<"$(client_instructions "$w" "$s" 1)"
      read -r i3 n3 <<<"$(client_instructions "$w" "$s" 3)"
      CI[$s]=$(awk -v a="$i1" -v b="$i3" -v m="$n1" -v n="$n3" 'BEGIN {if (n > m) printf "%.0f", (b - a) / (n - m); else print 0}')
    done
    for s in "${servers[@]}"; do
      ratio=""
      if [[ $s == ferry ]]; then
        for p in nginx h2o; do
          r=$(awk -v f="${CI[ferry]}" -v q="${CI[$p]}" 'BEGIN {if (q > 0) printf "%.2f", f / q}')
          ratio+="${r:--} ($p) "
        done
      fi
      printf "%-24s %-9s %14s   %s\n" "${WL_LABEL[$w]}" "$s" "${CI[$s]}" "$ratio"
    done
  done
fi

# --- idle TLS connections ------------------------------------------------------------------------
if [[ $idle -gt 0 ]]; then
  # Debian's interpreter has python3-h2; another python3 first on PATH may not.
  py=python3 protos=http/1.1
  for candidate in /usr/bin/python3 python3; do
    if "$candidate" -c 'import h2' 2>/dev/null; then py=$candidate protos=http/1.1,h2; break; fi
  done
  [[ $protos == *h2* ]] || echo "no python3 with the h2 package (python3-h2): HTTPS/1.1 only" >&2
  echo
  echo "idle TLS connections: N=$idle per protocol and server (one GET /index.html each, 3 s idle;"
  echo "the HTTPS/1.1 ones stay open while the h2 ones are measured)"
  printf "%-9s %-9s %8s %14s %12s\n" server protocol opened "bytes/conn" "re-served"
  for s in "${servers[@]}"; do
    if [[ $s == ferry && $ferry_tls == 0 ]]; then printf "%-9s %s\n" "$s" "no tls module"; continue; fi
    pid=${PID[$s]%% *}  # h2o: the serving process, not its neverbleed child
    out=$(timeout -k 5 600 taskset -c 1 "$py" "$here/idle_tls_client.py" "${T[$s]}" /index.html "$idle" "$pid" \
      "$protos" 2>&1)
    while read -r line; do
      declare -A I=()
      for kv in $line; do [[ $kv == *=* ]] && I[${kv%%=*}]=${kv#*=}; done
      if [[ -z ${I[opened]:-} ]]; then printf "%-9s %s\n" "$s" "client failed: $line"; continue; fi
      printf "%-9s %-9s %8s %14s %12s\n" "$s" "${I[proto]}" "${I[opened]}" "${I[bytes_per_conn]}" "${I[served]}"
    done <<<"$out"
    alive "$pid" || echo "!! $s (pid $pid) died during the idle test" >&2
  done
fi

for s in "${servers[@]}"; do
  [[ -n ${DEAD[$s]:-} ]] && echo "NOTE: $s died during the benchmark (see messages above)" >&2
done
exit 0
