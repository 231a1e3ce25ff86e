"""HTTP/2 on the one request path: the same cases over HTTP/1.1, HTTPS, h2 over TLS and h2c
give the same statuses, bodies and headers; many streams share a connection; admission counts
streams; GOAWAY on shutdown; and Upgrade: h2c is not honoured."""

import gzip
import shutil
import signal
import socket
import subprocess
import time
import unittest

import h2.events
import hpack

from ferry_harness import (WINDOWS, FerryTestCase, Reader, build_request, has_module, rss_kib, sanitized_binary,
                           toml_string)
from protocol_clients import TRANSPORTS, fetch, h2_exchange, open_h2
from tls_certs import CertificateAuthority

BIG = bytes(range(256)) * (4 * 4096)  # 4 MiB
MID = bytes(range(251)) * 1024  # 251 KiB: several DATA frames and window updates, quick in Python
TEXT = ("ferry serves files; " * 5000).encode()  # compressible, 100 KB
FILES = {
    "index.html": "<!doctype html><title>h2</title>hello\n",
    "a.txt": "alpha\n",
    "big.bin": BIG,
    "mid.bin": MID,
    "text.txt": TEXT,
    "styles.css": "body{color:red}\n" * 200,
    "styles.css.br": b"precompressed-brotli-bytes",
    "dir/index.html": "in dir\n",
}


def requires_http2_and_tls(cls):
    return unittest.skipUnless(has_module("http2") and has_module("tls"), "needs the http2 and tls modules")(cls)


class Http2TestCase(FerryTestCase):
    files = FILES
    tls_extra = ""  # keys of the [tls] table
    extra_config = ""

    @classmethod
    def setUpClass(cls):
        cls.ca = CertificateAuthority()
        cert, key = cls.ca.issue("h2", ["localhost"])
        cls.config = '[tls]\nlisten = ["127.0.0.1:0"]\ncertificates = [{ cert = %s, key = %s }]\n%s\n%s' % (
            toml_string(cert), toml_string(key), cls.tls_extra, cls.extra_config)
        super().setUpClass()

    @classmethod
    def tearDownClass(cls):
        try:
            super().tearDownClass()
        finally:
            shutil.rmtree(cls.ca.dir, ignore_errors=True)

    def fetch(self, transport, method="GET", target="/", headers=()):
        return fetch(self.server, transport, method, target, headers, ca_file=self.ca.cert)


@requires_http2_and_tls
class SameCasesOverEveryProtocolTest(Http2TestCase):
    tls_extra = 'hsts = "max-age=600"'
    extra_config = """
[[headers]]
path = "/**"
set = { X-Served-By = "ferry-test" }
"""

    def test_cases(self):
        etag = self.fetch("h1", "GET", "/a.txt").header("etag")
        cases = [
            ("GET", "/a.txt", ()),
            ("HEAD", "/a.txt", ()),
            ("GET", "/", ()),
            ("GET", "/dir", ()),
            ("GET", "/dir/", ()),
            ("GET", "/missing.txt", ()),
            ("GET", "/a.txt?x=1", ()),
            ("GET", "/%2e%2e/etc/passwd", ()),
            ("GET", "/big.bin", (("Range", "bytes=1000-1999"),)),
            ("GET", "/big.bin", (("Range", "bytes=0-0,10-19"),)),
            ("GET", "/big.bin", (("Range", "bytes=99999999-"),)),
            ("GET", "/a.txt", (("If-None-Match", etag),)),
            ("GET", "/styles.css", (("Accept-Encoding", "br"),)),
            ("DELETE", "/a.txt", ()),
            ("OPTIONS", "/a.txt", ()),
        ]
        compared = ("content-type", "content-length", "etag", "last-modified", "content-range", "content-encoding",
                    "allow", "location", "vary", "accept-ranges", "x-served-by", "cache-control")
        for method, target, headers in cases:
            reference = self.fetch("h1", method, target, headers)
            for transport in TRANSPORTS[1:]:
                with self.subTest(transport=transport, method=method, target=target, headers=headers):
                    got = self.fetch(transport, method, target, headers)
                    self.assertEqual(got.status, reference.status)
                    if not (reference.header("content-type") or "").startswith("multipart/byteranges"):
                        self.assertEqual(got.body, reference.body)
                    multipart = (got.header("content-type") or "").startswith("multipart/byteranges")
                    for name in compared:
                        if multipart and name in ("content-type", "content-length"):
                            continue  # the boundary differs per response
                        self.assertEqual(got.header(name), reference.header(name), name)
                    self.assertIsNotNone(got.header("date"))
                    # HSTS only over TLS (h1-tls and h2-tls alike), never in the clear.
                    expected_hsts = "max-age=600" if transport.endswith("-tls") else None
                    self.assertEqual(got.header("strict-transport-security"), expected_hsts)
                    if transport.startswith("h2"):
                        self.assertIsNone(got.header("connection"))

    def test_large_file_and_on_the_fly_compression(self):
        for transport in TRANSPORTS:
            with self.subTest(transport=transport):
                self.assertEqual(self.fetch(transport, "GET", "/big.bin").body, BIG)
                if has_module("compression"):
                    resp = self.fetch(transport, "GET", "/text.txt", (("Accept-Encoding", "gzip"),))
                    self.assertEqual(resp.header("content-encoding"), "gzip")
                    self.assertEqual(gzip.decompress(resp.body), TEXT)


@requires_http2_and_tls
class StreamsTest(Http2TestCase):
    def test_many_concurrent_streams_on_one_connection(self):
        for transport in ("h2c", "h2-tls"):
            with self.subTest(transport=transport):
                sock, conn = open_h2(self.server, transport, self.ca.cert)
                with sock:
                    requests = [("GET", "/a.txt" if i % 3 else "/mid.bin", []) for i in range(60)]
                    responses = h2_exchange(sock, conn, requests)
                for (_, target, _), resp in zip(requests, responses):
                    self.assertEqual(resp.status, 200)
                    self.assertEqual(resp.body, MID if target == "/mid.bin" else b"alpha\n")

    def test_upgrade_h2c_is_answered_over_http1(self):
        with self.server.connect() as s:
            s.sendall(build_request("GET", "/a.txt", headers=[("Host", "localhost"), ("Connection", "Upgrade, HTTP2-Settings"),
                                                              ("Upgrade", "h2c"), ("HTTP2-Settings", "AAMAAABkAAQAoAAA")]))
            resp = Reader(s).read_response()
        self.assertEqual(resp.status, 200)
        self.assertEqual(resp.version, "HTTP/1.1")
        self.assertEqual(resp.body, b"alpha\n")


@requires_http2_and_tls
class IdleAfterALargeResponseTest(Http2TestCase):
    """A connection that has sent a large body and gone idle holds no output buffer: frames are
    produced into the worker's one spare, lent while the transport has not taken them (an idle
    h2 connection held ~90 KB of RSS after a 251 KiB response before; ~26 KB now)."""

    @unittest.skipIf(WINDOWS, "wine's RSS is not Windows'")
    @unittest.skipIf(sanitized_binary(), "AddressSanitizer's quarantine hides what memory is given back")
    def test_idle_connections_keep_no_output_buffer(self):
        count = 100
        for transport in ("h2c", "h2-tls"):
            with self.subTest(transport=transport):
                def served_and_left_open():
                    sock, conn = open_h2(self.server, transport, self.ca.cert)
                    self.assertEqual(h2_exchange(sock, conn, [("GET", "/mid.bin", [])])[0].body, MID)
                    return sock, conn
                warm = served_and_left_open()  # the worker's pools and spares exist from here on
                before = rss_kib(self.server.proc.pid)
                idle = [served_and_left_open() for _ in range(count)]
                grown = (rss_kib(self.server.proc.pid) - before) * 1024 / count
                self.assertLess(grown, 48 * 1024, "%.0f bytes of RSS per idle connection" % grown)
                for sock, conn in [warm, idle[0], idle[-1]]:  # still served
                    self.assertEqual(h2_exchange(sock, conn, [("GET", "/a.txt", [])])[0].body, b"alpha\n")
                for sock, _ in [warm] + idle:
                    sock.close()


@requires_http2_and_tls
class IdleReleaseTest(Http2TestCase):
    """A connection that received nothing for 2 s gives back its scratch memory (the HPACK
    encoder's remembered heads, stream lists, buffers); its HPACK tables stay, so the answers that
    follow decode to the same fields."""
    varying = {"date", "x-request-id", "traceparent"}

    def fields(self, response):
        return [(n, v) for n, v in response.headers if n not in self.varying]

    def test_answers_after_the_release_are_alike(self):
        requests = [("GET", "/a.txt", []), ("GET", "/mid.bin", [("accept-encoding", "gzip")])]
        for transport in ("h2c", "h2-tls"):
            with self.subTest(transport=transport):
                sock, conn = open_h2(self.server, transport, self.ca.cert)
                with sock:
                    before = h2_exchange(sock, conn, requests)
                    time.sleep(2.6)  # past the release (2 s) and the worker tick that makes it
                    after = h2_exchange(sock, conn, requests)
                for old, new in zip(before, after):
                    self.assertEqual(self.fields(new), self.fields(old))
                    self.assertEqual(new.body, old.body)
                    self.assertIn("x-request-id", [n for n, _ in new.headers])


@requires_http2_and_tls
class NeverIndexedFieldsTest(Http2TestCase):
    """The request id (under its configured name) and traceparent are new in every response:
    HPACK "never indexed", so they do not push the repeating fields out of the client's table.
    Only the first response's enter it, so that the later ones name them by index."""
    extra_config = '[request_id]\nheader = "X-Correlation-Id"\n'

    def test_unique_fields_are_never_indexed(self):
        for transport in ("h2c", "h2-tls"):
            with self.subTest(transport=transport):
                sock, conn = open_h2(self.server, transport, self.ca.cert)
                with sock:
                    for _ in range(2):
                        stream_id = conn.get_next_available_stream_id()
                        conn.send_headers(stream_id, [(":method", "GET"), (":path", "/a.txt"), (":scheme", "https"),
                                                      (":authority", "localhost")], end_stream=True)
                    sock.sendall(conn.data_to_send())
                    heads = []
                    while len(heads) < 2:
                        data = sock.recv(65536)
                        self.assertTrue(data, "connection closed")
                        heads += [e.headers for e in conn.receive_data(data)
                                  if isinstance(e, h2.events.ResponseReceived)]
                for first, head in zip((True, False), heads):
                    never = sorted(h[0] for h in head if isinstance(h, hpack.NeverIndexedHeaderTuple))
                    self.assertEqual(never, [] if first else ["traceparent", "x-correlation-id"], head)
                    self.assertEqual(sorted(h[0] for h in head if h[0] in ("traceparent", "x-correlation-id")),
                                     ["traceparent", "x-correlation-id"], head)


@requires_http2_and_tls
class RealClientsTest(Http2TestCase):
    """curl and nghttp, as users run them."""

    def run_client(self, args):
        out = subprocess.run(args, capture_output=True, timeout=30)
        self.assertEqual(out.returncode, 0, out.stderr)
        return out.stdout

    def test_curl_http2_over_tls_and_prior_knowledge(self):
        resolve = "localhost:%d:127.0.0.1" % self.server.tls_port
        body = self.run_client(["curl", "-sS", "--http2", "--cacert", self.ca.cert, "--resolve", resolve,
                                "-w", "%{http_version}", "https://localhost:%d/a.txt" % self.server.tls_port])
        self.assertEqual(body, b"alpha\n2")
        body = self.run_client(["curl", "-sS", "--http2-prior-knowledge", "-w", "%{http_version}",
                                "http://127.0.0.1:%d/big.bin" % self.server.port])
        self.assertEqual(body, BIG + b"2")

    def test_nghttp_many_streams(self):
        if shutil.which("nghttp") is None:
            self.skipTest("nghttp is not installed (nghttp2-client)")
        urls = ["http://127.0.0.1:%d/a.txt?%d" % (self.server.port, i) for i in range(20)]
        out = self.run_client(["nghttp", "-v", "-n", *urls])  # 20 streams on one connection
        self.assertEqual(out.count(b":status: 200"), 20)
        self.assertEqual(out.count(b"recv HEADERS frame"), 20)


@requires_http2_and_tls
class AdmissionCountsStreamsTest(Http2TestCase):
    extra_config = """
[admission]
adaptive = false
max_inflight = 1
queue_size = 0
"""

    def test_second_stream_over_the_limit_gets_503(self):
        sock, conn = open_h2(self.server, "h2c")
        with sock:
            # Stream 1 asks for 4 MiB and the client never opens that stream's window past the
            # initial 64 KiB: the stream stays in flight and holds the only slot. The connection
            # window is opened wide, so other streams' responses can still flow.
            conn.increment_flow_control_window(16 << 20)
            conn.send_headers(1, [(":method", "GET"), (":path", "/big.bin"), (":scheme", "http"),
                                  (":authority", "localhost")], end_stream=True)
            sock.sendall(conn.data_to_send())
            got_headers = False
            sock.settimeout(10)
            while not got_headers:
                for event in conn.receive_data(sock.recv(65536)):
                    got_headers |= isinstance(event, h2.events.ResponseReceived)
            # A second stream is refused at once.
            responses = h2_exchange(sock, conn, [("GET", "/a.txt", [])])
            self.assertEqual(responses[0].status, 503)
            self.assertEqual(responses[0].header("retry-after"), "1")


@requires_http2_and_tls
class AdmissionShareOfOneConnectionTest(Http2TestCase):
    extra_config = """
[admission]
adaptive = false
max_inflight = 9
queue_size = 0
"""

    def test_one_connection_cannot_take_every_slot(self):
        from h2.settings import SettingCodes
        greedy, conn = open_h2(self.server, "h2c", settings={SettingCodes.INITIAL_WINDOW_SIZE: 0})
        with greedy:
            # Twelve streams that can never receive a byte of body: each admitted one holds a
            # slot for as long as the client likes.
            for i in range(12):
                conn.send_headers(conn.get_next_available_stream_id(),
                                  [(":method", "GET"), (":path", "/big.bin?%d" % i), (":scheme", "http"),
                                   (":authority", "localhost")], end_stream=True)
            greedy.sendall(conn.data_to_send())
            answered = set()
            greedy.settimeout(10)
            while len(answered) < 8:
                for event in conn.receive_data(greedy.recv(65536)):
                    if isinstance(event, h2.events.ResponseReceived):
                        answered.add(event.stream_id)
                greedy.sendall(conn.data_to_send())
            # Only 8 of its streams hold slots; another client still gets the ninth.
            self.assertEqual(self.fetch("h2c", "GET", "/a.txt").status, 200)
            self.assertEqual(self.fetch("h1", "GET", "/a.txt").status, 200)


@requires_http2_and_tls
class GoawayOnShutdownTest(Http2TestCase):
    def test_sigterm_sends_goaway_and_exits_cleanly(self):
        sock, conn = open_h2(self.server, "h2c")
        with sock:
            self.assertEqual(h2_exchange(sock, conn, [("GET", "/a.txt", [])])[0].status, 200)
            self.server.signal(signal.SIGTERM)
            sock.settimeout(10)
            goaway = None
            while goaway is None:
                data = sock.recv(65536)
                if not data:
                    break
                for event in conn.receive_data(data):
                    if isinstance(event, h2.events.ConnectionTerminated):
                        goaway = event
            self.assertIsNotNone(goaway, "no GOAWAY before the close")
            self.assertEqual(goaway.error_code, 0)
            self.assertEqual(goaway.last_stream_id, 1)
        self.assertEqual(self.server.proc.wait(15), 0)


if __name__ == "__main__":
    unittest.main()
