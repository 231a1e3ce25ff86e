#!/bin/bash
# Side-by-side benchmark of ferry, nginx and h2o serving the same root on 127.0.0.1.
# Each server runs ONE worker pinned to CPU 0; wrk runs one thread pinned to CPU 1. For every
# workload, rounds are interleaved across servers, and the table gives medians of req/s and of
# the server's CPU time per request (user+system ticks of the whole process from /proc) — the
# figure that still separates servers when the single wrk thread is the bottleneck.
#
# Usage: bench/run.sh [--only LIST] [--idle N] [--scaling] [--no-ids]
#   env: DUR=seconds per run (5)  ROUNDS=n (3)  FERRY_BIN=path (build/release/ferry, built if missing)
#   --idle N    also hold N (<= 10000) idle keep-alive connections to each server: RSS per connection,
#               all N still served, latency of one fresh request
#   --scaling   also compare ferry with 2 unpinned workers against 1 pinned worker (1 KiB keep-alive)
#   --only LIST run only these workloads (comma-separated: small,medium,large,pipelined; 0 for none)
#   --no-ids    ferry without the X-Request-Id and traceparent headers it adds by default, which
#               nginx and h2o do not send
# Needs: apt-get install nginx-light h2o wrk   (plus python3, curl, taskset)
set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(dirname "$here")
dur=${DUR:-5}
rounds=${ROUNDS:-3}
idle=0
scaling=0
ids=1
only=small,medium,large,pipelined
while [[ $# -gt 0 ]]; do
  case $1 in
    --idle) idle=${2:?--idle needs N}; shift 2 ;;
    --scaling) scaling=1; shift ;;
    --no-ids) ids=0; shift ;;
    --only) only=${2:?--only needs a list}; shift 2 ;;
    -h | --help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown argument: $1 (try --help)" >&2; exit 2 ;;
  esac
done
[[ $dur =~ ^[0-9]+$ && $dur -ge 1 ]] || { echo "DUR must be a whole number of seconds" >&2; exit 2; }
[[ $rounds =~ ^[0-9]+$ && $rounds -ge 1 ]] || { echo "ROUNDS must be at least 1" >&2; exit 2; }
[[ $idle =~ ^[0-9]+$ && $idle -le 10000 ]] || { echo "--idle N must be 0..10000" >&2; exit 2; }
[[ ,$only, =~ ^(,(small|medium|large|pipelined|0))+,$ ]] ||
  { echo "--only takes small, medium, large, pipelined or 0, comma-separated" >&2; exit 2; }

# --- prerequisites -------------------------------------------------------------------------------
missing=()
for tool in nginx h2o wrk; do command -v "$tool" >/dev/null || missing+=("$tool"); done
if [[ ${#missing[@]} -gt 0 ]]; then
  echo "missing: ${missing[*]}. Install with: apt-get install nginx-light h2o wrk" >&2
  exit 1
fi
for tool in python3 curl taskset timeout; do
  command -v "$tool" >/dev/null || { echo "missing: $tool" >&2; exit 1; }
done
if [[ $(nproc) -lt 2 ]]; then echo "needs at least 2 CPUs (server on CPU 0, wrk on CPU 1)" >&2; exit 1; fi

if [[ -n ${FERRY_BIN:-} ]]; then
  ferry_bin=$FERRY_BIN
  [[ -x $ferry_bin ]] || { echo "FERRY_BIN=$ferry_bin is not an executable" >&2; exit 1; }
else
  ferry_bin=$repo/build/release/ferry
  if [[ ! -x $ferry_bin ]]; then
    echo "building $ferry_bin ..." >&2
    (cd "$repo" && cmake --preset release >/dev/null && cmake --build --preset release) >&2 ||
      { echo "release build failed" >&2; exit 1; }
  fi
fi
ferry_bin=$(realpath "$ferry_bin")

# Enough descriptors for --idle and wrk; the servers inherit the limit.
ulimit -n 20000 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null
if [[ $idle -gt 0 && $(ulimit -n) != unlimited && $(ulimit -n) -lt $((idle + 200)) ]]; then
  echo "ulimit -n is $(ulimit -n): too low for --idle $idle" >&2; exit 1
fi

# --- temp dir, cleanup, document root ------------------------------------------------------------
# shellcheck source=bench/common.sh
source "$here/common.sh"
bench_temp_dir
root=$tmp/root
bench_make_root "$root" with-big

# --- servers -------------------------------------------------------------------------------------
servers=(nginx h2o ferry)
declare -A P PID LOG DEAD
for s in "${servers[@]}"; do P[$s]=$(port); done

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
  server { listen 127.0.0.1:${P[nginx]}; root $root; }
}
C
cat >"$tmp/h2o.conf" <<C
listen: {host: 127.0.0.1, port: ${P[h2o]}}
user: nobody
num-threads: 1
max-connections: 20000
http1-request-timeout: 60
error-log: $tmp/h2o.err
hosts: {default: {paths: {/: {file.dir: $root}}}}
C

start() { # name cpu-list|"" cmd...   records the pid that serves
  local name=$1 cpus=$2; shift 2
  LOG[$name]=$tmp/$name.out
  if [[ -n $cpus ]]; then taskset -c "$cpus" "$@" >"${LOG[$name]}" 2>&1 &
  else "$@" >"${LOG[$name]}" 2>&1 &
  fi
  pids+=($!); PID[$name]=$!
  for _ in $(seq 100); do
    curl -s -o /dev/null "http://127.0.0.1:${P[$name]}/index.html" && return 0
    alive "${PID[$name]}" || break
    sleep 0.1
  done
  echo "$name did not start: $(tail -3 "${LOG[$name]}")" >&2
  return 1
}
start nginx 0 nginx -c "$tmp/nginx.conf" || exit 1
PID[nginx]=$(pgrep -P "${PID[nginx]}" | head -1)  # measure the worker, not the master
[[ -n ${PID[nginx]} ]] || { echo "no nginx worker process" >&2; exit 1; }
start h2o 0 h2o -c "$tmp/h2o.conf" || exit 1
# Room for 20000 connections, as nginx and h2o get (ferry's default is 10000 per worker).
printf '[limits]\nmax_connections = 20000\n' >"$tmp/ferry.toml"
[[ $ids == 0 ]] && printf '[request_id]\nheader = ""\ntrace_context = false\n' >>"$tmp/ferry.toml"
start ferry 0 "$ferry_bin" --config "$tmp/ferry.toml" --root "$root" --listen "127.0.0.1:${P[ferry]}" --workers 1 \
  --log-level warn --access-log off || exit 1
if [[ $scaling == 1 ]]; then
  P[ferry-2w]=$(port)
  start ferry-2w "" "$ferry_bin" --config "$tmp/ferry.toml" --root "$root" --listen "127.0.0.1:${P[ferry-2w]}" --workers 2 \
    --log-level warn --access-log off || exit 1
fi

# --- workloads -----------------------------------------------------------------------------------
wl_names=()
for w in small medium large pipelined; do [[ ,$only, == *,$w,* ]] && wl_names+=("$w"); done
declare -A WL_LABEL WL_PATH WL_CONNS WL_EXTRA WL_BYTES
WL_LABEL=([small]="1KiB keep-alive c64" [medium]="100KiB c64" [large]="64MiB c4" [pipelined]="1KiB pipelined x16 c64")
WL_PATH=([small]=/index.html [medium]=/assets/app.js [large]=/assets/big.bin [pipelined]=/index.html)
WL_CONNS=([small]=64 [medium]=64 [large]=4 [pipelined]=64)
WL_EXTRA=([pipelined]="-s $here/pipeline.lua")
for w in "${wl_names[@]}"; do WL_BYTES[$w]=$(stat -c %s "$root${WL_PATH[$w]}"); done

# Every server must answer every path with 200 and the whole file before anything is measured.
check_paths() { # server
  local w got
  for w in "${wl_names[@]}"; do
    got=$(curl -s -o /dev/null -w '%{http_code} %{size_download}' "http://127.0.0.1:${P[$1]}${WL_PATH[$w]}")
    if [[ $got != "200 ${WL_BYTES[$w]}" ]]; then
      echo "$1: GET ${WL_PATH[$w]} gave '$got', expected '200 ${WL_BYTES[$w]}'" >&2
      return 1
    fi
  done
}
all_servers=("${servers[@]}")
[[ $scaling == 1 ]] && all_servers+=(ferry-2w)
for s in "${all_servers[@]}"; do check_paths "$s" || exit 1; done

hz=$(getconf CLK_TCK)
ticks() { sed 's/^.*) //' "/proc/$1/stat" | awk '{print $12 + $13}'; }  # utime+stime, all threads
declare -A R C E O
# One wrk run: appends req/s, us/req and socket errors to R, C, E for "workload,server".
measure() { # workload server
  local w=$1 s=$2 key="$1,$2" out t0 t1 b0 b1 c0 c1 n0 n1 rps reqs errs cpu other wrk_ticks
  if [[ -n ${DEAD[$s]:-} ]]; then R[$key]+="0 "; C[$key]+="0 "; E[$key]+="- "; return; fi
  t0=$(ticks "${PID[$s]}"); b0=$(cpu_busy 0); c0=$(cpu_busy 1); n0=$(now_ns)
  # shellcheck disable=SC2086  # WL_EXTRA is deliberately split into words
  out=$( { TIMEFORMAT='%U %S'; time timeout -k 5 $((dur + 60)) taskset -c 1 wrk -t1 -c"${WL_CONNS[$w]}" \
    -d"${dur}s" --timeout 10s ${WL_EXTRA[$w]:-} "http://127.0.0.1:${P[$s]}${WL_PATH[$w]}" \
    ${WL_EXTRA[$w]:+-- 16} 2>&1; } 2>"$tmp/wrk.time")
  if ! alive "${PID[$s]}"; then
    DEAD[$s]=1
    echo "!! $s (pid ${PID[$s]}) died during '${WL_LABEL[$w]}'. Last log lines:" >&2
    tail -20 "${LOG[$s]}" >&2
    R[$key]+="0 "; C[$key]+="0 "; E[$key]+="- "; return
  fi
  t1=$(ticks "${PID[$s]}"); b1=$(cpu_busy 0); c1=$(cpu_busy 1); n1=$(now_ns)
  wrk_ticks=$(awk -v hz="$hz" '{printf "%.0f", ($1 + $2) * hz}' "$tmp/wrk.time")
  other=$(awk -v b=$((b1 - b0 - (t1 - t0))) -v c=$((c1 - c0 - ${wrk_ticks:-0})) -v hz="$hz" -v ns=$((n1 - n0)) \
    'BEGIN {e = hz * ns / 1e9; o = 100 * b / e; p = 100 * c / e
            printf "%.0f/%.0f", (o < 0) ? 0 : o, (p < 0) ? 0 : p}')
  rps=$(awk '/^Requests\/sec/ {print $2}' <<<"$out")
  reqs=$(awk '/requests in/ {print $1}' <<<"$out")
  errs=$(awk '/Socket errors/ {gsub(",", ""); print $4 + $6 + $8 + $10}' <<<"$out")
  errs=${errs:-0}
  if [[ -z $rps || -z $reqs || $reqs == 0 ]] || grep -q "Non-2xx" <<<"$out"; then
    echo "!! $s '${WL_LABEL[$w]}': failed run (counted as 0):" >&2
    grep -E "Non-2xx|Socket errors|requests in" <<<"$out" | sed 's/^/     /' >&2
    rps=0; cpu=0
  else
    cpu=$(awk -v t=$((t1 - t0)) -v hz="$hz" -v n="$reqs" 'BEGIN {printf "%.3f", t / hz * 1e6 / n}')
  fi
  [[ $errs != 0 ]] && echo "!! $s '${WL_LABEL[$w]}': socket errors: $(grep 'Socket errors' <<<"$out")" >&2
  R[$key]+="$rps "; C[$key]+="$cpu "; E[$key]+="$errs "; O[$key]+="$other "
  printf "   %-24s %-9s %12.0f req/s %9.2f us/req  (others on CPU 0/1: %s%%)\n" "${WL_LABEL[$w]}" "$s" "$rps" \
    "$cpu" "$other" >&2
}

# --- header --------------------------------------------------------------------------------------
busy_pct() { # 1 s sample of CPU 0 and CPU 1 busy time, before anything is started by this section
  local a b
  a=$(awk '/^cpu[01] / {printf "%d %d ", $2 + $3 + $4 + $7 + $8 + $9, $5 + $6}' /proc/stat); sleep 1
  b=$(awk '/^cpu[01] / {printf "%d %d ", $2 + $3 + $4 + $7 + $8 + $9, $5 + $6}' /proc/stat)
  awk -v a="$a" -v b="$b" 'BEGIN {split(a, x); split(b, y)
    printf "CPU 0 %.0f%%, CPU 1 %.0f%%", 100 * (y[1] - x[1]) / (y[1] - x[1] + y[2] - x[2] + 1e-9),
                                         100 * (y[3] - x[3]) / (y[3] - x[3] + y[4] - x[4] + 1e-9)}'
}
cpu_model=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)
header=$(
  echo "date:    $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "machine: nproc=$(nproc), ${cpu_model:-unknown CPU}, kernel $(uname -r)"
  echo "ferry:   $("$ferry_bin" --version 2>&1 | head -1) ($ferry_bin)$([[ $ids == 0 ]] && echo ", without request ids and traceparent (--no-ids)")"
  echo "nginx:   $(nginx -v 2>&1 | sed 's/^nginx version: //')"
  echo "h2o:     $(h2o --version 2>&1 | head -1 | sed 's/^h2o version //')"
  echo "wrk:     $(wrk -v 2>&1 | head -1 | awk '{print $2}')"
  echo "load:    busy before start: $(busy_pct); load average $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "method:  1 server worker on CPU 0, wrk -t1 on CPU 1; ${dur}s runs, medians of $rounds interleaved rounds"
)
echo "$header"
runs=$((${#wl_names[@]} * ${#servers[@]} * rounds + scaling * 2 * rounds))
echo "($runs runs of ${dur}s: about $((runs * (dur + 1) / 60 + 1)) min)" >&2

# Warm-up: open files, page cache, first-connection costs.
for s in "${all_servers[@]}"; do
  timeout 30 taskset -c 1 wrk -t1 -c64 -d1s "http://127.0.0.1:${P[$s]}/index.html" >/dev/null 2>&1
done

for w in "${wl_names[@]}"; do
  for ((i = 1; i <= rounds; i++)); do
    echo "[${WL_LABEL[$w]}: round $i/$rounds]" >&2
    for s in "${servers[@]}"; do measure "$w" "$s"; done
  done
done
if [[ $scaling == 1 ]]; then
  for ((i = 1; i <= rounds; i++)); do
    echo "[scaling: round $i/$rounds]" >&2
    measure small ferry-2w
    measure small ferry
  done
fi

# --- table ---------------------------------------------------------------------------------------
echo
printf "%-24s %-9s %12s %9s %9s %7s %8s   %-16s %-16s %s\n" workload server "req/s" "us/req" "MB/s" errors \
  "other%" "req/s ferry/peer" "cpu peer/ferry" "cpu per round"
for w in "${wl_names[@]}"; do
  declare -A MR=() MC=()
  for s in "${servers[@]}"; do
    MR[$s]=$(med <<<"${R[$w,$s]}"); MC[$s]=$(med <<<"${C[$w,$s]}")
  done
  best_r="" best_c=""
  for s in "${servers[@]}"; do
    [[ $s == ferry ]] && continue
    if [[ -z $best_r ]] || awk -v a="${MR[$s]}" -v b="${MR[$best_r]}" 'BEGIN {exit !(a > b)}'; then best_r=$s; fi
    if awk -v a="${MC[$s]}" 'BEGIN {exit !(a > 0)}' &&
      { [[ -z $best_c ]] || awk -v a="${MC[$s]}" -v b="${MC[$best_c]}" 'BEGIN {exit !(a < b)}'; }; then best_c=$s; fi
  done
  for s in "${servers[@]}"; do
    rr="" cr="" crr=""
    if [[ $s == ferry ]]; then
      rr=$(awk -v f="${MR[ferry]}" -v p="${MR[$best_r]}" -v n="$best_r" \
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
if [[ $scaling == 1 ]]; then
  r1=$(med <<<"${R[small,ferry]}"); r2=$(med <<<"${R[small,ferry-2w]}")
  echo
  echo "scaling, 1KiB keep-alive c64 (wrk -t1 on CPU 1):"
  printf "  %-30s %12.0f req/s %9.2f us/req\n" "ferry, 1 worker on CPU 0" "$r1" "$(med <<<"${C[small,ferry]}")"
  printf "  %-30s %12.0f req/s %9.2f us/req   x%s\n" "ferry, 2 workers unpinned" "$r2" \
    "$(med <<<"${C[small,ferry-2w]}")" "$(awk -v a="$r2" -v b="$r1" 'BEGIN {if (b > 0) printf "%.2f", a / b; else print "-"}')"
  if [[ $(nproc) -lt 4 ]]; then
    echo "  (nproc=$(nproc): the second worker shares a CPU with wrk, so this says little about scaling)"
  fi
fi

# --- idle connections ----------------------------------------------------------------------------
if [[ $idle -gt 0 ]]; then
  echo
  echo "idle keep-alive connections: N=$idle per server (one GET /index.html each, then idle)"
  printf "%-9s %8s %14s %14s %12s %16s\n" server opened "RSS growth" "bytes/conn" "re-served" "fresh req (ms)"
  for s in "${servers[@]}"; do
    [[ -n ${DEAD[$s]:-} ]] && { printf "%-9s %s\n" "$s" "(dead)"; continue; }
    line=$(timeout -k 5 300 taskset -c 1 python3 "$here/idle_client.py" "${P[$s]}" /index.html "$idle" "${PID[$s]}" 2>&1)
    if ! alive "${PID[$s]}"; then
      DEAD[$s]=1
      echo "!! $s (pid ${PID[$s]}) died during the idle test. Last log lines:" >&2
      tail -20 "${LOG[$s]}" >&2
    fi
    declare -A I=()
    for kv in $line; do [[ $kv == *=* ]] && I[${kv%%=*}]=${kv#*=}; done
    if [[ -z ${I[opened]:-} ]]; then printf "%-9s %s\n" "$s" "client failed: $line"; continue; fi
    printf "%-9s %8s %11s KiB %14s %12s %16s\n" "$s" "${I[opened]}" \
      "$((I[rss_after_kb] - I[rss_before_kb]))" "${I[bytes_per_conn]}" "${I[served]}/${I[opened]}" \
      "${I[fresh_ms]} ($([[ ${I[fresh_status]} == 0 ]] && echo failed || echo "${I[fresh_status]}"))"
  done
fi

for s in "${all_servers[@]}"; do
  [[ -n ${DEAD[$s]:-} ]] && echo "NOTE: $s died during the benchmark (see messages above)" >&2
done
exit 0
