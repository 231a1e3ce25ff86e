"""Rate limits on the one request path: the same cases over HTTP/1.1, HTTPS, h2 and h2c.
A burst is admitted, the next request gets 429 with Retry-After and the IETF RateLimit-Policy /
RateLimit headers, every HTTP/2 stream counts, keys separate clients (by header, by principal,
by address), limits cover only their paths, and a reload keeps the clients' state."""

import hashlib
import re
import signal
import unittest

from ferry_harness import FerryTestCase, Server, get, has_module, make_root, toml_string
from tls_certs import CertificateAuthority

FULL = has_module("tls") and has_module("http2")
if FULL:
    from protocol_clients import TRANSPORTS, fetch, h2_exchange, open_h2
else:
    TRANSPORTS = ("h1",)

API_KEY = "rate-limit-test-key-0123456789abcdef"

CONFIG = """
[rate_limit]
[[rate_limit.limits]]
name = "by-client"
path = "/limited/**"
key = "header:X-Client"
rate = "1/h"
burst = 3

[[rate_limit.limits]]
name = "by-key"
path = "/keyed/**"
key = "principal"
rate = "1/h"
burst = 2

[[rate_limit.limits]]
name = "by-address"
path = "/address/**"
rate = "1/h"
burst = 5

[auth]
[auth.api_keys]
header = "X-API-Key"
keys = [ {{ id = "ci", hash = "sha256:{key_hash}" }} ]
[[auth.rules]]
path = "/keyed/**"
auth = ["api_key"]
action = "allow"
""".format(key_hash=hashlib.sha256(API_KEY.encode()).hexdigest())

STATE_RE = re.compile(r'^"([^"]+)";r=(\d+);t=(\d+)$')


@unittest.skipUnless(has_module("rate_limit") and has_module("auth"), "needs the rate_limit and auth modules")
class RateLimitTest(FerryTestCase):
    files = {"limited/a.txt": "a\n", "keyed/k.txt": "k\n", "address/x.txt": "x\n", "free.txt": "free\n"}

    @classmethod
    def setUpClass(cls):
        cls.config = CONFIG
        cls.ca = None
        if FULL:
            cls.ca = CertificateAuthority()
            cert, key = cls.ca.issue("rl", ["localhost"])
            cls.config += '\n[tls]\nlisten = ["127.0.0.1:0"]\ncertificates = [{ cert = %s, key = %s }]\n' % (
                toml_string(cert), toml_string(key))
        super().setUpClass()

    def fetch(self, transport, target, headers=()):
        if FULL:
            return fetch(self.server, transport, "GET", target, headers, ca_file=self.ca.cert)
        return get(self.server, target, headers=headers)

    def test_burst_then_429_with_headers(self):
        for t in TRANSPORTS:
            with self.subTest(transport=t):
                client = (("X-Client", "burst-" + t),)
                remaining = []
                for _ in range(3):
                    resp = self.fetch(t, "/limited/a.txt", client)
                    self.assertEqual(resp.status, 200)
                    self.assertEqual(resp.header("ratelimit-policy"), '"by-client";q=1;w=3600')
                    m = STATE_RE.match(resp.header("ratelimit"))
                    self.assertIsNotNone(m, resp.header("ratelimit"))
                    remaining.append(int(m.group(2)))
                self.assertEqual(remaining, [2, 1, 0])
                denied = self.fetch(t, "/limited/a.txt", client)
                self.assertEqual(denied.status, 429)
                self.assertNotIn(b"a\n", denied.body)
                retry = int(denied.header("retry-after"))
                self.assertTrue(3000 < retry <= 3600, retry)
                self.assertEqual(STATE_RE.match(denied.header("ratelimit")).group(2), "0")
                # Another client's bucket is untouched; a path no limit covers has no headers.
                self.assertEqual(self.fetch(t, "/limited/a.txt", (("X-Client", "other-" + t),)).status, 200)
                free = self.fetch(t, "/free.txt", client)
                self.assertEqual(free.status, 200)
                self.assertIsNone(free.header("ratelimit"))
        # Every refusal is counted, by the limit that refused it.
        metrics = get(self.server, "/metrics").body.decode()
        refused = re.search(r'^ferry_rate_limited_total\{limit="by-client"\} (\d+)$', metrics, re.M)
        self.assertIsNotNone(refused, metrics)
        self.assertGreaterEqual(int(refused.group(1)), len(TRANSPORTS))
        self.assertRegex(metrics, r'(?m)^ferry_rate_limit_keys [1-9]')

    def test_requests_without_the_key_are_not_counted(self):
        for t in TRANSPORTS:
            with self.subTest(transport=t):
                for _ in range(5):
                    self.assertEqual(self.fetch(t, "/limited/a.txt").status, 200)

    def test_every_http2_stream_counts(self):
        if not FULL:
            self.skipTest("needs http2")
        for t in ("h2c", "h2-tls"):
            with self.subTest(transport=t):
                sock, conn = open_h2(self.server, t, self.ca.cert)
                with sock:
                    headers = [("x-client", "streams-" + t)]
                    statuses = [r.status for r in h2_exchange(sock, conn, [("GET", "/limited/a.txt", headers)] * 5)]
                self.assertEqual(sorted(statuses), [200, 200, 200, 429, 429])

    def test_principal_keys(self):
        # One principal across every protocol: the bucket is the key's, not the connection's.
        statuses = [self.fetch(t, "/keyed/k.txt", (("X-API-Key", API_KEY),)).status for t in TRANSPORTS]
        self.assertEqual(statuses[:2], [200, 200])
        self.assertTrue(all(s == 429 for s in statuses[2:]), statuses)
        # Anonymous requests are not counted by a principal limit (auth allows them here).
        self.assertEqual(self.fetch("h1", "/keyed/k.txt").status, 200)

    def test_client_address_key(self):
        statuses = [get(self.server, "/address/x.txt").status for _ in range(7)]
        self.assertEqual(statuses, [200] * 5 + [429] * 2)


@unittest.skipUnless(has_module("rate_limit"), "needs the rate_limit module")
class RateLimitReloadTest(unittest.TestCase):
    def test_reload_keeps_the_clients_state(self):
        root = make_root({"a.txt": "a\n"})
        config = '[rate_limit]\n[[rate_limit.limits]]\nname = "n"\nrate = "1/h"\nburst = 2\n'
        with Server(root, config) as srv:
            self.assertEqual([get(srv, "/a.txt").status for _ in range(3)], [200, 200, 429])
            with open(srv.config_path, "w") as f:
                f.write(config + "\n[limits]\nmax_uri_length = 4000\n")
            n = len(srv.lines)
            srv.signal(signal.SIGHUP)
            self.assertIsNotNone(srv.wait_for_line(r"configuration reloaded", 5, start=n))
            self.assertEqual(get(srv, "/a.txt").status, 429)

    def test_bad_tables_are_refused(self):
        root = make_root({"a.txt": "a\n"})
        for config, needle in (
                ('[rate_limit]\n[[rate_limit.limits]]\nname = "n"\nrate = "10/fortnight"\n', "rate"),
                ('[rate_limit]\n[[rate_limit.limits]]\nrate = "10/s"\n', "missing 'name'"),
                ('[rate_limit]\n[[rate_limit.limits]]\nname = "n"\nrate = "1/s"\nkey = "cookie"\n', "key"),
                ('[rate_limit]\nbackend = "redis"\n', "needs a [rate_limit.redis] table"),
                ('[rate_limit]\nbackend = "memcached"\n', "backend"),
                ('[rate_limit]\nbuckets = 10\n', "unknown key")):
            with self.subTest(needle=needle):
                with self.assertRaises(RuntimeError) as raised:
                    Server(root, config)
                self.assertIn(needle, str(raised.exception))


if __name__ == "__main__":
    unittest.main()
