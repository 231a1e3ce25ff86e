#!/usr/bin/env python3
"""Idle keep-alive connections against one server process (used by bench/run.sh --idle N).

Opens N connections to 127.0.0.1:PORT, sends one GET PATH on each and reads the response, then
leaves them idle and reads the server's VmRSS growth. Then it sends a second request on every
connection (all sent first, then all read) to check that each one is still served, and times one
request on a fresh connection while the N are held open.

Prints one line:  opened=K rss_before_kb=A rss_after_kb=B bytes_per_conn=C served=S fresh_ms=F fresh_status=X
"""
import resource
import socket
import sys
import time

TIMEOUT_S = 10.0


def vm_rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return -1


def read_response(sock, buf=b""):
    """Reads one response with a Content-Length body; returns (status, leftover) or (0, b"")."""
    try:
        while b"\r\n\r\n" not in buf:
            chunk = sock.recv(65536)
            if not chunk:
                return 0, b""
            buf += chunk
        head, _, rest = buf.partition(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        status = int(lines[0].split()[1])
        length = 0
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value.strip())
        while len(rest) < length:
            chunk = sock.recv(65536)
            if not chunk:
                return 0, b""
            rest += chunk
        return status, rest[length:]
    except (OSError, ValueError, IndexError):
        return 0, b""


def main():
    port, path, n, pid = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = min(hard, n + 64) if hard != resource.RLIM_INFINITY else n + 64
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    request = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode()

    rss_before = vm_rss_kb(pid)
    socks = []
    for _ in range(n):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.settimeout(TIMEOUT_S)
        try:
            s.connect(("127.0.0.1", port))
            s.sendall(request)
            status, _ = read_response(s)
        except OSError:
            status = 0
        if 200 <= status < 300:
            socks.append(s)
        else:
            s.close()
    time.sleep(1.0)  # let the server return per-request buffers to its pools
    rss_after = vm_rss_kb(pid)
    opened = len(socks)
    per_conn = (rss_after - rss_before) * 1024 / opened if opened else 0

    sent = []
    for s in socks:
        try:
            s.sendall(request)
            sent.append(s)
        except OSError:
            pass
    served = sum(1 for s in sent if 200 <= read_response(s)[0] < 300)

    t0 = time.perf_counter()
    fresh_status = 0
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT_S) as s:
            s.sendall(request)
            fresh_status, _ = read_response(s)
    except OSError:
        pass
    fresh_ms = (time.perf_counter() - t0) * 1000

    for s in socks:
        s.close()
    print(f"opened={opened} rss_before_kb={rss_before} rss_after_kb={rss_after} "
          f"bytes_per_conn={per_conn:.0f} served={served} fresh_ms={fresh_ms:.2f} fresh_status={fresh_status}")


if __name__ == "__main__":
    main()
