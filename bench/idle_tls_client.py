#!/usr/bin/env python3
"""Idle TLS connections against one server process (used by bench/protocols.sh --idle N).

For each protocol in PROTOS (ALPN "http/1.1" and/or "h2", comma-separated): opens N TLS
connections to 127.0.0.1:PORT, sends one GET PATH on each and reads the response, leaves them
idle for WAIT seconds (3 by default: past the 2 s after which an idle ferry h2 connection gives
back its scratch memory) and reads the server's VmRSS growth; then sends a second request on
every connection to check that each one is still served. h2 needs the h2 package (Debian:
python3-h2).

Usage: idle_tls_client.py PORT PATH N PID PROTOS [WAIT]
Prints a line per protocol:  proto=P opened=K rss_before_kb=A rss_after_kb=B bytes_per_conn=C served=S
"""
import resource
import socket
import ssl
import sys
import time

from idle_client import TIMEOUT_S, read_response, vm_rss_kb


class Http1:
    def __init__(self, sock, path):
        self.sock = sock
        self.request = f"GET {path} HTTP/1.1\r\nHost: localhost\r\n\r\n".encode()
        self.buf = b""

    def get(self):
        """One request and its response; the status, 0 on failure."""
        self.sock.sendall(self.request)
        status, self.buf = read_response(self.sock, self.buf)
        return status


class Http2:
    def __init__(self, sock, path):
        import h2.config
        import h2.connection
        self.sock = sock
        self.path = path
        self.conn = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True, header_encoding="utf-8"))
        self.conn.initiate_connection()

    def get(self):
        import h2.events
        stream_id = self.conn.get_next_available_stream_id()
        self.conn.send_headers(stream_id, [(":method", "GET"), (":path", self.path), (":scheme", "https"),
                                           (":authority", "localhost")], end_stream=True)
        self.sock.sendall(self.conn.data_to_send())
        status = 0
        while True:
            data = self.sock.recv(65536)
            if not data:
                return 0
            for event in self.conn.receive_data(data):
                if isinstance(event, h2.events.ResponseReceived) and event.stream_id == stream_id:
                    status = int(dict(event.headers)[":status"])
                elif isinstance(event, h2.events.DataReceived):
                    self.conn.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
                elif isinstance(event, h2.events.StreamEnded) and event.stream_id == stream_id:
                    self.sock.sendall(self.conn.data_to_send())
                    return status
                elif isinstance(event, (h2.events.StreamReset, h2.events.ConnectionTerminated)):
                    return 0
            pending = self.conn.data_to_send()
            if pending:
                self.sock.sendall(pending)


def open_idle(port, path, n, pid, proto, wait):
    """N connections, one request each, then idle for `wait` s: (clients, RSS before, after)."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE  # the bench's own throwaway certificate
    context.set_alpn_protocols([proto])
    client = {"http/1.1": Http1, "h2": Http2}[proto]
    rss_before = vm_rss_kb(pid)
    clients = []
    for _ in range(n):
        try:
            raw = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT_S)
            sock = context.wrap_socket(raw, server_hostname="localhost")
            if sock.selected_alpn_protocol() != proto:
                sock.close()
                continue
            c = client(sock, path)
            if 200 <= c.get() < 300:
                clients.append(c)
            else:
                sock.close()
        except (OSError, ValueError, KeyError):
            pass
    time.sleep(wait)
    return clients, rss_before, vm_rss_kb(pid)


def main():
    port, path, n, pid = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    protos = sys.argv[5].split(",")
    wait = float(sys.argv[6]) if len(sys.argv) > 6 else 3.0
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = min(hard, len(protos) * n + 64) if hard != resource.RLIM_INFINITY else len(protos) * n + 64
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    # Each protocol's connections stay open while the next are measured: memory the first set
    # gave back cannot make the second look cheaper.
    everyone = []
    for proto in protos:
        clients, rss_before, rss_after = open_idle(port, path, n, pid, proto, wait)
        everyone += clients
        per_conn = (rss_after - rss_before) * 1024 / len(clients) if clients else 0
        served = 0
        for c in clients:
            try:
                served += 1 if 200 <= c.get() < 300 else 0
            except (OSError, ValueError, KeyError):
                pass
        print(f"proto={proto} opened={len(clients)} rss_before_kb={rss_before} rss_after_kb={rss_after} "
              f"bytes_per_conn={per_conn:.0f} served={served}", flush=True)
    for c in everyone:
        c.sock.close()


if __name__ == "__main__":
    main()
