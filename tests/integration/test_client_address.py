"""The client address behind load balancers: [client_address] (X-Forwarded-For / Forwarded from
trusted proxies only) and listeners with proxy_protocol = true (a PROXY v1/v2 header first, before
TLS on TLS listeners). The address found is the JSON access log's `remote`, over HTTP/1.1,
HTTPS, h2 and h2c; an untrusted peer is always itself; a connection without a valid PROXY header
is closed without an answer."""

import json
import re
import shutil
import socket
import ssl
import struct
import time
import unittest

from ferry_harness import Reader, Server, build_request, has_module, make_root, toml_string
from tls_certs import CertificateAuthority

FULL = has_module("tls") and has_module("http2")
if FULL:
    import h2.config
    import h2.connection
    from protocol_clients import TRANSPORTS, fetch, h2_exchange
else:
    TRANSPORTS = ("h1",)

FILES = {"index.html": "hello\n", "office/plan.txt": "plan\n"}
PROXY_LISTEN_RE = re.compile(r"listening on http://127\.0\.0\.2:(\d+) \(PROXY protocol\)")
PROXY_TLS_LISTEN_RE = re.compile(r"listening on https://127\.0\.0\.2:(\d+) \(PROXY protocol\)")
V2_SIGNATURE = b"\r\n\r\n\x00\r\nQUIT\n"
HEAD_TIMEOUT = 1.0  # timeouts.request_head below


def proxy_v1(source, destination="127.0.0.2", source_port=40000, destination_port=80):
    family = "TCP6" if ":" in source else "TCP4"
    return ("PROXY %s %s %s %d %d\r\n" % (family, source, destination, source_port, destination_port)).encode()


def proxy_v2(source=None, destination=None, source_port=40000, destination_port=443, local=False, tlvs=b""):
    """A PROXY v2 header: PROXY over TCP/IPv4 or TCP/IPv6, or LOCAL (a balancer's health check)."""
    if local:
        return V2_SIGNATURE + bytes([0x20, 0x00]) + struct.pack("!H", len(tlvs)) + tlvs
    family = socket.AF_INET6 if ":" in source else socket.AF_INET
    block = (socket.inet_pton(family, source) + socket.inet_pton(family, destination) +
             struct.pack("!HH", source_port, destination_port) + tlvs)
    return V2_SIGNATURE + bytes([0x21, 0x21 if family == socket.AF_INET6 else 0x11]) + \
        struct.pack("!H", len(block)) + block


def get_request(target, headers=()):
    return build_request("GET", target, headers=[("Host", "localhost"), ("Connection", "close"), *headers])


class ClientAddressCase(unittest.TestCase):
    """A server with trusted_proxies = 127.0.0.1/32 and, next to the ordinary listeners, a
    plaintext and a TLS listener with proxy_protocol on 127.0.0.2."""

    header = "x-forwarded-for"
    with_tls = FULL
    with_auth = False

    @classmethod
    def setUpClass(cls):
        cls.root = make_root(FILES)
        cls.ca = None
        config = """
listen = ["127.0.0.1:0", { address = "127.0.0.2:0", proxy_protocol = true }]

[log]
access_log = "stdout"
access_format = "json"

[timeouts]
request_head = "1s"

[client_address]
trusted_proxies = ["127.0.0.1/32"]
header = %s
""" % toml_string(cls.header)
        if cls.with_tls:
            cls.ca = CertificateAuthority()
            cert, key = cls.ca.issue("server", ["localhost"])
            config += """
[tls]
listen = ["127.0.0.1:0", { address = "127.0.0.2:0", proxy_protocol = true }]
certificates = [{ cert = %s, key = %s }]
""" % (toml_string(cert), toml_string(key))
        if cls.with_auth:
            config += """
[auth]
default = "allow"

[[auth.rules]]
name = "office"
path = "/office/**"
action = "allow"
when = { client_address_in = ["203.0.113.0/24"] }

[[auth.rules]]
name = "others"
path = "/office/**"
action = "deny"
"""
        cls.server = Server(cls.root, config, cli_listen=False)
        m = cls.server.wait_for_line(PROXY_LISTEN_RE, 5)
        assert m is not None, "\n".join(cls.server.lines)
        cls.proxy_port = int(m.group(1))
        cls.proxy_tls_port = None
        if cls.with_tls:
            m = cls.server.wait_for_line(PROXY_TLS_LISTEN_RE, 5)
            assert m is not None, "\n".join(cls.server.lines)
            cls.proxy_tls_port = int(m.group(1))
        cls.serial = 0

    @classmethod
    def tearDownClass(cls):
        code = cls.server.stop()
        shutil.rmtree(cls.root, ignore_errors=True)
        if cls.ca is not None:
            shutil.rmtree(cls.ca.dir, ignore_errors=True)
        bad = cls.server.unexpected_errors()
        if bad:
            raise AssertionError("unexpected error-log lines:\n" + "\n".join(bad))
        if code != 0:
            raise AssertionError("ferry exited with %s" % code)

    def target(self, path="/index.html"):
        """`path` with a query no other request of the run has, to find its access log line."""
        type(self).serial += 1
        return "%s?n=%d" % (path, self.serial)

    def logged_remote(self, target):
        """The `remote` of the access log line for `target` (the log is flushed every 500 ms)."""
        marker = re.compile(r'^\{.*"target":"%s"' % re.escape(target).replace("/", r"\\?/"))
        m = self.server.wait_for_line(marker, 5)
        self.assertIsNotNone(m, "no access log line for %s" % target)
        return json.loads(m.string)["remote"]

    def tls_context(self, alpn):
        ctx = ssl.create_default_context(cafile=self.ca.cert)
        ctx.set_alpn_protocols(alpn)
        return ctx

    def raw_exchange(self, port, prefix, target, headers=(), source=None, tls_alpn=None):
        """Connects to `port` (from `source`), sends `prefix` (a PROXY header) and one request,
        over TLS when `tls_alpn` is given; returns the response."""
        sock = socket.create_connection(("127.0.0.2" if port in (self.proxy_port, self.proxy_tls_port) else
                                         self.server.host, port), timeout=10,
                                        source_address=(source, 0) if source else None)
        try:
            sock.sendall(prefix)
            if tls_alpn is not None:
                sock = self.tls_context(tls_alpn).wrap_socket(sock, server_hostname="localhost")
                if tls_alpn == ["h2"]:
                    conn = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True,
                                                                                header_encoding="utf-8"))
                    conn.initiate_connection()
                    sock.sendall(conn.data_to_send())
                    return h2_exchange(sock, conn, [("GET", target, [(k.lower(), v) for k, v in headers])])[0]
            sock.sendall(get_request(target, headers))
            return Reader(sock).read_response()
        finally:
            sock.close()

    def assert_closed_silently(self, sock, within=5.0):
        """The server closes `sock` without sending a byte; returns how long that took."""
        start = time.monotonic()
        sock.settimeout(within)
        try:
            data = sock.recv(4096)
        except ConnectionResetError:
            data = b""
        self.assertEqual(data, b"", "the server answered instead of closing")
        return time.monotonic() - start


class ForwardedForTest(ClientAddressCase):
    def fetch(self, transport, target, headers=()):
        if FULL:
            return fetch(self.server, transport, "GET", target, headers, ca_file=self.ca.cert)
        return self.raw_exchange(self.server.port, b"", target, headers)

    def test_trusted_peer_names_the_client_over_each_transport(self):
        for transport in TRANSPORTS:
            with self.subTest(transport=transport):
                target = self.target()
                resp = self.fetch(transport, target, [("X-Forwarded-For", "evil, 203.0.113.9")])
                self.assertEqual(resp.status, 200)
                self.assertEqual(self.logged_remote(target), "203.0.113.9")

    def test_trusted_hops_are_skipped_and_several_fields_form_one_list(self):
        for transport in TRANSPORTS:
            with self.subTest(transport=transport):
                target = self.target()
                headers = [("X-Forwarded-For", "203.0.113.1, 2001:DB8:0::17"), ("X-Forwarded-For", "127.0.0.1")]
                self.assertEqual(self.fetch(transport, target, headers).status, 200)
                self.assertEqual(self.logged_remote(target), "2001:db8::17")

    def test_without_the_header_the_peer_is_the_client(self):
        target = self.target()
        self.assertEqual(self.fetch("h1", target).status, 200)
        self.assertEqual(self.logged_remote(target), "127.0.0.1")

    def test_a_hop_that_is_not_an_address_stops_at_the_trusted_proxy(self):
        target = self.target()
        self.assertEqual(self.fetch("h1", target, [("X-Forwarded-For", "203.0.113.9, unknown")]).status, 200)
        self.assertEqual(self.logged_remote(target), "127.0.0.1")

    def test_forwarded_is_not_read_when_x_forwarded_for_is_configured(self):
        target = self.target()
        self.assertEqual(self.fetch("h1", target, [("Forwarded", "for=203.0.113.9")]).status, 200)
        self.assertEqual(self.logged_remote(target), "127.0.0.1")

    def test_untrusted_peer_is_logged_as_itself(self):
        for prefix_source in ("127.0.0.3", "127.0.0.4"):
            target = self.target()
            resp = self.raw_exchange(self.server.port, b"", target, [("X-Forwarded-For", "203.0.113.9")],
                                     source=prefix_source)
            self.assertEqual(resp.status, 200)
            self.assertEqual(self.logged_remote(target), prefix_source)

    @unittest.skipUnless(FULL, "needs the tls module")
    def test_untrusted_peer_over_tls_is_logged_as_itself(self):
        target = self.target()
        sock = socket.create_connection((self.server.host, self.server.tls_port), timeout=10,
                                        source_address=("127.0.0.3", 0))
        with self.tls_context(["http/1.1"]).wrap_socket(sock, server_hostname="localhost") as tls:
            tls.sendall(get_request(target, [("X-Forwarded-For", "203.0.113.9")]))
            self.assertEqual(Reader(tls).read_response().status, 200)
        self.assertEqual(self.logged_remote(target), "127.0.0.3")


class ForwardedHeaderTest(ClientAddressCase):
    header = "forwarded"
    with_tls = False

    def test_forwarded_names_the_client(self):
        target = self.target()
        resp = self.raw_exchange(self.server.port, b"", target,
                                 [("Forwarded", 'for=192.0.2.60;proto=http, for="[2001:db8::17]:4711"')])
        self.assertEqual(resp.status, 200)
        self.assertEqual(self.logged_remote(target), "2001:db8::17")

    def test_x_forwarded_for_is_not_read_when_forwarded_is_configured(self):
        target = self.target()
        self.assertEqual(self.raw_exchange(self.server.port, b"", target,
                                           [("X-Forwarded-For", "203.0.113.9")]).status, 200)
        self.assertEqual(self.logged_remote(target), "127.0.0.1")

    def test_untrusted_peer_is_logged_as_itself(self):
        target = self.target()
        self.assertEqual(self.raw_exchange(self.server.port, b"", target, [("Forwarded", "for=203.0.113.9")],
                                           source="127.0.0.3").status, 200)
        self.assertEqual(self.logged_remote(target), "127.0.0.3")


class ProxyProtocolTest(ClientAddressCase):
    def test_v1_on_a_plaintext_listener(self):
        target = self.target()
        resp = self.raw_exchange(self.proxy_port, proxy_v1("192.0.2.10"), target)
        self.assertEqual(resp.status, 200)
        self.assertEqual(resp.body, b"hello\n")
        self.assertEqual(self.logged_remote(target), "192.0.2.10")

    def test_v2_on_a_plaintext_listener(self):
        target = self.target()
        tlv = b"\x04\x00\x03abc"  # PP2_TYPE_NOOP: accepted and ignored
        resp = self.raw_exchange(self.proxy_port, proxy_v2("2001:db8::5", "2001:db8::1", tlvs=tlv), target)
        self.assertEqual(resp.status, 200)
        self.assertEqual(self.logged_remote(target), "2001:db8::5")

    def test_the_proxy_source_is_then_judged_by_trusted_proxies(self):
        # An untrusted source: its X-Forwarded-For is ignored.
        target = self.target()
        self.assertEqual(self.raw_exchange(self.proxy_port, proxy_v1("192.0.2.10"), target,
                                           [("X-Forwarded-For", "203.0.113.9")]).status, 200)
        self.assertEqual(self.logged_remote(target), "192.0.2.10")
        # A trusted one (the PROXY header says 127.0.0.1) names the client.
        target = self.target()
        self.assertEqual(self.raw_exchange(self.proxy_port, proxy_v1("127.0.0.1"), target,
                                           [("X-Forwarded-For", "203.0.113.9")]).status, 200)
        self.assertEqual(self.logged_remote(target), "203.0.113.9")

    def test_local_and_unknown_keep_the_peer(self):
        for name, prefix in (("v2 LOCAL", proxy_v2(local=True)), ("v1 UNKNOWN", b"PROXY UNKNOWN\r\n")):
            with self.subTest(header=name):
                target = self.target()
                self.assertEqual(self.raw_exchange(self.proxy_port, prefix, target).status, 200)
                self.assertEqual(self.logged_remote(target), "127.0.0.1")

    def test_keep_alive_requests_keep_the_proxy_address(self):
        sock = socket.create_connection(("127.0.0.2", self.proxy_port), timeout=10)
        with sock:
            reader = Reader(sock)
            targets = [self.target(), self.target()]
            sock.sendall(proxy_v1("198.51.100.7") + build_request("GET", targets[0]))
            self.assertEqual(reader.read_response().status, 200)
            sock.sendall(get_request(targets[1]))
            self.assertEqual(reader.read_response().status, 200)
        self.assertEqual([self.logged_remote(t) for t in targets], ["198.51.100.7", "198.51.100.7"])

    def test_a_header_in_pieces_is_waited_for(self):
        target = self.target()
        header = proxy_v1("192.0.2.33")
        sock = socket.create_connection(("127.0.0.2", self.proxy_port), timeout=10)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with sock:
            sock.sendall(header[:9])
            time.sleep(0.2)  # two segments, not a synchronisation
            sock.sendall(header[9:] + get_request(target))
            self.assertEqual(Reader(sock).read_response().status, 200)
        self.assertEqual(self.logged_remote(target), "192.0.2.33")

    def test_h2c_after_a_proxy_header(self):
        if not FULL:
            self.skipTest("needs the http2 module")
        target = self.target()
        sock = socket.create_connection(("127.0.0.2", self.proxy_port), timeout=10)
        with sock:
            sock.sendall(proxy_v2("192.0.2.44", "192.0.2.1"))
            conn = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True, header_encoding="utf-8"))
            conn.initiate_connection()
            sock.sendall(conn.data_to_send())
            self.assertEqual(h2_exchange(sock, conn, [("GET", target, [])])[0].status, 200)
        self.assertEqual(self.logged_remote(target), "192.0.2.44")

    @unittest.skipUnless(FULL, "needs the tls and http2 modules")
    def test_on_a_tls_listener_the_header_comes_before_the_handshake(self):
        cases = (("v1, http/1.1", proxy_v1("192.0.2.21"), ["http/1.1"], "192.0.2.21"),
                 ("v2, http/1.1", proxy_v2("192.0.2.22", "192.0.2.1"), ["http/1.1"], "192.0.2.22"),
                 ("v2, h2", proxy_v2("2001:db8::23", "2001:db8::1"), ["h2"], "2001:db8::23"),
                 ("v1 trusted, XFF", proxy_v1("127.0.0.1"), ["http/1.1"], "203.0.113.24"))
        for name, prefix, alpn, expected in cases:
            with self.subTest(case=name):
                target = self.target()
                resp = self.raw_exchange(self.proxy_tls_port, prefix, target, [("X-Forwarded-For", "203.0.113.24")],
                                         tls_alpn=alpn)
                self.assertEqual(resp.status, 200)
                self.assertEqual(self.logged_remote(target), expected)

    def test_garbage_instead_of_a_header_is_closed_without_an_answer(self):
        ports = [self.proxy_port] + ([self.proxy_tls_port] if self.proxy_tls_port else [])
        for port in ports:
            for garbage in (get_request("/index.html"), b"PROXY TCP4 1.2.3.4 5.6.7.8 1 2 3\r\n",
                            b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", V2_SIGNATURE + b"\x22\x11\x00\x0c"):
                with self.subTest(port=port, garbage=garbage[:16]):
                    with socket.create_connection(("127.0.0.2", port), timeout=10) as sock:
                        sock.sendall(garbage)
                        self.assertLess(self.assert_closed_silently(sock), HEAD_TIMEOUT)

    @unittest.skipUnless(FULL, "needs the tls module")
    def test_a_tls_handshake_without_a_header_fails(self):
        sock = socket.create_connection(("127.0.0.2", self.proxy_tls_port), timeout=10)
        with self.assertRaises((ssl.SSLError, ConnectionError, OSError)):
            with self.tls_context(["http/1.1"]).wrap_socket(sock, server_hostname="localhost"):
                pass
        sock.close()

    def test_a_slow_header_is_closed_after_the_head_timeout(self):
        ports = [self.proxy_port] + ([self.proxy_tls_port] if self.proxy_tls_port else [])
        for port in ports:
            for sent in (b"", b"PROXY TCP4 192.0.2.1 ", V2_SIGNATURE[:8]):
                with self.subTest(port=port, sent=sent):
                    # The deadline runs from the accept: measured from before the connect, the
                    # wait cannot look shorter than it was, however late the client starts it.
                    before = time.monotonic()
                    with socket.create_connection(("127.0.0.2", port), timeout=10) as sock:
                        sock.sendall(sent)
                        self.assert_closed_silently(sock, within=HEAD_TIMEOUT + 4)
                        waited = time.monotonic() - before
                        self.assertGreater(waited, HEAD_TIMEOUT * 0.8)

    def test_a_proxy_header_on_an_ordinary_listener_is_not_believed(self):
        # "PROXY" reads as an unknown method: an error, never a client address.
        resp = self.raw_exchange(self.server.port, proxy_v1("192.0.2.10"), self.target())
        self.assertIn(resp.status, (400, 501))


@unittest.skipUnless(has_module("auth"), "needs the auth module")
class AuthSeesTheClientTest(ClientAddressCase):
    with_tls = False
    with_auth = True

    def test_client_address_in_sees_the_resolved_address(self):
        def status(headers, prefix=b"", port=None, source=None):
            return self.raw_exchange(port or self.server.port, prefix, self.target("/office/plan.txt"), headers,
                                     source=source).status
        self.assertEqual(status([("X-Forwarded-For", "203.0.113.9")]), 200)
        self.assertEqual(status([]), 403)
        self.assertEqual(status([("X-Forwarded-For", "198.51.100.1")]), 403)
        # An untrusted peer cannot talk its way in.
        self.assertEqual(status([("X-Forwarded-For", "203.0.113.9")], source="127.0.0.3"), 403)
        # Through a PROXY header.
        self.assertEqual(status([], proxy_v1("203.0.113.50"), self.proxy_port), 200)
        self.assertEqual(status([], proxy_v1("192.0.2.50"), self.proxy_port), 403)


@unittest.skipUnless(has_module("metrics"), "needs the metrics module")
class MetricsJudgesTheConnectionTest(ClientAddressCase):
    with_tls = False

    def test_the_allow_list_ignores_headers(self):
        # Loopback may scrape (the default allow-list); a header naming someone else changes nothing.
        self.assertEqual(self.raw_exchange(self.server.port, b"", "/metrics",
                                           [("X-Forwarded-For", "203.0.113.9")]).status, 200)
        # Nor can a header make an outsider loopback: the PROXY source is what counts.
        self.assertEqual(self.raw_exchange(self.proxy_port, proxy_v1("192.0.2.10"), "/metrics").status, 404)
        self.assertEqual(self.raw_exchange(self.proxy_port, proxy_v1("127.0.0.1"), "/metrics",
                                           [("X-Forwarded-For", "203.0.113.9")]).status, 200)
        self.assertEqual(self.raw_exchange(self.proxy_port, proxy_v1("192.0.2.10"), "/metrics",
                                           [("X-Forwarded-For", "127.0.0.1")]).status, 404)


if __name__ == "__main__":
    unittest.main()
