"""Tenant isolation under load: a virtual host's `max_inflight` and `max_connections` caps keep
one tenant's flood out of the worker's shared admission, so another tenant keeps being served.

Tenant A's clients ask for a large file and stall (a tiny receive buffer, nothing read), so
every request they get admitted stays in flight; they retry at once when refused. With the
worker's admission at 16 in flight and a queue of 8, A alone fills it — the control case shows
tenant B then gets 503s. With caps on A, B sees none. B's latency is printed, never asserted
(timings do not make a test pass or fail here)."""

import os
import re
import shutil
import socket
import statistics
import threading
import time
import unittest

from ferry_harness import Server, has_module, make_root, request_once, toml_string

BIG = 32 << 20  # larger than any socket buffers on the path: a stalled reader keeps it in flight
FLOOD_CONNECTIONS = 48
STEADY_SECONDS = 2.0


def config_for(root_a, root_b, caps):
    return """
workers = 1

[admission]
adaptive = false
max_inflight = 16
queue_size = 8
queue_timeout = "3s"

[[vhosts]]
name = "flooded"
server_names = ["a.test"]
root = {a}
{caps}

[[vhosts]]
name = "steady"
server_names = ["b.test"]
root = {b}
""".format(a=toml_string(root_a), b=toml_string(root_b), caps=caps)


def read_head(sock):
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(4096)
        if not chunk:
            raise ConnectionError("closed")
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    return head, rest


def content_length(head):
    return int([l for l in head.split(b"\r\n") if l.lower().startswith(b"content-length:")][0].split(b":")[1])


def skip_body(sock, rest, length):
    """Reads (and drops) the rest of a body whose first bytes were `rest`."""
    received = len(rest)
    while received < length:
        chunk = sock.recv(1 << 16)
        if not chunk:
            raise ConnectionError("closed")
        received += len(chunk)


class TenantAClients:
    """`connections` threads, each on a keep-alive connection to tenant A with a receive buffer
    of `rcvbuf` bytes, running exchange(sock) until it returns False (then a new connection)
    or the flood stops."""

    def __init__(self, server, connections, rcvbuf):
        self.server = server
        self.rcvbuf = rcvbuf
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self.run, daemon=True) for _ in range(connections)]

    def exchange(self, sock):
        raise NotImplementedError

    def run(self):
        while not self.stop.is_set():
            try:
                sock = socket.socket()
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, self.rcvbuf)
                sock.settimeout(5)
                sock.connect((self.server.host, self.server.port))
            except OSError:
                continue
            with sock:
                try:
                    while not self.stop.is_set() and self.exchange(sock):
                        pass
                except (OSError, ConnectionError, IndexError, ValueError):
                    pass

    def __enter__(self):
        for t in self.threads:
            t.start()
        time.sleep(0.5)  # let the flood take what it can
        return self

    def __exit__(self, *exc):
        self.stop.set()
        for t in self.threads:
            t.join(10)


class Flood(TenantAClients):
    """Connections to tenant A that keep a request for the big file in flight each."""

    def __init__(self, server):
        super().__init__(server, FLOOD_CONNECTIONS, 4096)
        self.refused = 0

    def exchange(self, sock):
        sock.sendall(b"GET /big.bin HTTP/1.1\r\nHost: a.test\r\n\r\n")
        head, rest = read_head(sock)
        if b" 503 " not in head.split(b"\r\n")[0]:
            self.stop.wait(STEADY_SECONDS * 3)  # admitted: stall, holding the slot
            return False
        with self.lock:
            self.refused += 1
        skip_body(sock, rest, content_length(head))
        return b"connection: close" not in head.lower()


def steady_load(server, seconds):
    """Tenant B: two keep-alive clients asking for a small file; returns (statuses, latencies)."""
    statuses, latencies = [], []
    lock = threading.Lock()
    end = time.monotonic() + seconds

    def client():
        sock = socket.create_connection((server.host, server.port), timeout=10)
        with sock:
            while time.monotonic() < end:
                start = time.perf_counter()
                sock.sendall(b"GET /small.txt HTTP/1.1\r\nHost: b.test\r\n\r\n")
                head, rest = read_head(sock)
                skip_body(sock, rest, content_length(head))
                with lock:
                    statuses.append(int(head.split(b" ")[1]))
                    latencies.append(time.perf_counter() - start)
                if b"connection: close" in head.lower():
                    return

    threads = [threading.Thread(target=client) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(seconds + 15)
    return statuses, latencies


def steady_load_h2(server, seconds):
    """Tenant B over HTTP/2: one request at a time as streams of one h2c connection."""
    from protocol_clients import h2_exchange, open_h2
    statuses, latencies = [], []
    end = time.monotonic() + seconds
    sock, conn = open_h2(server, "h2c")
    with sock:
        while time.monotonic() < end:
            start = time.perf_counter()
            response = h2_exchange(sock, conn, [("GET", "/small.txt", [])], authority="b.test")[0]
            latencies.append(time.perf_counter() - start)
            statuses.append(response.status)
    return statuses, latencies


def p99(values):
    return statistics.quantiles(values, n=100)[98] if len(values) >= 100 else max(values)


class TwoTenantsTestCase(unittest.TestCase):
    """Tenant A's root (a small file and two sparse large ones) and tenant B's."""

    @classmethod
    def setUpClass(cls):
        cls.root_a = make_root({"small.txt": "a\n"})
        for name, size in (("big.bin", BIG), ("medium.bin", 8 << 20)):
            with open(os.path.join(cls.root_a, name), "wb") as f:
                f.truncate(size)  # sparse: a stalled reader keeps a request for it in flight
        cls.root_b = make_root({"small.txt": "b\n"})

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.root_a, ignore_errors=True)
        shutil.rmtree(cls.root_b, ignore_errors=True)


class TenantIsolationTest(TwoTenantsTestCase):
    def run_scenario(self, caps):
        with Server(self.root_b, config_for(self.root_a, self.root_b, caps)) as srv:
            quiet_statuses, quiet = steady_load(srv, 1.0)
            self.assertEqual(set(quiet_statuses), {200})
            with Flood(srv) as flood:
                statuses, loaded = steady_load(srv, STEADY_SECONDS)
            print("\n  caps=%r: B unloaded p99 %.2f ms, under A's flood p99 %.2f ms (%d requests, %d 503s); "
                  "A refused %d times" % (caps.replace("\n", " "), p99(quiet) * 1e3, p99(loaded) * 1e3, len(statuses),
                                          statuses.count(503), flood.refused))
            metrics = request_once(srv, b"GET /metrics HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
            return statuses, flood.refused, metrics.body.decode()

    def test_control_without_caps_the_flood_starves_the_other_tenant(self):
        statuses, _, _ = self.run_scenario("")
        self.assertIn(503, statuses, "the flood should fill the worker's admission without tenant caps")

    def test_caps_keep_the_other_tenant_served(self):
        statuses, refused, metrics = self.run_scenario("max_inflight = 6\nmax_connections = 32")
        self.assertGreater(len(statuses), 0)
        self.assertEqual(set(statuses), {200})
        self.assertGreater(refused, 0)
        if has_module("metrics"):
            m = re.search(r'^ferry_vhost_refused_total\{vhost="flooded"\} (\d+)$', metrics, re.M)
            self.assertIsNotNone(m)
            self.assertGreater(int(m.group(1)), 0)
            self.assertNotIn('ferry_vhost_refused_total{vhost="steady"} 1', metrics)


@unittest.skipUnless(has_module("http2"), "needs the http2 module")
class TenantCapsOverHttp2Test(TwoTenantsTestCase):
    def test_in_flight_cap_refuses_the_streams_beyond_it(self):
        import h2.config
        import h2.connection
        import h2.events
        with Server(self.root_b, config_for(self.root_a, self.root_b, "max_inflight = 3")) as srv:
            sock = socket.create_connection((srv.host, srv.port), timeout=10)
            with sock:
                conn = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True))
                conn.initiate_connection()
                sock.sendall(conn.data_to_send())
                ids = []
                for _ in range(8):  # the default window stalls every big body after 64 KiB
                    i = conn.get_next_available_stream_id()
                    ids.append(i)
                    conn.send_headers(i, [(":method", "GET"), (":path", "/big.bin"), (":scheme", "http"),
                                          (":authority", "a.test")], end_stream=True)
                sent_at = time.monotonic()
                sock.sendall(conn.data_to_send())
                statuses = {}
                deadline = time.monotonic() + 10
                while len(statuses) < len(ids) and time.monotonic() < deadline:
                    for event in conn.receive_data(sock.recv(65536)):
                        if isinstance(event, h2.events.ResponseReceived):
                            statuses[event.stream_id] = int(dict(event.headers)[b":status"])
                    pending = conn.data_to_send()
                    if pending:
                        sock.sendall(pending)
                self.assertEqual(sorted(statuses.values()), [200] * 3 + [503] * 5)
                # Five refusals in a row: the connection is not read for 160 ms after them
                # (tenant_admission::rest_after), so even another host's stream waits.
                i = conn.get_next_available_stream_id()
                conn.send_headers(i, [(":method", "GET"), (":path", "/small.txt"), (":scheme", "http"),
                                      (":authority", "b.test")], end_stream=True)
                sock.sendall(conn.data_to_send())
                answered = None
                while answered is None and time.monotonic() < deadline + 5:
                    for event in conn.receive_data(sock.recv(65536)):
                        if isinstance(event, h2.events.ResponseReceived) and event.stream_id == i:
                            answered = int(dict(event.headers)[b":status"])
                    pending = conn.data_to_send()
                    if pending:
                        sock.sendall(pending)
                self.assertEqual(answered, 200)
                self.assertGreaterEqual(time.monotonic() - sent_at, 0.9 * 0.160)
            # Another tenant on a fresh connection is unaffected.
            other = socket.create_connection((srv.host, srv.port), timeout=10)
            with other:
                other.sendall(b"GET /small.txt HTTP/1.1\r\nHost: b.test\r\nConnection: close\r\n\r\n")
                self.assertTrue(read_head(other)[0].startswith(b"HTTP/1.1 200"))

    def test_connection_cap_refuses_the_next_connection_with_goaway(self):
        import h2.config
        import h2.connection
        import h2.events
        with Server(self.root_b, config_for(self.root_a, self.root_b, "max_connections = 1")) as srv:
            def open_h2c():
                sock = socket.create_connection((srv.host, srv.port), timeout=10)
                conn = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True))
                conn.initiate_connection()
                conn.send_headers(1, [(":method", "GET"), (":path", "/small.txt"), (":scheme", "http"),
                                      (":authority", "a.test")], end_stream=True)
                sock.sendall(conn.data_to_send())
                return sock, conn

            def events(sock, conn, until):
                """Events received until `until(events)` holds, the peer closes or 5 s pass."""
                seen = []
                deadline = time.monotonic() + 5
                while not until(seen) and time.monotonic() < deadline:
                    try:
                        data = sock.recv(65536)
                    except socket.timeout:
                        continue
                    if not data:
                        break
                    seen += conn.receive_data(data)
                return seen

            def statuses(seen):
                return [int(dict(e.headers)[b":status"]) for e in seen if isinstance(e, h2.events.ResponseReceived)]

            def ended(seen):
                return any(isinstance(e, h2.events.StreamEnded) for e in seen)

            first, first_conn = open_h2c()
            with first:
                first.settimeout(0.5)
                self.assertEqual(statuses(events(first, first_conn, ended)), [200])
                # The first connection still holds tenant A's only connection slot.
                second, second_conn = open_h2c()
                with second:
                    second.settimeout(0.5)
                    seen = events(second, second_conn,
                                  lambda s: ended(s) and any(isinstance(e, h2.events.ConnectionTerminated) for e in s))
                    self.assertEqual(statuses(seen), [503])
                    self.assertTrue(any(isinstance(e, h2.events.ConnectionTerminated) for e in seen))


class FloodOfTransfers(TenantAClients):
    """Tenant A's clients each download an 8 MiB file over and over through a small receive
    buffer, reading it all: every transfer takes the worker many turns, so A alone keeps the
    worker's admission full."""

    def __init__(self, server, connections=48):
        super().__init__(server, connections, 1 << 16)
        self.statuses = []

    def exchange(self, sock):
        sock.sendall(b"GET /medium.bin HTTP/1.1\r\nHost: a.test\r\n\r\n")
        head, rest = read_head(sock)
        skip_body(sock, rest, content_length(head))
        with self.lock:
            self.statuses.append(int(head.split(b" ")[1]))
        return b"connection: close" not in head.lower()


class FairShareTest(TwoTenantsTestCase):
    """[admission] fair_share without any per-host cap: while the worker is full, a tenant past
    its share of the limit is refused instead of queued, so another tenant's requests wait only
    for the next free slot."""

    def run_scenario(self, fair_share, steady=steady_load):
        config = config_for(self.root_a, self.root_b, "").replace(
            "[admission]\n", "[admission]\nfair_share = %s\n" % ("true" if fair_share else "false"))
        with Server(self.root_b, config) as srv:
            with FloodOfTransfers(srv) as flood:
                statuses, latencies = steady(srv, STEADY_SECONDS)
            print("\n  fair_share=%s (%s): B %d requests, %d 503s, p99 %.2f ms; A %d answers, %d 503s" % (
                fair_share, steady.__name__, len(statuses), statuses.count(503), p99(latencies) * 1e3,
                len(flood.statuses), flood.statuses.count(503)))
            return statuses, flood.statuses

    def test_control_without_fair_share_the_other_tenant_gets_503s(self):
        statuses, _ = self.run_scenario(False)
        self.assertIn(503, statuses, "A's transfers should fill the worker's slots and queue")

    def test_fair_share_keeps_the_other_tenant_served(self):
        statuses, flood = self.run_scenario(True)
        self.assertGreater(len(statuses), 0)
        self.assertEqual(set(statuses), {200})
        self.assertIn(503, flood, "A should have been refused past its share")
        self.assertIn(200, flood)

    @unittest.skipUnless(has_module("http2"), "needs the http2 module")
    def test_the_same_over_http2(self):
        """B's requests as streams of one h2c connection: starved without fair shares, all
        served with them."""
        statuses, _ = self.run_scenario(False, steady_load_h2)
        self.assertIn(503, statuses)
        statuses, _ = self.run_scenario(True, steady_load_h2)
        self.assertGreater(len(statuses), 0)
        self.assertEqual(set(statuses), {200})


class RestAfterRefusalTest(TwoTenantsTestCase):
    """A connection refused for its host's cap is not read again at once: 10 ms after the first
    refusal in a row, doubling with each. Lower bounds only (a rest cannot be shorter)."""

    def test_refused_requests_and_connections_wait_longer_each_time(self):
        with Server(self.root_b, config_for(self.root_a, self.root_b, "max_inflight = 1\nmax_connections = 2")) as srv:
            holder = socket.socket()
            holder.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            holder.connect((srv.host, srv.port))
            with holder:
                holder.sendall(b"GET /big.bin HTTP/1.1\r\nHost: a.test\r\n\r\n")
                self.assertIn(b" 200 ", read_head(holder)[0])  # holds A's one request slot
                refused = socket.create_connection((srv.host, srv.port), timeout=5)
                with refused:
                    sent, answered = [], []
                    for _ in range(4):
                        sent.append(time.monotonic())
                        refused.sendall(b"GET /small.txt HTTP/1.1\r\nHost: a.test\r\n\r\n")
                        head, _ = read_head(refused)
                        answered.append(time.monotonic())
                        self.assertIn(b" 503 ", head.split(b"\r\n")[0])
                    # Each later request waited for the rest the previous refusal started: 10, 20,
                    # 40 ms. That rest began after the previous request was sent, so the span from
                    # that send to this answer cannot be shorter, however slow the client is.
                    waits = [answer - send for send, answer in zip(sent, answered[1:])]
                    for wait, rest in zip(waits, (0.010, 0.020, 0.040)):
                        self.assertGreaterEqual(wait, rest, waits)
                    # Both of A's connections are taken now: a third waits before its 503.
                    waits = []
                    for _ in range(3):
                        start = time.monotonic()
                        extra = socket.create_connection((srv.host, srv.port), timeout=5)
                        with extra:
                            extra.sendall(b"GET /small.txt HTTP/1.1\r\nHost: a.test\r\n\r\n")
                            head, _ = read_head(extra)
                        waits.append(time.monotonic() - start)
                        self.assertIn(b" 503 ", head.split(b"\r\n")[0])
                        self.assertIn(b"connection: close", head.lower())
                    for wait, rest in zip(waits, (0.010, 0.020, 0.040)):
                        self.assertGreaterEqual(wait, rest * 0.9, waits)
                # Tenant B is not made to wait by any of it.
                other = socket.create_connection((srv.host, srv.port), timeout=5)
                with other:
                    other.sendall(b"GET /small.txt HTTP/1.1\r\nHost: b.test\r\nConnection: close\r\n\r\n")
                    self.assertTrue(read_head(other)[0].startswith(b"HTTP/1.1 200"))


if __name__ == "__main__":
    unittest.main()
