# shellcheck shell=bash
# Sourced by the bench scripts: a temporary directory removed on exit together with every
# process recorded in `pids`, and the generated document root they all serve.

# Sets `tmp` and `pids`, and installs the EXIT/INT/TERM traps.
bench_temp_dir() {
  tmp=$(mktemp -d /tmp/ferry-bench.XXXXXX)
  chmod 755 "$tmp"  # nginx and h2o workers drop to an unprivileged user and must read the root
  pids=()
  trap bench_cleanup EXIT
  trap 'exit 130' INT TERM
}

# shellcheck disable=SC2317  # called by the EXIT trap
bench_cleanup() {
  local p
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for _ in $(seq 20); do
    local alive=0
    for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && alive=1; done
    [[ $alive == 0 ]] && break
    sleep 0.1
  done
  for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
  wait 2>/dev/null
  rm -rf "$tmp"
}

# bench_make_root DIR [with-big]: index.html (1 KiB), assets/app.js (100 KiB) and, with a second
# argument, assets/big.bin (64 MiB). The same files as /work/shared/bench/mkroot.sh.
bench_make_root() {
  python3 - "$1" "${2:-}" <<'PY'
import os, random, sys
root, big = sys.argv[1], sys.argv[2]
os.makedirs(os.path.join(root, "assets"))
random.seed(7)
words = "the quick brown fox jumps over lazy dog static file server fast path".split()
def text(n):
    out, size = [], 0
    while size < n:
        w = random.choice(words)
        out.append(w)
        size += len(w) + 1
    return (" ".join(out))[:n]
with open(os.path.join(root, "index.html"), "w") as f:
    f.write("<!doctype html><title>t</title>" + text(1024 - 31))
with open(os.path.join(root, "assets/app.js"), "w") as f:
    f.write(text(100 * 1024))
if big:
    with open(os.path.join(root, "assets/big.bin"), "wb") as f:
        f.write(os.urandom(1 << 20) * 64)
PY
  chmod -R a+rX "$1"
}

# Measurement helpers shared by the scripts.
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
alive() { # pid: running and not a zombie
  [[ -r /proc/$1/stat ]] && [[ $(sed 's/^.*) //' "/proc/$1/stat" | cut -d' ' -f1) != Z ]]
}
# CPU busy ticks (user nice system irq softirq steal). CPU 0's minus the server's own ticks shows
# how much of the server's CPU other processes took during a run (noise on a shared machine);
# CPU 1's minus the client's own time: other load that slows the client instead.
cpu_busy() { awk -v c="cpu$1" '$1 == c {print $2 + $3 + $4 + $7 + $8 + $9}' /proc/stat; }
now_ns() { date +%s%N; }
med() { tr ' ' '\n' | grep -v '^$' | grep -v '^-$' | sort -g |
  awk '{a[NR] = $1} END {if (NR == 0) print 0; else if (NR % 2) print a[(NR + 1) / 2];
                          else print (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
med_pair() { # "a/b a/b ..." -> "median(a)/median(b)"
  local a b
  a=$(tr ' ' '\n' <<<"$1" | cut -s -d/ -f1 | tr '\n' ' '); b=$(tr ' ' '\n' <<<"$1" | cut -s -d/ -f2 | tr '\n' ' ')
  printf "%.0f/%.0f" "$(med <<<"$a")" "$(med <<<"$b")"
}

# ratio_range "a1 a2 ..." "b1 b2 ...": the lowest and highest a_i/b_i over the rounds ("0.98-1.09"),
# paired by position (a round runs every server back to back); rounds with a 0 are left out.
ratio_range() {
  awk -v a="$1" -v b="$2" 'BEGIN {n = split(a, x); m = split(b, y)
    for (i = 1; i <= n && i <= m; i++) if (x[i] > 0 && y[i] > 0) {
      r = x[i] / y[i]; if (lo == "" || r < lo) lo = r; if (hi == "" || r > hi) hi = r }
    if (lo == "") print "-"; else printf "%.2f-%.2f", lo, hi}'
}

# ferry_cpu_run BIN CONFIG ROOT TARGET DUR [HEADER]: one ferry worker pinned to CPU 0 with
# CONFIG, `wrk -t1 -c64` from CPU 1 for DUR seconds on TARGET (with HEADER when given); prints
# "req/s µs-of-server-CPU-per-request". Fails when TARGET does not answer 200.
ferry_cpu_run() {
  local bin=$1 config=$2 root=$3 target=$4 dur=$5 p pid t0 t1 out reqs rps
  local header=()
  [[ -n ${6:-} ]] && header=(-H "$6")
  p=$(port)
  taskset -c 0 "$bin" --config "$config" --root "$root" --listen "127.0.0.1:$p" --workers 1 \
    --log-level warn >/dev/null 2>&1 &
  pid=$!
  pids+=("$pid")
  for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$p/healthz" && break; sleep 0.05; done
  [[ $(curl -s -o /dev/null -w '%{http_code}' "${header[@]}" "http://127.0.0.1:$p$target") == 200 ]] ||
    { echo "ferry_cpu_run: $config does not answer 200 on $target" >&2; return 1; }
  t0=$(awk '{print $14 + $15}' "/proc/$pid/stat")
  out=$(taskset -c 1 wrk -t1 -c64 -d"${dur}s" "${header[@]}" "http://127.0.0.1:$p$target")
  t1=$(awk '{print $14 + $15}' "/proc/$pid/stat")
  kill -TERM "$pid"
  wait "$pid" 2>/dev/null || true
  reqs=$(awk '/requests in/ {print $1}' <<<"$out")
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  echo "$rps $(awk -v d=$((t1 - t0)) -v r="$reqs" -v hz="$(getconf CLK_TCK)" 'BEGIN {printf "%.3f", d * 1e6 / hz / r}')"
}
