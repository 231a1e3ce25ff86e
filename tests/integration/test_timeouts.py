"""Connection deadlines: whole request head (slowloris), idle keep-alive, whole body, send
progress (slow reader). The server runs with 1-2 s deadlines; assertions use generous bounds
(a lower bound of 0.5 s to catch "closed at once", an upper bound of 5 s).

A lower bound is measured from a moment that precedes the start of the server's deadline (before
the connect for the head deadline, which runs from the accept; before sending the head for the
body deadline; before sending the request for the idle deadline, which runs from the response),
so a client that is itself slow to get going cannot make the server's wait look short. The upper
bound is measured from the later moment the client starts waiting."""

import os
import select
import socket
import time
import unittest

from ferry_harness import (FerryTestCase, Reader, assert_error_response, build_request)

A_TXT = b"alpha file\n"
BIG_SIZE = 64 * 1024 * 1024
UPPER = 5.0
LOWER = 0.5


def trickle(sock, data, interval=0.2, limit=8.0):
    """Sends `data` one byte every `interval` until the server writes or closes (the socket
    becomes readable) or `limit` seconds pass. Returns seconds from the first byte."""
    start = time.monotonic()
    for i in range(len(data)):
        try:
            sock.send(data[i:i + 1])
        except (BrokenPipeError, ConnectionResetError):
            break
        readable, _, _ = select.select([sock], [], [], interval)
        if readable or time.monotonic() - start > limit:
            break
    else:
        select.select([sock], [], [], limit - (time.monotonic() - start))
    return time.monotonic() - start


def wait_closed(reader, timeout=UPPER + 3):
    """Seconds until the peer closes with no bytes, or None if bytes came or it stayed open."""
    start = time.monotonic()
    closed = reader.closed(timeout)
    return time.monotonic() - start if closed else None


def server_side_state(server_port, client_port):
    """The TCP state (hex string) of the server's end of a loopback connection from
    /proc/net/tcp, or None when the kernel no longer lists it."""
    want_local = ":%04X" % server_port
    want_remote = ":%04X" % client_port
    with open("/proc/net/tcp") as f:
        next(f)
        for line in f:
            fields = line.split()
            if fields[1].endswith(want_local) and fields[2].endswith(want_remote):
                return fields[3]
    return None


class TimeoutsTest(FerryTestCase):
    files = {"index.html": "<p>i</p>\n", "a.txt": A_TXT}
    config = """
[timeouts]
request_head = "1s"
idle = "1s"
body = "1s"
send = "2s"
"""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        with open(os.path.join(cls.root, "big.bin"), "wb") as f:
            f.truncate(BIG_SIZE)  # sparse

    def expect_408_then_close(self, sock, since_before, elapsed):
        """`since_before`: seconds from before the deadline started until the 408 was seen;
        `elapsed`: seconds the client waited for it."""
        r = Reader(sock)
        resp = r.read_response()
        assert_error_response(self, resp, 408)
        self.assertEqual(resp.header("Connection", "").lower(), "close", resp)
        self.assertTrue(r.closed(), "connection kept open after 408")
        self.assertGreaterEqual(since_before, LOWER, "cut too early")
        self.assertLessEqual(elapsed, UPPER, "not cut at the deadline")

    def test_slowloris_head_is_cut_with_408(self):
        before = time.monotonic()  # the head deadline runs from the accept
        s = self.server.connect(timeout=10)
        try:
            elapsed = trickle(s, b"GET /a.txt HTTP/1.1\r\nHost: localhost\r\nX-Slow: " + b"a" * 100)
            self.expect_408_then_close(s, time.monotonic() - before, elapsed)
        finally:
            s.close()

    def test_slowloris_on_keepalive_connection(self):
        # The head deadline also applies to the second request of a connection.
        s = self.server.connect(timeout=10)
        try:
            s.sendall(build_request("GET", "/a.txt"))
            r = Reader(s)
            self.assertEqual(r.read_response().status, 200)
            # The head deadline of a later request runs from its first byte: the trickle's start.
            elapsed = trickle(s, b"GET /a.txt HTTP/1.1\r\nHost: localhost\r\nX-Slow: " + b"a" * 100)
            resp = r.read_response()
            assert_error_response(self, resp, 408)
            self.assertTrue(r.closed())
            self.assertGreaterEqual(elapsed, LOWER)
            self.assertLessEqual(elapsed, UPPER)
        finally:
            s.close()

    def test_partial_head_then_silence_is_408(self):
        before = time.monotonic()  # the head deadline runs from the accept
        s = self.server.connect(timeout=10)
        try:
            s.sendall(b"GET /a.txt HTTP/1.1\r\nHost: loc")
            start = time.monotonic()
            select.select([s], [], [], UPPER + 3)
            end = time.monotonic()
            self.expect_408_then_close(s, end - before, end - start)
        finally:
            s.close()

    def test_silent_connection_closed_without_bytes(self):
        before = time.monotonic()  # the head deadline runs from the accept
        s = self.server.connect(timeout=10)
        try:
            elapsed = wait_closed(Reader(s))
            self.assertIsNotNone(elapsed, "a connection that sent nothing was not closed silently")
            self.assertGreaterEqual(time.monotonic() - before, LOWER)
            self.assertLessEqual(elapsed, UPPER)
        finally:
            s.close()

    def test_idle_keepalive_closed_silently(self):
        s = self.server.connect(timeout=10)
        try:
            before = time.monotonic()  # the idle deadline runs from the response, sent after this
            s.sendall(build_request("GET", "/a.txt"))
            r = Reader(s)
            resp = r.read_response()
            self.assertEqual(resp.status, 200)
            self.assertNotEqual(resp.header("Connection", "").lower(), "close")
            elapsed = wait_closed(r)
            self.assertIsNotNone(elapsed, "idle keep-alive connection not closed silently")
            self.assertGreaterEqual(time.monotonic() - before, LOWER)
            self.assertLessEqual(elapsed, UPPER)
        finally:
            s.close()

    def test_request_paced_within_deadline_is_served(self):
        # Three pieces 100 ms apart: well inside the 1 s head deadline.
        s = self.server.connect(timeout=10)
        try:
            raw = build_request("GET", "/a.txt", headers=[("Host", "localhost"), ("Connection", "close")])
            for piece in (raw[:10], raw[10:30], raw[30:]):
                s.sendall(piece)
                time.sleep(0.1)  # pacing, not synchronisation
            resp = Reader(s).read_response()
            self.assertEqual(resp.status, 200)
            self.assertEqual(resp.body, A_TXT)
        finally:
            s.close()

    def test_partial_body_is_408(self):
        s = self.server.connect(timeout=10)
        try:
            before = time.monotonic()  # the body deadline runs from the end of the head
            s.sendall(build_request("GET", "/a.txt", headers=[("Host", "localhost"), ("Content-Length", "100")],
                                    body=b"0123456789"))
            start = time.monotonic()
            select.select([s], [], [], UPPER + 3)
            end = time.monotonic()
            self.expect_408_then_close(s, end - before, end - start)
        finally:
            s.close()

    def test_trickled_body_is_cut_at_whole_body_deadline(self):
        s = self.server.connect(timeout=10)
        try:
            before = time.monotonic()  # the body deadline runs from the end of the head
            s.sendall(build_request("GET", "/a.txt", headers=[("Host", "localhost"), ("Content-Length", "100")]))
            elapsed = trickle(s, b"b" * 100)
            self.expect_408_then_close(s, time.monotonic() - before, elapsed)
        finally:
            s.close()

    def test_partial_chunked_body_is_408(self):
        s = self.server.connect(timeout=10)
        try:
            before = time.monotonic()  # the body deadline runs from the end of the head
            s.sendall(build_request("GET", "/a.txt", headers=[("Host", "localhost"),
                                                              ("Transfer-Encoding", "chunked")], body=b"a\r\n01234"))
            start = time.monotonic()
            select.select([s], [], [], UPPER + 3)
            end = time.monotonic()
            self.expect_408_then_close(s, end - before, end - start)
        finally:
            s.close()

    def test_slow_reader_is_disconnected(self):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 * 1024)  # before connect: small window
        s.settimeout(10)
        s.connect((self.server.host, self.server.port))
        try:
            s.sendall(build_request("GET", "/big.bin"))
            client_port = s.getsockname()[1]
            self.assertEqual(server_side_state(self.server.port, client_port), "01",
                             "cannot find the server's end in /proc/net/tcp")
            # Never read. Wait (bounded) until the server's end leaves ESTABLISHED ("01").
            deadline = time.monotonic() + 20
            state = "01"
            while time.monotonic() < deadline:
                state = server_side_state(self.server.port, client_port)
                if state != "01":
                    break
                time.sleep(0.1)  # polling /proc, bounded by the deadline
            self.assertNotEqual(state, "01", "server kept a non-reading client for 20 s")
            # Whatever was queued drains, then EOF: never the whole 64 MiB.
            got = 0
            s.settimeout(10)
            while True:
                try:
                    data = s.recv(1 << 20)
                except ConnectionResetError:
                    break
                if not data:
                    break
                got += len(data)
            self.assertLess(got, BIG_SIZE, "the whole file was sent to a client that did not read")
        finally:
            s.close()


    def test_pipelining_client_that_never_reads_is_disconnected(self):
        # Requests keep coming, answers pile up unread: the server stops reading once its writes
        # wait, holds at most one batch of answers, and the send deadline ends the connection.
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        s.connect((self.server.host, self.server.port))
        s.setblocking(False)
        client_port = s.getsockname()[1]
        batch = build_request("GET", "/a.txt") * 64
        sent, state = 0, "01"
        deadline = time.monotonic() + 20
        try:
            while time.monotonic() < deadline:
                try:
                    sent += s.send(batch)
                except BlockingIOError:
                    time.sleep(0.05)  # the server has stopped reading: so do we, briefly
                except (ConnectionResetError, BrokenPipeError):
                    pass  # the server closed: its end is gone or closing
                state = server_side_state(self.server.port, client_port)
                if state != "01":
                    break
            self.assertNotEqual(state, "01", "server kept a pipelining client that never reads for 20 s")
            self.assertGreater(sent, 100 * len(batch) // 64, "the client could not even send 100 requests")
        finally:
            s.close()


class DefaultTimeoutsTest(FerryTestCase):
    """With default timeouts (10 s head, 60 s idle) nothing is cut within a few seconds."""

    files = {"a.txt": A_TXT}

    def test_slow_but_steady_request_is_served(self):
        s = self.server.connect(timeout=10)
        try:
            raw = build_request("GET", "/a.txt", headers=[("Host", "localhost"), ("Connection", "close")])
            start = time.monotonic()
            for i in range(0, len(raw), 4):
                s.sendall(raw[i:i + 4])
                time.sleep(0.1)  # pacing
            self.assertLess(time.monotonic() - start, 5)
            resp = Reader(s).read_response()
            self.assertEqual(resp.status, 200)
            self.assertEqual(resp.body, A_TXT)
        finally:
            s.close()

    def test_keepalive_survives_two_seconds_idle(self):
        s = self.server.connect(timeout=10)
        try:
            s.sendall(build_request("GET", "/a.txt"))
            r = Reader(s)
            self.assertEqual(r.read_response().status, 200)
            self.assertFalse(r.closed(timeout=2.0), "closed well before the default idle timeout")
            s.sendall(build_request("GET", "/a.txt", headers=[("Host", "localhost"), ("Connection", "close")]))
            self.assertEqual(r.read_response().body, A_TXT)
        finally:
            s.close()


if __name__ == "__main__":
    unittest.main()
