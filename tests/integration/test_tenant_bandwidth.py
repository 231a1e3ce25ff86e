"""A virtual host's bandwidth cap ([[vhosts]] max_bandwidth): its response bodies leave at most
that many bytes per second, over every protocol and across all of the process's workers and
connections together; other hosts are not paced.

The assertions are lower bounds on how long a transfer takes (a cap that works cannot be beaten),
with a margin for the burst the cap allows; nothing here asserts that anything is fast."""

import os
import shutil
import socket
import threading
import time
import unittest

from ferry_harness import Server, has_module, make_root, metric, request_once, toml_string

FULL = has_module("tls") and has_module("http2")
if FULL:
    from protocol_clients import TRANSPORTS, fetch, h2_exchange, open_h2
    from tls_certs import CertificateAuthority
else:
    TRANSPORTS = ("h1",)

RATE = 256 * 1024  # bytes per second
BIG = 512 * 1024
PART = 128 * 1024
# The cap lets a burst (a tenth of a second's worth, at least 16 KiB) and one piece per sender
# go ahead of the rate: a transfer takes at least this share of bytes / rate.
MARGIN = 0.75


def payload(size, seed):
    return bytes((i * 31 + seed) % 251 for i in range(size))


class TenantBandwidthTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.root_capped = make_root({})
        cls.root_free = make_root({})
        for root in (cls.root_capped, cls.root_free):
            with open(os.path.join(root, "big.bin"), "wb") as f:
                f.write(payload(BIG, 1))
            for i in range(4):
                with open(os.path.join(root, "part%d.bin" % i), "wb") as f:
                    f.write(payload(PART, i))
        cls.default_root = make_root({"index.html": "default\n"})
        config = """
workers = 2

[[vhosts]]
name = "capped"
server_names = ["a.test"]
root = {capped}
max_bandwidth = "{rate}KiB"

[[vhosts]]
name = "free"
server_names = ["b.test"]
root = {free}
""".format(capped=toml_string(cls.root_capped), free=toml_string(cls.root_free), rate=RATE >> 10)
        cls.ca = None
        if FULL:
            cls.ca = CertificateAuthority()
            cert, key = cls.ca.issue("bandwidth", ["localhost", "a.test", "b.test"])
            config += '\n[tls]\nlisten = ["127.0.0.1:0"]\ncertificates = [{ cert = %s, key = %s }]\n' % (
                toml_string(cert), toml_string(key))
        cls.server = Server(cls.default_root, config).__enter__()

    @classmethod
    def tearDownClass(cls):
        try:
            cls.server.__exit__(None, None, None)
        finally:
            for root in (cls.root_capped, cls.root_free, cls.default_root):
                shutil.rmtree(root, ignore_errors=True)
            if cls.ca is not None:
                shutil.rmtree(cls.ca.dir, ignore_errors=True)

    def get(self, transport, target, host):
        if FULL:
            return fetch(self.server, transport, "GET", target, ca_file=self.ca.cert, authority=host,
                         server_name=host)
        raw = "GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n" % (target, host)
        return request_once(self.server, raw.encode(), timeout=30)

    def metric(self, name, vhost):
        scrape = request_once(self.server, b"GET /metrics HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        return metric(scrape.body.decode(), name, vhost=vhost) or 0

    def test_each_protocol_is_paced_to_the_cap(self):
        for t in TRANSPORTS:
            with self.subTest(transport=t):
                start = time.monotonic()
                r = self.get(t, "/big.bin", "a.test")
                elapsed = time.monotonic() - start
                self.assertEqual(r.status, 200)
                self.assertEqual(r.body, payload(BIG, 1))
                self.assertGreaterEqual(elapsed, MARGIN * BIG / RATE, "faster than the cap allows")
                print("\n  %s: %d KiB at a %d KiB/s cap in %.2f s" % (t, BIG >> 10, RATE >> 10, elapsed))

    def test_other_hosts_are_not_paced(self):
        waits_before = self.metric("ferry_vhost_bandwidth_waits_total", "free")
        for t in TRANSPORTS:
            with self.subTest(transport=t):
                r = self.get(t, "/big.bin", "b.test")
                self.assertEqual((r.status, r.body), (200, payload(BIG, 1)))
        if has_module("metrics"):
            self.assertEqual(self.metric("ferry_vhost_bandwidth_waits_total", "free"), waits_before)

    def test_the_cap_is_shared_by_connections_streams_and_workers(self):
        """Two HTTP/1.1 connections (possibly on different workers) and two streams of one h2
        connection at once: together they get the host's rate, not each."""
        results = {}

        def h1(i):
            raw = b"GET /part%d.bin HTTP/1.1\r\nHost: a.test\r\nConnection: close\r\n\r\n" % i
            results[i] = request_once(self.server, raw, timeout=30).body

        def h2(ids):
            sock, conn = open_h2(self.server, "h2c")
            with sock:
                responses = h2_exchange(sock, conn, [("GET", "/part%d.bin" % i, []) for i in ids], timeout=30,
                                        authority="a.test")
            for i, r in zip(ids, responses):
                results[i] = r.body

        threads = [threading.Thread(target=h1, args=(0,)), threading.Thread(target=h1, args=(1,))]
        if FULL:
            threads.append(threading.Thread(target=h2, args=((2, 3),)))
        else:
            threads += [threading.Thread(target=h1, args=(2,)), threading.Thread(target=h1, args=(3,))]
        start = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        elapsed = time.monotonic() - start
        for i in range(4):
            self.assertEqual(results.get(i), payload(PART, i), "part %d" % i)
        self.assertGreaterEqual(elapsed, MARGIN * 4 * PART / RATE, "the streams got more than the host's rate")
        print("\n  4 x %d KiB at once at a %d KiB/s cap: %.2f s" % (PART >> 10, RATE >> 10, elapsed))

    @unittest.skipUnless(has_module("metrics"), "needs the metrics module")
    def test_pauses_are_counted_per_host(self):
        self.get("h1", "/part0.bin", "a.test")
        self.get("h1", "/part1.bin", "a.test")
        self.assertGreater(self.metric("ferry_vhost_bandwidth_waits_total", "capped"), 0)

    def test_a_client_leaving_mid_body_does_not_disturb_the_host(self):
        for _ in range(3):
            sock = socket.create_connection((self.server.host, self.server.port), timeout=10)
            sock.sendall(b"GET /big.bin HTTP/1.1\r\nHost: a.test\r\n\r\n")
            sock.recv(1024)
            sock.close()
        if FULL:
            sock, conn = open_h2(self.server, "h2c")
            conn.send_headers(1, [(":method", "GET"), (":path", "/big.bin"), (":scheme", "http"),
                                  (":authority", "a.test")], end_stream=True)
            sock.sendall(conn.data_to_send())
            sock.recv(1024)
            sock.close()
        r = self.get("h1", "/part2.bin", "b.test")
        self.assertEqual((r.status, r.body), (200, payload(PART, 2)))
        r = self.get("h1", "/part3.bin", "a.test")
        self.assertEqual((r.status, r.body), (200, payload(PART, 3)))


class BandwidthConfigTest(unittest.TestCase):
    def test_bad_values_are_refused(self):
        root = make_root({})
        try:
            for value, needle in (("100", "at least 1KiB"), ('"fast"', "max_bandwidth"), ("-1", "max_bandwidth")):
                config = '[[vhosts]]\nserver_names = ["a.test"]\nroot = %s\nmax_bandwidth = %s\n' % (
                    toml_string(root), value)
                with self.subTest(value=value):
                    with self.assertRaises(RuntimeError) as raised:
                        Server(root, config)
                    self.assertIn(needle, str(raised.exception))
        finally:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    unittest.main()
