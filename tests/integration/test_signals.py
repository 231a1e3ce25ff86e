"""Signals: SIGTERM/SIGINT graceful stop (in-flight downloads finish, listener closes, idle
keep-alive connections close, exit 0) and SIGHUP reload (good config applies without dropping
open connections; bad config keeps the old one and logs "reload failed")."""

import os
import re
import shutil
import signal
import socket
import subprocess
import time
import unittest

from ferry_harness import Reader, Server, build_request, get, make_root

BIG_SIZE = 32 * 1024 * 1024
A_TXT = b"alpha file\n"


class SignalCase(unittest.TestCase):

    def setUp(self):
        self.root = make_root({"index.html": "<p>i</p>\n", "a.txt": A_TXT})
        with open(os.path.join(self.root, "big.bin"), "wb") as f:
            f.truncate(BIG_SIZE)  # sparse
        self.servers = []

    def tearDown(self):
        for srv in self.servers:
            if srv.proc.poll() is None:
                srv.proc.kill()
            srv.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    def start(self, config, expect_errors=()):
        srv = Server(self.root, 'root = "%s"\n' % self.root + config, expect_errors=expect_errors)
        self.servers.append(srv)
        return srv

    def start_download(self, srv):
        """Requests big.bin with a small receive window and reads the head plus a little body.
        Returns (socket, bytes of body already received, Content-Length)."""
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 * 1024)
        s.settimeout(10)
        s.connect((srv.host, srv.port))
        s.sendall(build_request("GET", "/big.bin"))
        r = Reader(s)
        head = r.read_until(b"\r\n\r\n").decode("latin-1")
        self.assertTrue(head.startswith("HTTP/1.1 200 "), head)
        m = re.search(r"\r\ncontent-length:\s*(\d+)\r\n", head, re.I)
        self.assertIsNotNone(m, head)
        length = int(m.group(1))
        self.assertEqual(length, BIG_SIZE)
        got = len(r.buf)
        if got == 0:
            got = len(s.recv(4096))
        return s, got, length

    def drain(self, s, got, length):
        """Reads the rest of the body (counting only); returns the total body bytes."""
        while got < length:
            data = s.recv(1 << 20)
            if not data:
                break
            got += len(data)
        return got

    def wait_exit(self, srv, timeout):
        try:
            return srv.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.fail("ferry still running %.0f s after the signal" % timeout)

    def assert_clean_log(self, srv):
        self.assertEqual(srv.unexpected_errors(), [])


class ShutdownTest(SignalCase):

    def test_sigterm_finishes_inflight_download_then_exits_0(self):
        srv = self.start('[timeouts]\nshutdown_grace = "10s"\n')
        s, got, length = self.start_download(srv)
        try:
            srv.signal(signal.SIGTERM)
            total = self.drain(s, got, length)
            self.assertEqual(total, length, "in-flight download cut short by SIGTERM")
            r = Reader(s)
            self.assertTrue(r.closed(), "connection left open after the download during shutdown")
        finally:
            s.close()
        self.assertEqual(self.wait_exit(srv, 15), 0)
        self.assert_clean_log(srv)

    def test_sigterm_stops_accepting(self):
        srv = self.start('[timeouts]\nshutdown_grace = "10s"\n')
        s, got, length = self.start_download(srv)  # keeps the process alive during the check
        try:
            srv.signal(signal.SIGTERM)
            refused = False
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline:
                try:
                    probe = socket.create_connection((srv.host, srv.port), timeout=1)
                except ConnectionRefusedError:
                    refused = True
                    break
                probe.close()
                time.sleep(0.05)  # polling, bounded by the deadline
            self.assertTrue(refused, "listener still accepting 5 s after SIGTERM")
            self.assertIsNone(srv.proc.poll(), "exited before the in-flight download finished")
            self.assertEqual(self.drain(s, got, length), length)
        finally:
            s.close()
        self.assertEqual(self.wait_exit(srv, 15), 0)

    def test_sigterm_closes_idle_keepalive_connection(self):
        # Grace is long: an idle connection must not hold the shutdown for it.
        srv = self.start('[timeouts]\nshutdown_grace = "30s"\n')
        s = srv.connect()
        try:
            s.sendall(build_request("GET", "/a.txt"))
            r = Reader(s)
            self.assertEqual(r.read_response().body, A_TXT)
            srv.signal(signal.SIGTERM)
            self.assertTrue(r.closed(timeout=8), "idle keep-alive connection not closed on SIGTERM")
        finally:
            s.close()
        self.assertEqual(self.wait_exit(srv, 10), 0)

    def test_sigint_exits_0(self):
        srv = self.start("")
        self.assertEqual(get(srv, "/a.txt").body, A_TXT)
        srv.signal(signal.SIGINT)
        self.assertEqual(self.wait_exit(srv, 10), 0)
        self.assert_clean_log(srv)

    def test_grace_expiry_ends_stalled_download(self):
        srv = self.start('[timeouts]\nshutdown_grace = "1s"\nsend = "60s"\n')
        s, got, length = self.start_download(srv)  # never read further
        try:
            srv.signal(signal.SIGTERM)
            self.assertEqual(self.wait_exit(srv, 10), 0)
        finally:
            s.close()


class ReloadTest(SignalCase):

    def test_sighup_good_config_applies_and_keeps_connections(self):
        srv = self.start('server_header = "before"\n')
        c1 = srv.connect()
        r1 = Reader(c1)
        try:
            c1.sendall(build_request("GET", "/a.txt"))
            self.assertEqual(r1.read_response().header("Server"), "before")
            with open(srv.config_path, "w") as f:
                f.write('root = "%s"\nserver_header = "after"\n[limits]\nmax_uri_length = 50\n' % self.root)
            n = len(srv.lines)
            srv.signal(signal.SIGHUP)
            self.assertIsNotNone(srv.wait_for_line(r"\[info\] configuration reloaded", 5, start=n),
                                 "no 'configuration reloaded' line:\n" + "\n".join(srv.lines[n:]))
            resp = get(srv, "/a.txt")
            self.assertEqual(resp.status, 200)
            self.assertEqual(resp.header("Server"), "after")
            long_target = "/a.txt?" + "q" * 60
            self.assertEqual(get(srv, long_target).status, 414)
            # The keep-alive connection opened before the reload still works.
            c1.sendall(build_request("GET", "/a.txt"))
            resp = r1.read_response()
            self.assertEqual(resp.status, 200)
            self.assertEqual(resp.body, A_TXT)
        finally:
            c1.close()
        self.assertIsNone(srv.proc.poll())
        self.assertEqual(srv.stop(), 0)
        self.assert_clean_log(srv)

    def test_sighup_bad_config_keeps_old_one(self):
        srv = self.start('server_header = "before"\n', expect_errors=["reload failed"])
        srv.expect_errors.append(re.compile(re.escape(srv.config_path)))  # per-problem lines
        c1 = srv.connect()
        r1 = Reader(c1)
        try:
            c1.sendall(build_request("GET", "/a.txt"))
            self.assertEqual(r1.read_response().status, 200)
            with open(srv.config_path, "w") as f:
                f.write('root = "%s"\nserver_header = "bad"\nworkers = "lots"\n' % self.root)
            n = len(srv.lines)
            srv.signal(signal.SIGHUP)
            self.assertIsNotNone(srv.wait_for_line(r"\[error\] reload failed", 5, start=n),
                                 "no 'reload failed' line:\n" + "\n".join(srv.lines[n:]))
            self.assertIsNone(srv.proc.poll(), "ferry exited on a bad reload")
            resp = get(srv, "/a.txt")
            self.assertEqual(resp.status, 200)
            self.assertEqual(resp.header("Server"), "before")
            c1.sendall(build_request("GET", "/a.txt"))
            self.assertEqual(r1.read_response().header("Server"), "before")
            # A later good config is still picked up.
            with open(srv.config_path, "w") as f:
                f.write('root = "%s"\nserver_header = "fixed"\n' % self.root)
            n = len(srv.lines)
            srv.signal(signal.SIGHUP)
            self.assertIsNotNone(srv.wait_for_line(r"configuration reloaded", 5, start=n))
            self.assertEqual(get(srv, "/a.txt").header("Server"), "fixed")
        finally:
            c1.close()
        self.assertEqual(srv.stop(), 0)
        self.assert_clean_log(srv)

    def test_sighup_unknown_key_is_rejected(self):
        srv = self.start('server_header = "before"\n', expect_errors=["reload failed"])
        srv.expect_errors.append(re.compile(re.escape(srv.config_path)))
        with open(srv.config_path, "w") as f:
            f.write('root = "%s"\nserver_header = "after"\nno_such_key = 1\n' % self.root)
        n = len(srv.lines)
        srv.signal(signal.SIGHUP)
        self.assertIsNotNone(srv.wait_for_line(r"\[error\] reload failed", 5, start=n))
        self.assertEqual(get(srv, "/a.txt").header("Server"), "before")
        self.assertEqual(srv.stop(), 0)
        self.assert_clean_log(srv)


if __name__ == "__main__":
    unittest.main()
