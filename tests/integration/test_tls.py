"""HTTPS: the same request path over TLS, SNI and 421, ALPN, plain HTTP on the TLS port, the
handshake deadline, certificate reload (file change and SIGHUP), client certificates, and the
command-line flags. Real OpenSSL on both ends (Python's ssl module and curl)."""

import os
import random
import shutil
import signal
import socket
import ssl
import subprocess
import time
import unittest

from ferry_harness import (FerryTestCase, Reader, Server, build_request, has_module, make_root, send_queue_of,
                           toml_string)
from tls_certs import CertificateAuthority

BIG = bytes(range(256)) * (4 * 4096)  # 4 MiB, not uniform, so misplaced bytes show
FILES = {"index.html": "<!doctype html><title>tls</title>hello\n", "a.txt": "alpha\n", "big.bin": BIG}


def client_context(ca, alpn=None, cert=None):
    ctx = ssl.create_default_context(cafile=ca.cert)
    if alpn is not None:
        ctx.set_alpn_protocols(alpn)
    if cert is not None:
        ctx.load_cert_chain(*cert)
    return ctx


def tls_connect(server, ca, server_name="localhost", **kw):
    raw = socket.create_connection((server.host, server.tls_port), timeout=5)
    return client_context(ca, **kw).wrap_socket(raw, server_hostname=server_name)


def tls_get(server, ca, target="/", host="localhost", server_name="localhost", headers=(), method="GET"):
    with tls_connect(server, ca, server_name) as s:
        s.sendall(build_request(method, target, headers=[("Host", host), ("Connection", "close"), *headers]))
        return Reader(s).read_response(head_request=method == "HEAD")


def stalled_tls_get(server, ca, target, headers=()):
    """Sends a request from a client with a tiny receive window and reads nothing until the
    server's writes have stopped (its send queue is full). Returns the socket and the number of
    bytes the server had queued; the caller reads the response."""
    raw = socket.socket()
    raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 2048)
    raw.settimeout(10)
    raw.connect((server.host, server.tls_port))
    client_port = raw.getsockname()[1]
    sock = client_context(ca).wrap_socket(raw, server_hostname="localhost")
    sock.sendall(build_request("GET", target, headers=[("Host", "localhost"), ("Connection", "close"), *headers]))
    queued, deadline = None, time.monotonic() + 5
    while time.monotonic() < deadline:
        time.sleep(0.05)
        now = send_queue_of(server.tls_port, client_port)
        if now and now == queued:
            break
        queued = now
    return sock, queued or 0


def plain_get(server, target="/", headers=(), method="GET"):
    with server.connect() as s:
        s.sendall(build_request(method, target, headers=[("Host", "localhost"), ("Connection", "close"),
                                                         *headers]))
        return Reader(s).read_response(head_request=method == "HEAD")


@unittest.skipUnless(has_module("tls"), "built without the tls module")
class TlsTestCase(FerryTestCase):
    tls_extra = ""

    @classmethod
    def setUpClass(cls):
        cls.ca = CertificateAuthority()
        cls.cert_a = cls.ca.issue("a", ["localhost", "a.test"])
        cls.cert_b = cls.ca.issue("b", ["b.test"], kind="rsa")
        cls.config = """
[tls]
listen = ["127.0.0.1:0"]
handshake_timeout = "300ms"
certificates = [
  {{ cert = {a_cert}, key = {a_key} }},
  {{ cert = {b_cert}, key = {b_key} }},
]
{extra}
""".format(a_cert=toml_string(cls.cert_a[0]), a_key=toml_string(cls.cert_a[1]), b_cert=toml_string(cls.cert_b[0]),
           b_key=toml_string(cls.cert_b[1]), extra=cls.tls_extra.format(ca=toml_string(cls.ca.cert)))
        super().setUpClass()

    @classmethod
    def tearDownClass(cls):
        try:
            super().tearDownClass()
        finally:
            shutil.rmtree(cls.ca.dir, ignore_errors=True)


class HttpsServingTest(TlsTestCase):
    files = FILES

    def test_same_responses_in_the_clear_and_over_tls(self):
        etag = plain_get(self.server, "/a.txt").header("etag")
        cases = [
            ("GET", "/a.txt", ()),
            ("HEAD", "/a.txt", ()),
            ("GET", "/", ()),
            ("GET", "/missing", ()),
            ("GET", "/../etc/passwd", ()),
            ("GET", "/big.bin", (("Range", "bytes=1000-1999"),)),
            ("GET", "/a.txt", (("If-None-Match", etag),)),
            ("DELETE", "/a.txt", ()),
        ]
        for method, target, headers in cases:
            with self.subTest(method=method, target=target, headers=headers):
                clear = plain_get(self.server, target, headers, method)
                secure = tls_get(self.server, self.ca, target, headers=headers, method=method)
                self.assertEqual(secure.status, clear.status)
                self.assertEqual(secure.body, clear.body)
                for name in ("content-type", "content-length", "etag", "content-range", "allow", "vary"):
                    self.assertEqual(secure.header(name), clear.header(name), name)

    def test_large_file_arrives_intact(self):
        resp = tls_get(self.server, self.ca, "/big.bin")
        self.assertEqual(resp.status, 200)
        self.assertEqual(len(resp.body), len(BIG))
        self.assertEqual(resp.body, BIG)
        resp = tls_get(self.server, self.ca, "/big.bin", headers=[("Range", "bytes=100000-3000000")])
        self.assertEqual(resp.status, 206)
        self.assertEqual(resp.body, BIG[100000:3000001])

    def test_small_tail_after_a_stalled_record(self):
        # When the socket fills in the middle of a TLS record, OpenSSL must be handed that record
        # again. If it was the file's last record, it is at most 16 KiB long: small enough for
        # the copy path, which must not take over (it once closed the connection mid-body).
        # Find where a stalled client's window ends, then ask for ranges ending around there.
        sock, queued = stalled_tls_get(self.server, self.ca, "/big.bin")
        sock.close()
        self.assertGreater(queued, 0)
        record = 16 * 1024
        stall_at = queued * record // (record + 22) // record  # records of 16 KiB + 22 bytes overhead
        for records in range(max(1, stall_at - 1), min(stall_at + 3, len(BIG) // record) + 1):
            end = records * record
            with self.subTest(range_end=end):
                sock, _ = stalled_tls_get(self.server, self.ca, "/big.bin", [("Range", "bytes=0-%d" % (end - 1))])
                with sock:
                    resp = Reader(sock).read_response()
                self.assertEqual(resp.status, 206)
                self.assertEqual(resp.body, BIG[:end])

    def test_keep_alive_and_pipelining_over_tls(self):
        with tls_connect(self.server, self.ca) as s:
            s.sendall(build_request("GET", "/a.txt") * 3 + build_request("GET", "/index.html"))
            reader = Reader(s)
            bodies = [reader.read_response().body for _ in range(4)]
        self.assertEqual(bodies, [b"alpha\n"] * 3 + [FILES["index.html"].encode()])

    def test_requests_in_pieces_between_pauses_over_tls(self):
        # A reused TLS connection receives its next request's records itself and hands them to
        # the session (server/read_edges.hpp): records split anywhere across TCP segments, several
        # in one segment, with pauses, must all be read at once. The client frames its records
        # in memory (SSLObject) and writes the bytes in arbitrary pieces; a missed arrival would
        # leave a request waiting for its 10 s head timeout, past the 3 s socket timeout.
        rng = random.Random(11)
        raw = socket.create_connection((self.server.host, self.server.tls_port), timeout=3)
        raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
        tls = client_context(self.ca).wrap_bio(incoming, outgoing, server_hostname="localhost")

        def flush(pieces=1):
            data = outgoing.read()
            cuts = sorted(rng.sample(range(1, len(data)), min(pieces - 1, len(data) - 1))) if len(data) > 1 else []
            for start, end in zip([0] + cuts, cuts + [len(data)]):
                raw.sendall(data[start:end])
                time.sleep(rng.choice((0, 0, 0.0003, 0.002)))

        def pump(call):
            while True:
                try:
                    return call()
                except ssl.SSLWantReadError:
                    flush()
                    chunk = raw.recv(65536)
                    if not chunk:
                        raise ConnectionError("closed by the server")
                    incoming.write(chunk)

        try:
            pump(tls.do_handshake)
            flush()
            pending = b""
            for i in range(120):
                names = ["/a.txt", "/index.html"][: rng.randint(1, 2)]
                for name in names:  # one record per request, or two in the same pieces
                    tls.write(build_request("GET", name))
                flush(pieces=rng.randint(1, 4))
                for name in names:
                    while b"\r\n\r\n" not in pending:
                        pending += pump(lambda: tls.read(65536))
                    head, _, pending = pending.partition(b"\r\n\r\n")
                    length = int([line.split(b":")[1] for line in head.split(b"\r\n")
                                  if line.lower().startswith(b"content-length:")][0])
                    while len(pending) < length:
                        pending += pump(lambda: tls.read(65536))
                    body, pending = pending[:length], pending[length:]
                    self.assertTrue(head.startswith(b"HTTP/1.1 200"), "round %d" % i)
                    self.assertEqual(body, FILES[name[1:]].encode(), "round %d" % i)
        finally:
            raw.close()

    def test_pipelined_answers_leave_before_a_partial_request_over_tls(self):
        with tls_connect(self.server, self.ca) as s:
            s.sendall(build_request("GET", "/a.txt") * 3 + b"GET /index.html HTTP/1.1\r\nHo")
            reader = Reader(s)
            self.assertEqual([reader.read_response().body for _ in range(3)], [b"alpha\n"] * 3)
            s.sendall(b"st: localhost\r\n\r\n")
            self.assertEqual(reader.read_response().body, FILES["index.html"].encode())

    def test_protocol_alpn_and_certificates(self):
        with tls_connect(self.server, self.ca, alpn=["http/1.1"]) as s:
            self.assertEqual(s.version(), "TLSv1.3")
            self.assertEqual(s.selected_alpn_protocol(), "http/1.1")
            self.assertIn(("DNS", "localhost"), s.getpeercert()["subjectAltName"])
        with tls_connect(self.server, self.ca, server_name="b.test") as s:
            self.assertIn(("DNS", "b.test"), s.getpeercert()["subjectAltName"])
        ctx12 = client_context(self.ca)
        ctx12.maximum_version = ssl.TLSVersion.TLSv1_2
        with ctx12.wrap_socket(socket.create_connection((self.server.host, self.server.tls_port), timeout=5),
                               server_hostname="localhost") as s:
            self.assertEqual(s.version(), "TLSv1.2")
            self.assertTrue(any(aead in s.cipher()[0] for aead in ("GCM", "CHACHA20")), s.cipher())

    def test_client_offering_only_unsupported_protocols_is_refused(self):
        with self.assertRaises(ssl.SSLError) as caught:
            tls_connect(self.server, self.ca, alpn=["h3", "spdy/3"]).close()
        self.assertIn("NO APPLICATION PROTOCOL", str(caught.exception).upper().replace("_", " "))

    def test_host_outside_the_sni_certificate_is_misdirected(self):
        # SNI b.test gets the b certificate, which does not cover a.test: 421.
        resp = tls_get(self.server, self.ca, "/a.txt", host="a.test", server_name="b.test")
        self.assertEqual(resp.status, 421)
        # The a certificate covers both localhost and a.test: a different Host is fine.
        resp = tls_get(self.server, self.ca, "/a.txt", host="a.test", server_name="localhost")
        self.assertEqual(resp.status, 200)
        resp = tls_get(self.server, self.ca, "/a.txt", host="b.test:443", server_name="b.test")
        self.assertEqual(resp.status, 200)

    def test_plain_http_on_the_tls_port_gets_400_and_close(self):
        with socket.create_connection((self.server.host, self.server.tls_port), timeout=5) as s:
            s.sendall(build_request("GET", "/a.txt"))
            reader = Reader(s)
            resp = reader.read_response()
            self.assertEqual(resp.status, 400)
            self.assertTrue(reader.closed())

    def test_silent_client_is_closed_after_the_handshake_timeout(self):
        with socket.create_connection((self.server.host, self.server.tls_port), timeout=5) as s:
            started = time.monotonic()
            self.assertEqual(s.recv(1), b"")
            self.assertLess(time.monotonic() - started, 3)

    def test_curl(self):
        out = subprocess.run(["curl", "-sS", "--http1.1", "--cacert", self.ca.cert, "--resolve",
                              "localhost:%d:127.0.0.1" % self.server.tls_port,
                              "https://localhost:%d/a.txt" % self.server.tls_port],
                             capture_output=True, timeout=20)
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertEqual(out.stdout, b"alpha\n")


class NoTicketsFirstRequestTest(TlsTestCase):
    """TLS 1.3 without session tickets: nothing the server sends answers the client's Finished,
    and a client that leaves Nagle on (Python's sockets, many libraries') holds its request back
    until that Finished is acknowledged. The server acknowledges it at once; before, every first
    request waited for the kernel's delayed-ACK timer (40 ms at least on Linux). The bound below
    is that timer's, with room for a slow machine, not a speed."""
    files = FILES
    tls_extra = "session_tickets = false\n"

    def test_first_request_does_not_wait_for_a_delayed_ack(self):
        context = ssl.create_default_context(cafile=self.ca.cert)
        context.minimum_version = ssl.TLSVersion.TLSv1_3
        request = build_request("GET", "/a.txt")
        waits = []
        for _ in range(9):
            with socket.create_connection(("127.0.0.1", self.server.tls_port), timeout=10) as raw:
                self.assertEqual(raw.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY), 0)  # Nagle on
                with context.wrap_socket(raw, server_hostname="localhost") as sock:
                    start = time.monotonic()
                    sock.sendall(request)
                    response = Reader(sock).read_response()
                    waits.append(time.monotonic() - start)
                    self.assertEqual(response.status, 200)
        waits.sort()
        self.assertLess(waits[len(waits) // 2], 0.020, "first-request waits: %s" % waits)


class RedirectAndHstsTest(TlsTestCase):
    files = FILES
    tls_extra = 'redirect_listen = ["127.0.0.1:0"]\nhsts = "max-age=600; includeSubDomains"\n'

    def redirect_request(self, raw):
        with socket.create_connection((self.server.host, self.server.redirect_port), timeout=5) as s:
            s.sendall(raw)
            return Reader(s).read_response()

    def test_plaintext_redirect_listener_answers_308_to_https(self):
        self.assertIsNotNone(self.server.redirect_port)
        resp = self.redirect_request(build_request("GET", "/a.txt?x=1", headers=[("Host", "localhost:8080")]))
        self.assertEqual(resp.status, 308)
        self.assertEqual(resp.header("location"), "https://localhost:%d/a.txt?x=1" % self.server.tls_port)
        self.assertIsNone(resp.header("strict-transport-security"))
        resp = self.redirect_request(build_request("GET", "http://a.test/dir/?q", headers=[("Host", "a.test")]))
        self.assertEqual(resp.header("location"), "https://a.test:%d/dir/?q" % self.server.tls_port)
        resp = self.redirect_request(build_request("GET", "/", headers=[("Host", "[::1]:80")]))
        self.assertEqual(resp.header("location"), "https://[::1]:%d/" % self.server.tls_port)
        # Without a host there is nowhere to send the client.
        resp = self.redirect_request(b"GET / HTTP/1.0\r\n\r\n")
        self.assertEqual(resp.status, 400)

    def test_hsts_only_over_tls(self):
        self.assertEqual(tls_get(self.server, self.ca, "/a.txt").header("strict-transport-security"),
                         "max-age=600; includeSubDomains")
        self.assertEqual(tls_get(self.server, self.ca, "/missing").header("strict-transport-security"),
                         "max-age=600; includeSubDomains")
        self.assertIsNone(plain_get(self.server, "/a.txt").header("strict-transport-security"))


@unittest.skipUnless(has_module("tls"), "built without the tls module")
class CertificateReloadTest(unittest.TestCase):
    def setUp(self):
        self.ca = CertificateAuthority()
        self.root = make_root({"a.txt": "alpha\n"})
        self.cert, self.key = self.ca.issue("live", ["localhost"])
        self.config = '[tls]\nlisten = ["127.0.0.1:0"]\ncertificates = [{ cert = %s, key = %s }]\n' % (
            toml_string(self.cert), toml_string(self.key))
        self.server = Server(self.root, self.config, expect_errors=[r"certificate reload"])

    def tearDown(self):
        self.server.stop()
        shutil.rmtree(self.root, ignore_errors=True)
        shutil.rmtree(self.ca.dir, ignore_errors=True)

    def serial(self):
        with tls_connect(self.server, self.ca) as s:
            return s.getpeercert()["serialNumber"]

    def replace_certificate(self):
        new_cert, new_key = self.ca.issue("next", ["localhost"])
        # Key first, then certificate, each by rename, as a deploy tool would.
        os.replace(new_key, self.key)
        os.replace(new_cert, self.cert)

    def wait_for_serial_change(self, before, timeout=8):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.serial() != before:
                return True
            time.sleep(0.2)
        return False

    def test_changed_files_are_picked_up_and_open_connections_keep_working(self):
        before = self.serial()
        held = tls_connect(self.server, self.ca)
        self.replace_certificate()
        self.assertTrue(self.wait_for_serial_change(before), "new handshakes must see the new certificate")
        held.sendall(build_request("GET", "/a.txt"))
        self.assertEqual(Reader(held).read_response().status, 200)
        held.close()

    def test_broken_new_certificate_is_rejected_and_the_old_one_keeps_serving(self):
        before = self.serial()
        with open(self.cert, "w") as f:
            f.write("-----BEGIN CERTIFICATE-----\nnot a certificate\n-----END CERTIFICATE-----\n")
        self.assertIsNotNone(self.server.wait_for_line(r"\[error\].*certificate reload", timeout=8))
        self.assertEqual(self.serial(), before)
        # SIGHUP re-reads the whole configuration: with the broken file it fails and keeps going.
        start = len(self.server.lines)
        self.server.signal(signal.SIGHUP)
        self.assertIsNotNone(self.server.wait_for_line(r"reload failed", timeout=5, start=start))
        self.assertEqual(self.serial(), before)
        # Repaired: SIGHUP brings the new certificate.
        self.replace_certificate()
        start = len(self.server.lines)
        self.server.signal(signal.SIGHUP)
        self.assertIsNotNone(self.server.wait_for_line(r"configuration reloaded", timeout=5, start=start))
        self.assertNotEqual(self.serial(), before)


class ClientCertificateTest(TlsTestCase):
    files = FILES
    tls_extra = 'client_auth = "required"\nclient_ca = {ca}\n'

    def test_required_client_certificate(self):
        with self.assertRaises((ssl.SSLError, ConnectionError)):
            with tls_connect(self.server, self.ca) as s:
                # TLS 1.3: the server's verdict arrives after the client's handshake completes.
                s.sendall(build_request("GET", "/a.txt"))
                if not s.recv(1):
                    raise ConnectionError("closed")
        stranger_ca = CertificateAuthority("stranger-ca")
        try:
            stranger = stranger_ca.issue("stranger", client=True, common_name="stranger")
            with self.assertRaises((ssl.SSLError, ConnectionError)):
                with tls_connect(self.server, self.ca, cert=stranger) as s:
                    s.sendall(build_request("GET", "/a.txt"))
                    if not s.recv(1):
                        raise ConnectionError("closed")
        finally:
            shutil.rmtree(stranger_ca.dir, ignore_errors=True)
        member = self.ca.issue("member", client=True, common_name="member")
        with tls_connect(self.server, self.ca, cert=member) as s:
            s.sendall(build_request("GET", "/a.txt"))
            self.assertEqual(Reader(s).read_response().body, b"alpha\n")


@unittest.skipUnless(has_module("tls"), "built without the tls module")
class CommandLineTlsTest(unittest.TestCase):
    def test_flags_alone_serve_https(self):
        ca = CertificateAuthority()
        root = make_root({"a.txt": "alpha\n"})
        try:
            cert, key = ca.issue("cli", ["localhost"])
            with Server(root, None, args=["--tls-listen", "127.0.0.1:0", "--tls-cert", cert, "--tls-key",
                                          key]) as server:
                self.assertIsNotNone(server.tls_port)
                self.assertEqual(tls_get(server, ca, "/a.txt").body, b"alpha\n")
        finally:
            shutil.rmtree(root, ignore_errors=True)
            shutil.rmtree(ca.dir, ignore_errors=True)


if __name__ == "__main__":
    unittest.main()
