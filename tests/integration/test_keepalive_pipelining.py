"""Persistent connections, HTTP/1.0 vs 1.1 connection handling, pipelining, requests split
into 1-byte TCP segments, max_keepalive_requests."""

import random
import socket
import time
import unittest

from ferry_harness import (FerryTestCase, Reader, build_request, read_all_responses, send_queue_of)

FILES = {"index.html": "<p>index</p>\n", "a.txt": "alpha file\n"}
for _i in range(10):
    FILES["f%d.txt" % _i] = "file number %d\n" % _i
FILES["page.html"] = "<p>" + "compressible text " * 300 + "</p>\n"
# Copied into the response (up to 16 KiB) and sent with sendfile (larger); not uniform, so a
# misplaced byte shows.
FILES["mid.bin"] = bytes(range(251)) * 60
FILES["big.bin"] = bytes(range(241)) * 800
FILES["huge.bin"] = bytes(range(239)) * 18000  # 4.3 MB: more than a loopback socket queues

CLOSE = [("Host", "localhost"), ("Connection", "close")]


def conn_tokens(resp):
    return [t.strip().lower() for v in resp.header_all("Connection") for t in v.split(",")]


class KeepAliveTest(FerryTestCase):
    files = FILES

    def test_http11_is_persistent_by_default(self):
        s = self.server.connect()
        r = Reader(s)
        try:
            for i in range(3):
                s.sendall(build_request("GET", "/f%d.txt" % i))
                resp = r.read_response()
                self.assertEqual(resp.status, 200)
                self.assertEqual(resp.body, FILES["f%d.txt" % i].encode())
                self.assertNotIn("close", conn_tokens(resp))
            self.assertFalse(r.closed(timeout=0.5))
        finally:
            s.close()

    def test_http11_connection_close(self):
        for value in ("close", "Close", "CLOSE", "keep-alive, close", "foo, close"):
            with self.subTest(value=value):
                s = self.server.connect()
                s.sendall(build_request("GET", "/a.txt", headers=[("Host", "localhost"), ("Connection", value)]))
                r = Reader(s)
                resp = r.read_response()
                self.assertEqual(resp.status, 200)
                self.assertIn("close", conn_tokens(resp))
                self.assertTrue(r.closed(), "not closed after Connection: %s" % value)
                s.close()

    def test_http10_closes_by_default(self):
        s = self.server.connect()
        s.sendall(build_request("GET", "/a.txt", "HTTP/1.0", headers=[]))
        r = Reader(s)
        resp = r.read_response()
        self.assertEqual(resp.status, 200)
        self.assertEqual(resp.body, b"alpha file\n")
        self.assertNotIn("keep-alive", conn_tokens(resp))
        self.assertTrue(r.closed(), "HTTP/1.0 connection kept open without keep-alive")
        s.close()

    def test_http10_keepalive(self):
        s = self.server.connect()
        r = Reader(s)
        try:
            for value in ("keep-alive", "Keep-Alive"):
                s.sendall(build_request("GET", "/a.txt", "HTTP/1.0", headers=[("Connection", value)]))
                resp = r.read_response()
                self.assertEqual(resp.status, 200)
                self.assertEqual(resp.body, b"alpha file\n")
                self.assertIn("keep-alive", conn_tokens(resp))
                self.assertIsNotNone(resp.header("Content-Length"))
            s.sendall(build_request("GET", "/f1.txt", "HTTP/1.0", headers=[]))
            resp = r.read_response()
            self.assertEqual(resp.body, b"file number 1\n")
            self.assertTrue(r.closed())
        finally:
            s.close()

    def test_http10_response_is_never_chunked(self):
        # RFC 9112 section 6.1: chunked must not be sent to an HTTP/1.0 client; no on-the-fly
        # compression on 1.0 (contract), so the length is known.
        body = FILES["page.html"].encode()
        for conn in ([], [("Connection", "keep-alive")]):
            with self.subTest(conn=conn):
                s = self.server.connect()
                s.sendall(build_request("GET", "/page.html", "HTTP/1.0",
                                        headers=[("Accept-Encoding", "gzip, br")] + conn))
                r = Reader(s)
                resp = r.read_response()
                s.close()
                self.assertEqual(resp.status, 200)
                self.assertIsNone(resp.header("Transfer-Encoding"), resp)
                self.assertIsNone(resp.header("Content-Encoding"), resp)
                self.assertEqual(resp.header("Content-Length"), str(len(body)))
                self.assertEqual(resp.body, body)

    def test_error_response_keeps_connection(self):
        s = self.server.connect()
        r = Reader(s)
        try:
            s.sendall(build_request("GET", "/missing.txt"))
            self.assertEqual(r.read_response().status, 404)
            s.sendall(build_request("GET", "/a.txt"))
            resp = r.read_response()
            self.assertEqual(resp.status, 200)
            self.assertEqual(resp.body, b"alpha file\n")
        finally:
            s.close()

    def test_pipelined_ten_requests_in_one_send(self):
        raw = b"".join(build_request("GET", "/f%d.txt" % i) for i in range(9))
        raw += build_request("GET", "/f9.txt", headers=CLOSE)
        s = self.server.connect()
        s.sendall(raw)
        resps = read_all_responses(Reader(s))
        s.close()
        self.assertEqual([r.body for r in resps], [FILES["f%d.txt" % i].encode() for i in range(10)])
        self.assertTrue(all(r.status == 200 for r in resps))

    def test_pipelined_mixed_methods_and_statuses(self):
        reqs = [("GET", "/f0.txt"), ("HEAD", "/f1.txt"), ("GET", "/missing"), ("OPTIONS", "*"),
                ("DELETE", "/f2.txt"), ("GET", "/f3.txt"), ("HEAD", "/missing"), ("GET", "/f4.txt")]
        raw = b"".join(build_request(m, t) for m, t in reqs[:-1])
        raw += build_request(reqs[-1][0], reqs[-1][1], headers=CLOSE)
        s = self.server.connect()
        s.sendall(raw)
        heads = {i for i, (m, _) in enumerate(reqs) if m == "HEAD"}
        resps = read_all_responses(Reader(s), heads)
        s.close()
        self.assertEqual([r.status for r in resps], [200, 200, 404, 204, 405, 200, 404, 200])
        self.assertEqual(resps[0].body, b"file number 0\n")
        self.assertEqual(resps[1].body, b"")
        self.assertEqual(resps[1].header("Content-Length"), str(len(b"file number 1\n")))
        self.assertEqual(resps[5].body, b"file number 3\n")
        self.assertEqual(resps[7].body, b"file number 4\n")

    def test_pipeline_stops_at_connection_close(self):
        raw = (build_request("GET", "/f0.txt") + build_request("GET", "/f1.txt", headers=CLOSE)
               + build_request("GET", "/f2.txt"))
        s = self.server.connect()
        s.sendall(raw)
        resps = read_all_responses(Reader(s))
        s.close()
        self.assertEqual([r.body for r in resps], [b"file number 0\n", b"file number 1\n"])

    def test_many_pipelined_requests(self):
        # More than fits one read: the server keeps going through its buffer in order.
        n = 200
        raw = b"".join(build_request("GET", "/f%d.txt" % (i % 10), headers=[("Host", "localhost"),
                                                                          ("X-N", str(i))]) for i in range(n))
        raw += build_request("GET", "/a.txt", headers=CLOSE)
        s = self.server.connect(timeout=10)
        s.sendall(raw)
        resps = read_all_responses(Reader(s))
        s.close()
        self.assertEqual(len(resps), n + 1)
        self.assertEqual([r.body for r in resps[:n]], [FILES["f%d.txt" % (i % 10)].encode() for i in range(n)])
        self.assertEqual(resps[-1].body, b"alpha file\n")

    def test_request_in_one_byte_segments(self):
        raw = build_request("GET", "/f5.txt", headers=[("Host", "localhost"), ("User-Agent", "slow/1"),
                                                       ("Connection", "close")])
        s = self.server.connect()  # TCP_NODELAY: each send is its own segment
        for i in range(len(raw)):
            s.send(raw[i:i + 1])
        resps = read_all_responses(Reader(s))
        s.close()
        self.assertEqual([(r.status, r.body) for r in resps], [(200, b"file number 5\n")])

    def test_pipelined_requests_with_body_in_one_byte_segments(self):
        body = b"GET /a.txt HTTP/1.1\r\n\r\n"
        raw = (build_request("GET", "/f6.txt", headers=[("Host", "localhost"), ("Content-Length", str(len(body)))],
                             body=body)
               + build_request("GET", "/f7.txt", headers=[("Host", "localhost"), ("Transfer-Encoding", "chunked")],
                               body=b"3\r\nabc\r\n0\r\n\r\n")
               + build_request("GET", "/f8.txt", headers=CLOSE))
        s = self.server.connect()
        for i in range(len(raw)):
            s.send(raw[i:i + 1])
        resps = read_all_responses(Reader(s))
        s.close()
        self.assertEqual([r.body for r in resps], [b"file number 6\n", b"file number 7\n", b"file number 8\n"])

    def test_requests_in_pieces_between_pauses(self):
        # The worker waits for a socket's next bytes without trying it first once a receive
        # found it drained (server/read_edges.hpp): bytes that arrive at any moment, alone or
        # with the next request, must still be seen at once. A missed arrival would leave a
        # request unanswered until its 10 s head timeout, past this client's 3 s.
        rng = random.Random(7)
        s = self.server.connect(timeout=3.0)
        r = Reader(s)
        try:
            sent = 0
            for i in range(150):
                raw = build_request("GET", "/f%d.txt" % (i % 10))
                if rng.random() < 0.2:  # two requests in one go
                    raw += build_request("GET", "/f%d.txt" % ((i + 1) % 10))
                cuts = sorted(rng.sample(range(1, len(raw)), rng.randint(0, 3)))
                for start, end in zip([0] + cuts, cuts + [len(raw)]):
                    s.sendall(raw[start:end])
                    time.sleep(rng.choice((0, 0, 0.0002, 0.001, 0.003)))
                expected = raw.count(b"GET ")
                for k in range(expected):
                    self.assertEqual(r.read_response().body, FILES["f%d.txt" % ((i + k) % 10)].encode(),
                                     "round %d" % i)
                sent += expected
            self.assertGreater(sent, 150)
        finally:
            s.close()

    def test_requests_sent_while_reading(self):
        # The next request goes out before the previous response is read: order is kept.
        s = self.server.connect()
        r = Reader(s)
        try:
            s.sendall(build_request("GET", "/f0.txt"))
            for i in range(1, 10):
                s.sendall(build_request("GET", "/f%d.txt" % i))
                self.assertEqual(r.read_response().body, FILES["f%d.txt" % (i - 1)].encode())
            self.assertEqual(r.read_response().body, b"file number 9\n")
        finally:
            s.close()


class PipelinedBatchTest(FerryTestCase):
    """Answers to pipelined requests leave together (one send per batch): never held back
    waiting for input, never out of order, never lost when the client reads slowly."""
    files = FILES

    def test_answers_leave_before_a_partial_request_completes(self):
        s = self.server.connect()
        r = Reader(s)
        try:
            s.sendall(b"".join(build_request("GET", "/f%d.txt" % i) for i in range(3))
                      + b"GET /f3.txt HTTP/1.1\r\nHo")
            # Held back for a batch, these three would wait for the fourth request forever.
            self.assertEqual([r.read_response().body for _ in range(3)],
                             [FILES["f%d.txt" % i].encode() for i in range(3)])
            s.sendall(b"st: localhost\r\nConnection: close\r\n\r\n")
            self.assertEqual([x.body for x in read_all_responses(r)], [b"file number 3\n"])
        finally:
            s.close()

    def test_interim_100_follows_the_answers_before_it(self):
        s = self.server.connect()
        r = Reader(s)
        try:
            s.sendall(build_request("GET", "/f0.txt") + build_request("GET", "/f1.txt")
                      + b"GET /a.txt HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n")
            self.assertEqual([r.read_response().body for _ in range(2)], [b"file number 0\n", b"file number 1\n"])
            self.assertEqual(r.read_until(b"\r\n\r\n"), b"HTTP/1.1 100 Continue\r\n\r\n")
            s.sendall(b"hello" + build_request("GET", "/f2.txt", headers=CLOSE))
            self.assertEqual([x.body for x in read_all_responses(r)], [b"alpha file\n", b"file number 2\n"])
        finally:
            s.close()

    def test_batches_to_a_client_that_reads_slowly(self):
        # A small receive window and a pause before reading: the server's sends fill up and wait,
        # in the middle of a batch and with a batch left over when the input runs out.
        names = ["mid.bin", "f1.txt", "big.bin", "page.html", "mid.bin", "missing", "f2.txt"] * 12
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        s.settimeout(10)
        s.connect((self.server.host, self.server.port))
        r = Reader(s)
        try:
            s.sendall(b"".join(build_request("GET", "/" + n) for n in names) + b"GET /f4.txt HTTP/1.1\r\n")
            time.sleep(0.5)
            resps = [r.read_response() for _ in names]
            expected = [FILES[n] if isinstance(FILES[n], bytes) else FILES[n].encode() for n in names if n != "missing"]
            self.assertEqual([x.body for x in resps if x.status == 200], expected)
            self.assertEqual([x.status for x in resps].count(404), names.count("missing"))
            s.sendall(b"Host: localhost\r\nConnection: close\r\n\r\n")
            self.assertEqual([x.body for x in read_all_responses(r)], [b"file number 4\n"])
        finally:
            s.close()


    def slow_client(self):
        """A client with a tiny receive window: what the server sends piles up in its socket."""
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 2048)
        s.settimeout(10)
        s.connect((self.server.host, self.server.port))
        return s

    def settled_send_queue(self, s):
        """The server's send queue towards `s` once it stops growing (the server stopped writing)."""
        port, queued, deadline = s.getsockname()[1], None, time.monotonic() + 5
        while time.monotonic() < deadline:
            time.sleep(0.05)
            now = send_queue_of(self.server.port, port)
            if now is not None and now == queued:
                break
            queued = now
        return queued or 0

    def test_held_answers_wait_for_room_in_the_socket(self):
        # How much a connection queues: a download larger than that, never read.
        with self.slow_client() as probe:
            probe.sendall(build_request("GET", "/huge.bin"))
            capacity = self.settled_send_queue(probe)
        self.assertGreater(capacity, 100000)
        huge = FILES["huge.bin"]
        s = self.slow_client()
        r = Reader(s)
        try:
            # A response that leaves 16 KiB free, then a batch of about 31 KiB held back until the
            # next request is complete: it finds the socket full and has to wait for room.
            end = min(capacity - 16 * 1024, len(huge) - 1)
            s.sendall(build_request("GET", "/huge.bin", headers=[("Host", "x"), ("Range", "bytes=0-%d" % end)]))
            self.settled_send_queue(s)
            batch = ["mid.bin", "mid.bin", "f1.txt", "f2.txt"]
            s.sendall(b"".join(build_request("GET", "/" + n) for n in batch) + b"GET /f3.txt HTTP/1.1\r\n")
            self.settled_send_queue(s)
            first = r.read_response()
            self.assertEqual((first.status, first.body), (206, huge[:end + 1]))
            self.assertEqual([r.read_response().body for _ in batch],
                             [FILES["mid.bin"], FILES["mid.bin"], b"file number 1\n", b"file number 2\n"])
            s.sendall(b"Host: localhost\r\nConnection: close\r\n\r\n")
            self.assertEqual([x.body for x in read_all_responses(r)], [b"file number 3\n"])
        finally:
            s.close()


class MaxKeepaliveRequestsTest(FerryTestCase):
    files = FILES
    config = """
[limits]
max_keepalive_requests = 3
"""

    def test_last_allowed_response_says_close(self):
        raw = b"".join(build_request("GET", "/f%d.txt" % i) for i in range(5))
        s = self.server.connect()
        s.sendall(raw)
        resps = read_all_responses(Reader(s))
        s.close()
        self.assertEqual([r.body for r in resps], [FILES["f%d.txt" % i].encode() for i in range(3)])
        self.assertNotIn("close", conn_tokens(resps[0]))
        self.assertNotIn("close", conn_tokens(resps[1]))
        self.assertIn("close", conn_tokens(resps[2]))

    def test_counter_is_per_connection(self):
        for _ in range(2):
            s = self.server.connect()
            r = Reader(s)
            try:
                for i in range(3):
                    s.sendall(build_request("GET", "/f%d.txt" % i))
                    resp = r.read_response()
                    self.assertEqual(resp.status, 200)
                self.assertIn("close", conn_tokens(resp))
                self.assertTrue(r.closed())
            finally:
                s.close()


if __name__ == "__main__":
    unittest.main()
