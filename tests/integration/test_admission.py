"""Admission control: a per-worker in-flight limit, a bounded queue, 503 + Retry-After past it.

A request holds its slot until its response has been handed to the kernel, so a client that
asks for a large file and does not read holds one for as long as it likes: that makes the
limit observable without timing races."""

import select
import shutil
import socket
import threading
import time
import unittest

from ferry_harness import (STOP_SIGNAL, FerryTestCase, Reader, Server, build_request, make_root, read_all_responses,
                           rss_kib)

BIG = 16 * 1024 * 1024
FILES = {"big.bin": b"b" * BIG, "small.txt": "small\n", "mid.bin": b"m" * (1 << 20)}


def hold_slot(server):
    """A connection whose GET /big.bin stays in flight: tiny receive buffer, nothing read
    after the head."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.settimeout(5)
    s.connect((server.host, server.port))
    s.sendall(build_request("GET", "/big.bin"))
    reader = Reader(s)
    head = reader.read_until(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200 "), head
    return s


def silent_for(sock, seconds):
    readable, _, _ = select.select([sock], [], [], seconds)
    return not readable


class FixedLimitTest(FerryTestCase):
    files = FILES
    config = """
[admission]
adaptive = false
max_inflight = 2
min_inflight = 1
queue_size = 1
queue_timeout = "5s"
retry_after = "3s"
"""

    def test_queue_then_reject_then_admit_in_order(self):
        holders = [hold_slot(self.server), hold_slot(self.server)]
        waiting = self.server.connect()
        refused = self.server.connect()
        try:
            waiting.sendall(build_request("GET", "/small.txt"))
            self.assertTrue(silent_for(waiting, 0.3), "a request over the limit must wait in the queue")
            # The queue (size 1) is full: refused at once, with Retry-After, and the connection
            # stays usable.
            refused.sendall(build_request("GET", "/small.txt"))
            reader = Reader(refused)
            resp = reader.read_response()
            self.assertEqual(resp.status, 503)
            self.assertEqual(resp.header("retry-after"), "3")
            self.assertNotEqual((resp.header("connection") or "").lower(), "close")
            refused.sendall(build_request("HEAD", "/small.txt"))
            resp = reader.read_response(head_request=True)
            self.assertEqual(resp.status, 503)
            self.assertEqual(resp.body, b"")
            # A slot frees: the waiting request is served.
            holders.pop(0).close()
            resp = Reader(waiting).read_response()
            self.assertEqual(resp.status, 200)
            self.assertEqual(resp.body, b"small\n")
        finally:
            for s in holders + [waiting, refused]:
                s.close()

    def test_pipelined_requests_each_pass_admission(self):
        s = self.server.connect()
        try:
            s.sendall(build_request("GET", "/small.txt") * 5)
            reader = Reader(s)
            statuses = [reader.read_response().status for _ in range(5)]
            self.assertEqual(statuses, [200] * 5)
        finally:
            s.close()

    def test_closed_waiter_does_not_keep_its_place(self):
        holders = [hold_slot(self.server), hold_slot(self.server)]
        try:
            gone = self.server.connect()
            gone.sendall(build_request("GET", "/small.txt"))
            self.assertTrue(silent_for(gone, 0.2))
            gone.close()
            holders.pop().close()
            # The freed slot must not be lost to the departed waiter: a new request is served.
            deadline = time.monotonic() + 5
            while True:
                s = self.server.connect()
                s.sendall(build_request("GET", "/small.txt", headers=[("Host", "x"), ("Connection", "close")]))
                resps = read_all_responses(Reader(s))
                s.close()
                if resps and resps[0].status == 200:
                    break
                self.assertLess(time.monotonic(), deadline, resps)
                time.sleep(0.1)
        finally:
            for s in holders:
                s.close()


class QueueTimeoutTest(FerryTestCase):
    files = FILES
    config = """
[admission]
adaptive = false
max_inflight = 1
min_inflight = 1
queue_size = 4
queue_timeout = "300ms"
"""

    def test_waiting_longer_than_the_queue_timeout_gets_503(self):
        holder = hold_slot(self.server)
        waiting = self.server.connect()
        try:
            started = time.monotonic()
            waiting.sendall(build_request("GET", "/small.txt"))
            resp = Reader(waiting).read_response()
            waited = time.monotonic() - started
            self.assertEqual(resp.status, 503)
            self.assertEqual(resp.header("retry-after"), "1")  # the default
            self.assertGreaterEqual(waited, 0.25)
            # Still held: the next request on the same connection waits again.
            asked = time.monotonic()
            waiting.sendall(build_request("GET", "/small.txt"))
            self.assertTrue(silent_for(waiting, 0.1))
            holder.close()
            reader = Reader(waiting)
            resp = reader.read_response()
            if resp.status == 503:
                # The freed slot should have gone to it, unless the client (or the server) was
                # held up until its 300 ms in the queue ran out: a 503 is right only after that.
                # (FixedLimitTest, with a 5 s queue timeout, admits a waiter without this race.)
                self.assertGreaterEqual(time.monotonic() - asked, 0.3, "refused before its queue timeout")
                waiting.sendall(build_request("GET", "/small.txt"))
                resp = reader.read_response()
            self.assertEqual(resp.status, 200)
        finally:
            holder.close()
            waiting.close()


class DrainWithWaitersTest(unittest.TestCase):
    def test_shutdown_with_a_request_in_flight_and_one_queued(self):
        root = make_root(FILES)
        server = Server(root, """
[admission]
adaptive = false
max_inflight = 1
queue_size = 4

[timeouts]
shutdown_grace = "300ms"
""")
        try:
            holder = hold_slot(server)
            waiting = server.connect()
            waiting.sendall(build_request("GET", "/small.txt"))
            self.assertTrue(silent_for(waiting, 0.2))
            server.signal(STOP_SIGNAL)
            # The grace period ends with both connections closed and a clean exit.
            self.assertEqual(server.proc.wait(10), 0)
            holder.close()
            waiting.close()
        finally:
            server.stop()
            shutil.rmtree(root, ignore_errors=True)


class OverloadTest(FerryTestCase):
    """Many more clients than the limit, each reading 1 MiB responses: every request is answered
    with 200 or 503 + Retry-After, none hangs, and memory stays bounded. (Latency figures come
    from bench/overload.py, never from a test.)"""
    files = FILES
    config = """
[admission]
adaptive = true
max_inflight = 4
min_inflight = 2
queue_size = 8
queue_timeout = "2s"
"""
    clients = 48
    requests_per_client = 4

    def test_every_request_gets_200_or_503(self):
        results = []
        errors = []
        lock = threading.Lock()

        def client():
            try:
                s = self.server.connect(timeout=20)
                reader = Reader(s)
                for _ in range(self.requests_per_client):
                    s.sendall(build_request("GET", "/mid.bin"))
                    resp = reader.read_response()
                    with lock:
                        results.append(resp)
                s.close()
            except Exception as e:  # noqa: BLE001 - any failure is reported below
                with lock:
                    errors.append(repr(e))

        rss_before = rss_kib(self.server.proc.pid)
        threads = [threading.Thread(target=client) for _ in range(self.clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        self.assertFalse(any(t.is_alive() for t in threads), "a client hung")
        self.assertEqual(errors, [])
        self.assertEqual(len(results), self.clients * self.requests_per_client)
        ok = [r for r in results if r.status == 200]
        refused = [r for r in results if r.status == 503]
        self.assertEqual(len(ok) + len(refused), len(results), {r.status for r in results})
        self.assertTrue(ok)
        for r in ok:
            self.assertEqual(len(r.body), 1 << 20)
        for r in refused:
            self.assertEqual(r.header("retry-after"), "1")
        # Bounded: the queue holds at most 8 requests; nothing grows with the offered load.
        self.assertLess(rss_kib(self.server.proc.pid) - rss_before, 64 * 1024)


if __name__ == "__main__":
    unittest.main()
