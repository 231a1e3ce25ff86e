#!/usr/bin/python3
"""Overload: does admission control keep latency bounded when far more clients than ferry can
serve at once ask for expensive responses?

The work is on-the-fly gzip of a 2 MiB text file (about 20 ms of server CPU each), so the
server, not the client, is the bottleneck. ferry runs one worker pinned to CPU 0; wrk (one
thread, CPU 1) keeps CONNS connections asking for it; meanwhile a probe client (CPU 1) asks
one request at a time and records each latency and status. For each [admission] setting the
probe runs unloaded first, then under the load. The table gives the probe's p50/p99 over
admitted (200) requests, how many it got refused (503), and wrk's totals.

Usage: /usr/bin/python3 bench/overload.py [--conns 64] [--seconds 10] [--ferry build/release/ferry]
Needs wrk and taskset, and ferry built with the compression module. Loopback only; every run
stops by itself."""

import argparse
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

LISTEN_RE = re.compile(rb"listening on http://127\.0\.0\.1:(\d+)")
FILE_SIZE = 2 << 20
SETTINGS = (
    ("admission off", "[admission]\nenabled = false\n"),
    ("adaptive, defaults", ""),
    ("adaptive, min 1, queue 4 / 200ms", "[admission]\nmin_inflight = 1\nqueue_size = 4\nqueue_timeout = \"200ms\"\n"),
    ("adaptive, min 1, queue 64 / 1s", "[admission]\nmin_inflight = 1\nqueue_size = 64\n"),
    ("fixed 2, queue 4 / 200ms",
     "[admission]\nadaptive = false\nmax_inflight = 2\nqueue_size = 4\nqueue_timeout = \"200ms\"\n"),
)


def start_ferry(binary, root, config_text, workdir):
    config = os.path.join(workdir, "ferry.toml")
    with open(config, "w") as f:
        f.write(config_text)
    proc = subprocess.Popen(["taskset", "-c", "0", binary, "--config", config, "--root", root, "--listen",
                             "127.0.0.1:0", "--workers", "1", "--log-level", "info"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    line = b""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        m = LISTEN_RE.search(line)
        if m:
            threading.Thread(target=lambda: [None for _ in proc.stdout], daemon=True).start()
            return proc, int(m.group(1))
    proc.kill()
    raise RuntimeError("ferry did not start: %r" % line)


def probe(port, count, stop_at=None):
    """Sequential GETs on one keep-alive connection; returns [(status, seconds)]."""
    results = []
    sock = socket.create_connection(("127.0.0.1", port), timeout=30)
    request = b"GET /big.txt HTTP/1.1\r\nHost: bench\r\nAccept-Encoding: gzip\r\n\r\n"
    reader = _Reader(sock)
    for _ in range(count):
        if stop_at is not None and time.monotonic() > stop_at:
            break
        started = time.monotonic()
        sock.sendall(request)
        head = reader.until(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        length = re.search(rb"(?i)\r\ncontent-length: *(\d+)", head)
        if length:
            reader.exact(int(length.group(1)))
        else:  # chunked
            while True:
                size = int(reader.until(b"\r\n").split(b";")[0], 16)
                reader.exact(size + 2)
                if size == 0:
                    break
        results.append((status, time.monotonic() - started))
    sock.close()
    return results


class _Reader:
    def __init__(self, sock):
        self.sock = sock
        self.buf = b""

    def _fill(self):
        chunk = self.sock.recv(1 << 20)
        if not chunk:
            raise RuntimeError("connection closed")
        self.buf += chunk

    def until(self, marker):
        while marker not in self.buf:
            self._fill()
        data, self.buf = self.buf.split(marker, 1)
        return data

    def exact(self, n):
        while len(self.buf) < n:
            self._fill()
        data, self.buf = self.buf[:n], self.buf[n:]
        return data


def summarize(results):
    ok = sorted(t for s, t in results if s == 200)
    refused = sum(1 for s, _ in results if s == 503)
    if not ok:
        return "no admitted requests", refused, len(results)
    p99 = ok[min(len(ok) - 1, int(len(ok) * 0.99))]
    return "p50 %7.2f ms  p99 %7.2f ms" % (statistics.median(ok) * 1e3, p99 * 1e3), refused, len(results)


def run_load(port, conns, seconds):
    out = subprocess.run(["taskset", "-c", "1", "wrk", "-t1", "-c%d" % conns, "-d%ds" % seconds,
                          "-H", "Accept-Encoding: gzip", "http://127.0.0.1:%d/big.txt" % port],
                         capture_output=True, text=True)
    reqs = re.search(r"(\d+) requests in", out.stdout)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out.stdout)
    errors = re.search(r"Socket errors: (.*)", out.stdout)
    return (int(reqs.group(1)) if reqs else 0, int(non2xx.group(1)) if non2xx else 0,
            errors.group(1) if errors else "none")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--conns", type=int, default=64)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--ferry", default=os.path.join(os.path.dirname(__file__), "../build/release/ferry"))
    args = parser.parse_args()
    if shutil.which("wrk") is None or shutil.which("taskset") is None:
        sys.exit("needs wrk and taskset (apt-get install wrk util-linux)")
    os.sched_setaffinity(0, {1})
    workdir = tempfile.mkdtemp(prefix="ferry-overload-")
    root = os.path.join(workdir, "root")
    os.mkdir(root)
    with open(os.path.join(root, "big.txt"), "w") as f:
        rng = random.Random(1)
        words = ["ferry", "static", "request", "header", "worker", "latency", "admission", "queue"]
        written = 0
        while written < FILE_SIZE:
            line = " ".join(rng.choice(words) + str(rng.randrange(1000)) for _ in range(12)) + "\n"
            f.write(line)
            written += len(line)
    rows = []
    try:
        for name, config in SETTINGS:
            proc, port = start_ferry(os.path.realpath(args.ferry), root, config, workdir)
            try:
                unloaded = summarize(probe(port, 100))
                loaded_results = []
                t = threading.Thread(target=lambda: loaded_results.extend(
                    probe(port, 100000, time.monotonic() + args.seconds - 1)))
                time.sleep(0.0)
                load_result = []
                lt = threading.Thread(target=lambda: load_result.append(run_load(port, args.conns, args.seconds)))
                lt.start()
                time.sleep(1)  # let the load build up before probing
                t.start()
                t.join()
                lt.join()
                rows.append((name, unloaded, summarize(loaded_results), load_result[0]))
            finally:
                proc.terminate()
                proc.wait(15)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print("gzip of a 2 MiB text file, ferry 1 worker on CPU 0; wrk -t1 -c%d and the probe on CPU 1, %d s"
          % (args.conns, args.seconds))
    for name, unloaded, loaded, (reqs, non2xx, errors) in rows:
        print("%s" % name)
        print("  probe unloaded : %s" % unloaded[0])
        print("  probe loaded   : %s  (%d of %d answered 503)" % (loaded[0], loaded[1], loaded[2]))
        print("  wrk            : %d responses, %d non-2xx, socket errors: %s" % (reqs, non2xx, errors))


if __name__ == "__main__":
    main()
