"""Virtual hosts ([[vhosts]]): a request is routed by its authority (Host, :authority or an
absolute-form target) to the host whose exact or wildcard server name matches, else to the
top-level (default) host. Each host serves its own root with its own file options, error pages
and header rules, over HTTP/1.1, HTTPS, h2 and h2c alike; no path of one reaches another's root,
and an SNI name of one host with the authority of another gets 421."""

import json
import re
import shutil
import time
import unittest

from ferry_harness import FerryTestCase, Server, has_module, make_root, request_once, toml_string
from tls_certs import CertificateAuthority

FULL = has_module("tls") and has_module("http2")
if FULL:
    from protocol_clients import TRANSPORTS, fetch
else:
    TRANSPORTS = ("h1",)


class VirtualHostTest(FerryTestCase):
    files = {"index.html": "default index\n", "same.txt": "default\n", "default-only.txt": "d\n"}

    @classmethod
    def setUpClass(cls):
        cls.root_a = make_root({"index.html": "a index\n", "same.txt": "tenant a\n", "a-only.txt": "a\n",
                                "docs/guide.txt": "guide\n"})
        cls.root_b = make_root({"same.txt": "tenant b\n", "b-only.txt": "b\n", "404.html": "b's own 404\n",
                                "list/one.txt": "1\n", "list/two.txt": "2\n"})
        cls.config = """
[log]
access_log = "stdout"
access_format = "json"

[[headers]]
path = "/**"
set = {{ "X-Host" = "default" }}

[[vhosts]]
name = "tenant-a"
server_names = ["a.test", "*.a.test"]
root = {root_a}
[[vhosts.headers]]
path = "/**"
set = {{ "X-Host" = "a" }}

[[vhosts]]
server_names = ["b.test", "*.deep.b.test"]
root = {root_b}
[vhosts.files]
directory_listing = true
[vhosts.error_pages]
404 = "/404.html"
""".format(root_a=toml_string(cls.root_a), root_b=toml_string(cls.root_b))
        cls.ca = None
        if FULL:
            cls.ca = CertificateAuthority()
            # One certificate for every name: a 421 below comes from the hosts, not the certificate.
            cert, key = cls.ca.issue("vhosts", ["localhost", "a.test", "*.a.test", "x.y.a.test", "b.test",
                                                "deep.b.test", "*.deep.b.test", "c.test", "xa.test",
                                                "other.test", "elsewhere.test"])
            cls.config += '\n[tls]\nlisten = ["127.0.0.1:0"]\ncertificates = [{ cert = %s, key = %s }]\n' % (
                toml_string(cert), toml_string(key))
        super().setUpClass()

    @classmethod
    def tearDownClass(cls):
        try:
            super().tearDownClass()
        finally:
            shutil.rmtree(cls.root_a, ignore_errors=True)
            shutil.rmtree(cls.root_b, ignore_errors=True)
            if cls.ca is not None:
                shutil.rmtree(cls.ca.dir, ignore_errors=True)

    def fetch(self, transport, target, authority, server_name=None):
        """`server_name` (SNI) defaults to the authority's host."""
        if server_name is None:
            server_name = authority.split(":")[0].rstrip(".").lower()
        if FULL:
            return fetch(self.server, transport, "GET", target, ca_file=self.ca.cert, authority=authority,
                         server_name=server_name)
        raw = "GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n" % (target, authority)
        return request_once(self.server, raw.encode())

    def test_routes_by_exact_and_wildcard_names(self):
        cases = (("a.test", "tenant a\n", "a"), ("www.a.test", "tenant a\n", "a"),
                 ("x.y.a.test", "tenant a\n", "a"), ("A.Test.", "tenant a\n", "a"), ("a.test:8443", "tenant a\n", "a"),
                 ("b.test", "tenant b\n", None), ("x.deep.b.test", "tenant b\n", None),
                 ("deep.b.test", "default\n", "default"),  # a wildcard never covers its own base
                 ("c.test", "default\n", "default"), ("localhost", "default\n", "default"),
                 ("xa.test", "default\n", "default"))
        for t in TRANSPORTS:
            for authority, body, marker in cases:
                if authority.endswith(".") and t.endswith("tls"):
                    continue  # over TLS the certificate is checked against the name as sent
                with self.subTest(transport=t, authority=authority):
                    r = self.fetch(t, "/same.txt", authority)
                    self.assertEqual(r.status, 200)
                    self.assertEqual(r.body.decode(), body)
                    # b.test has no header rules of its own: it inherits the top level's.
                    self.assertEqual(r.header("x-host"), marker or "default")

    def test_absolute_form_target_names_the_host(self):
        raw = b"GET http://b.test/same.txt HTTP/1.1\r\nHost: b.test\r\nConnection: close\r\n\r\n"
        r = request_once(self.server, raw)
        self.assertEqual((r.status, r.body), (200, b"tenant b\n"))

    def test_no_path_reaches_another_hosts_root(self):
        targets = ("/b-only.txt", "/../b-only.txt", "/%2e%2e/b-only.txt", "/..%2fb-only.txt", "/default-only.txt")
        for t in TRANSPORTS:
            for target in targets:
                with self.subTest(transport=t, target=target):
                    r = self.fetch(t, target, "a.test")
                    self.assertIn(r.status, (400, 404))
                    self.assertNotIn(r.body, (b"b\n", b"d\n"))

    def test_each_host_has_its_own_file_options_and_error_pages(self):
        for t in TRANSPORTS:
            with self.subTest(transport=t):
                listing = self.fetch(t, "/list/", "b.test")
                self.assertEqual(listing.status, 200)
                self.assertIn(b"one.txt", listing.body)
                missing = self.fetch(t, "/nothing.txt", "b.test")
                self.assertEqual((missing.status, missing.body), (404, b"b's own 404\n"))
                # tenant-a has no listing and the plain 404.
                self.assertEqual(self.fetch(t, "/docs/", "a.test").status, 404)
                self.assertNotEqual(self.fetch(t, "/nothing.txt", "a.test").body, b"b's own 404\n")
                self.assertEqual(self.fetch(t, "/", "a.test").body, b"a index\n")
                self.assertEqual(self.fetch(t, "/", "localhost").body, b"default index\n")

    def test_same_path_alternating_hosts_never_shares_cached_files(self):
        for t in TRANSPORTS:
            with self.subTest(transport=t):
                for _ in range(3):
                    self.assertEqual(self.fetch(t, "/same.txt", "a.test").body, b"tenant a\n")
                    self.assertEqual(self.fetch(t, "/same.txt", "b.test").body, b"tenant b\n")
                    self.assertEqual(self.fetch(t, "/same.txt", "other.test").body, b"default\n")

    def test_access_log_names_the_host(self):
        for t in TRANSPORTS:
            with self.subTest(transport=t):
                n = len(self.server.lines)
                self.fetch(t, "/a-only.txt", "www.a.test")
                line = self.server.wait_for_line(re.compile(r'^\{.*"target":"/a-only.txt"'), 5, start=n)
                self.assertIsNotNone(line)
                self.assertEqual(json.loads(line.string)["vhost"], "tenant-a")
                n = len(self.server.lines)
                self.fetch(t, "/same.txt", "elsewhere.test")
                line = self.server.wait_for_line(re.compile(r'^\{.*"host":"elsewhere.test"'), 5, start=n)
                self.assertIsNotNone(line)
                self.assertNotIn("vhost", json.loads(line.string))

    @unittest.skipUnless(has_module("metrics"), "needs the metrics module")
    def test_metrics_per_virtual_host(self):
        def count(name, labels):
            text = self.fetch("h1", "/metrics", "localhost").body.decode()
            m = re.search(r'^%s\{%s\} (\d+)$' % (name, re.escape(labels)), text, re.M)
            return int(m.group(1)) if m else None
        before = count("ferry_vhost_requests_total", 'vhost="tenant-a",code_class="2xx"') or 0
        for t in TRANSPORTS:
            self.assertEqual(self.fetch(t, "/a-only.txt", "a.test").status, 200)
        self.assertEqual(self.fetch("h1", "/missing", "b.test").status, 404)
        deadline = time.monotonic() + 5  # counted when each response has finished
        while count("ferry_vhost_requests_total", 'vhost="tenant-a",code_class="2xx"') < before + len(TRANSPORTS):
            self.assertLess(time.monotonic(), deadline)
            time.sleep(0.05)
        self.assertGreaterEqual(count("ferry_vhost_requests_total", 'vhost="b.test",code_class="4xx"'), 1)
        self.assertGreater(count("ferry_vhost_response_body_bytes_total", 'vhost="tenant-a"'), 0)

    @unittest.skipUnless(FULL, "needs the tls and http2 modules")
    def test_sni_of_one_host_with_the_authority_of_another_is_misdirected(self):
        for t in ("h1-tls", "h2-tls"):
            with self.subTest(transport=t):
                self.assertEqual(self.fetch(t, "/same.txt", "b.test", server_name="a.test").status, 421)
                self.assertEqual(self.fetch(t, "/same.txt", "a.test", server_name="localhost").status, 421)
                ok = self.fetch(t, "/same.txt", "www.a.test", server_name="a.test")
                self.assertEqual((ok.status, ok.body), (200, b"tenant a\n"))
                self.assertEqual(self.fetch(t, "/same.txt", "b.test", server_name="b.test").status, 200)


class VirtualHostConfigTest(unittest.TestCase):
    def setUp(self):
        self.root = make_root({"a.txt": "a\n"})

    def tearDown(self):
        shutil.rmtree(self.root, ignore_errors=True)

    def test_bad_tables_are_refused(self):
        root = toml_string(self.root)
        for config, needle in (
                ('[[vhosts]]\nroot = %s\n' % root, "server_names' is required"),
                ('[[vhosts]]\nserver_names = ["a.test"]\n', "root' is required"),
                ('[[vhosts]]\nserver_names = []\nroot = %s\n' % root, "at least one name"),
                ('[[vhosts]]\nserver_names = ["A.test"]\nroot = %s\n' % root, "lower case"),
                ('[[vhosts]]\nserver_names = ["*"]\nroot = %s\n' % root, "DNS name"),
                ('[[vhosts]]\nserver_names = ["a.*.test"]\nroot = %s\n' % root, "DNS name"),
                ('[[vhosts]]\nserver_names = ["a.test"]\nroot = %s\n[[vhosts]]\nserver_names = ["a.test"]\nroot = %s\n'
                 % (root, root), "another virtual host too"),
                ('[[vhosts]]\nserver_names = ["a.test"]\nroot = "/nonexistent/ferry-vhost"\n', "does not exist"),
                ('[[vhosts]]\nserver_names = ["a.test"]\nroot = %s\nworkers = 2\n' % root, "unknown key"),
                ('[[vhosts]]\nserver_names = ["a.test"]\nroot = %s\n[vhosts.files]\nindex = ["../x"]\n' % root,
                 "index")):
            with self.subTest(needle=needle):
                with self.assertRaises(RuntimeError) as raised:
                    Server(self.root, config)
                self.assertIn(needle, str(raised.exception))


if __name__ == "__main__":
    unittest.main()
