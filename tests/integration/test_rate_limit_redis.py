"""Rate limits shared through Redis ([rate_limit] backend = "redis"): two ferry processes on one
Redis enforce one limit (and, as a control, two local ones enforce twice as much), over HTTP/1.1,
HTTPS, h2 and h2c; key prefixes, long (digested) keys, `db` and reloads; while Redis is stopped
(SIGSTOP) every request is still answered within the call timeout under each on_error policy,
and Redis decides again once it is back; a killed Redis restarted on the same port is used
again; /metrics counts the calls, the errors and the fallbacks; AUTH (password file, ACL user,
wrong or missing password), TLS to Redis (client certificate; wrong CA, wrong name, no client
certificate, plaintext) and --check-config of bad [rate_limit.redis] tables. Every redis-server
is started here (redis_server.py) on a free port without persistence, and stopped."""

import os
import re
import shutil
import signal
import tempfile
import time
import unittest
import uuid

import redis_server
from ferry_harness import Server, get, has_module, make_root, run_ferry, toml_string
from redis_server import RedisServer
from tls_certs import CertificateAuthority

FULL = has_module("tls") and has_module("http2")
if FULL:
    from protocol_clients import TRANSPORTS, fetch, h2_exchange, open_h2
else:
    TRANSPORTS = ("h1",)

STATE_RE = re.compile(r'^"([^"]+)";r=(\d+);t=(\d+)$')
REDIS_ERRORS = (r"(?i)redis",)  # error-log lines a test that breaks Redis expects
TIMEOUT_MS = 50
ANSWER_BOUND = 1.0   # seconds: timeout_ms plus a generous slack for a loaded machine
RECOVERY_BOUND = 15.0  # seconds: reconnect backoff (max 5 s) plus connect and script load


def prefix_for(test):
    """A key prefix of its own (at most 64 characters) for each fleet a test starts."""
    return "ft:%s:%s:" % (test.id().rsplit(".", 1)[-1][5:30], uuid.uuid4().hex[:8])


def limit_table(name, path, key="client_address", rate="1/h", burst=None):
    text = '\n[[rate_limit.limits]]\nname = "%s"\npath = "%s"\nkey = "%s"\nrate = "%s"\n' % (name, path, key, rate)
    if burst is not None:
        text += "burst = %d\n" % burst
    return text


def redis_config(redis, prefix, limits, timeout_ms=TIMEOUT_MS, host="127.0.0.1", **options):
    """[rate_limit] on backend redis; `options` become keys of [rate_limit.redis] (strings quoted,
    booleans and integers as they are)."""
    text = '[rate_limit]\nbackend = "redis"\n[rate_limit.redis]\nhost = "%s"\nport = %d\n' % (host, redis.port)
    text += "timeout_ms = %d\nkey_prefix = %s\n" % (timeout_ms, toml_string(prefix))
    for k, v in options.items():
        if isinstance(v, bool):
            text += "%s = %s\n" % (k, "true" if v else "false")
        elif isinstance(v, int):
            text += "%s = %d\n" % (k, v)
        else:
            text += "%s = %s\n" % (k, toml_string(v))
    return text + limits


def local_config(limits):
    return "[rate_limit]\n" + limits


def timed_get(server, path, headers=()):
    t0 = time.monotonic()
    resp = get(server, path, headers=headers)
    return resp, time.monotonic() - t0


def metric_values(server, name):
    """{labels text: value} of every sample of `name` (labels text "" when it has none)."""
    text = get(server, "/metrics").body.decode()
    out = {}
    for m in re.finditer(r"^%s(\{[^}]*\})? (\S+)$" % re.escape(name), text, re.M):
        out[m.group(1) or ""] = float(m.group(2))
    return out


def metric(server, name, **labels):
    """The sum of the samples of `name` whose labels include `labels` (0 when there is none)."""
    total = 0.0
    for lbl, value in metric_values(server, name).items():
        if all('%s="%s"' % (k, v) in lbl for k, v in labels.items()):
            total += value
    return total


def poll(predicate, timeout, interval=0.25):
    """Calls predicate() until it returns something true or `timeout` passes; returns the last
    result and the seconds it took."""
    t0 = time.monotonic()
    while True:
        result = predicate()
        if result or time.monotonic() - t0 > timeout:
            return result, time.monotonic() - t0
        time.sleep(interval)


class RedisTestCase(unittest.TestCase):
    """Helpers: servers started by a test are stopped (and their logs checked) at its end."""

    def setUp(self):
        self.root = make_root({"t/a.txt": "a\n", "m/a.txt": "m\n", "probe/a.txt": "p\n", "free.txt": "free\n",
                               **{"%s/a.txt" % t: t + "\n" for t in TRANSPORTS}})
        self.addCleanup(shutil.rmtree, self.root, True)
        self.servers = []
        self.redises = []

    def tearDown(self):
        failures = []
        for srv in self.servers:
            try:
                code = srv.stop()
            except AssertionError as e:  # did not stop: still stop the others and Redis
                failures.append(str(e))
                continue
            bad = srv.unexpected_errors()
            if bad:
                failures.append("unexpected error-log lines:\n" + "\n".join(bad))
            if code != 0:
                failures.append("ferry exited with %s:\n%s" % (code, "\n".join(srv.lines[-20:])))
        for r in self.redises:
            r.stop()
        if failures:
            raise AssertionError("\n".join(failures))

    def redis(self, **kwargs):
        r = RedisServer(**kwargs)
        self.redises.append(r)
        return r

    def ferry(self, config, expect_errors=(), connected=True):
        """A ferry with `config`; with `connected`, waits until a connection to Redis is up
        (until then every decision is the failure action's, by design)."""
        srv = Server(self.root, config, expect_errors=expect_errors)
        self.servers.append(srv)
        if connected:
            up, took = poll(lambda: metric(srv, "ferry_rate_limit_redis_connections") >= 1, 5.0, 0.02)
            self.assertTrue(up, "no connection to Redis %.1f s after the start:\n%s" % (took, "\n".join(srv.lines)))
        return srv

    def assert_refused(self, resp, policy_name):
        self.assertEqual(resp.status, 429, resp)
        retry = int(resp.header("retry-after"))
        self.assertTrue(0 < retry <= 3600, retry)
        self.assertIn('"%s";' % policy_name, resp.header("ratelimit-policy") or "", resp)
        state = STATE_RE.match(resp.header("ratelimit") or "")
        self.assertIsNotNone(state, resp)
        self.assertEqual(state.group(2), "0", resp)

    def answered_within_bound(self, server, path, headers, count):
        """`count` requests, each answered within ANSWER_BOUND; returns their responses."""
        out = []
        for _ in range(count):
            resp, took = timed_get(server, path, headers)
            self.assertLess(took, ANSWER_BOUND, "answered after %.3f s: %r" % (took, resp))
            out.append(resp)
        return out


@unittest.skipUnless(has_module("rate_limit"), "needs the rate_limit module")
@unittest.skipUnless(redis_server.available(), "needs /usr/bin/redis-server")
class SharedLimitTest(RedisTestCase):
    LIMIT = limit_table("global", "/t/**", burst=20)

    def alternate(self, servers, count, path="/t/a.txt", headers=()):
        return [get(servers[i % len(servers)], path, headers=headers) for i in range(count)]

    def test_two_instances_enforce_one_limit(self):
        r = self.redis()
        prefix = prefix_for(self)
        a = self.ferry(redis_config(r, prefix, self.LIMIT))
        b = self.ferry(redis_config(r, prefix, self.LIMIT))
        responses = self.alternate((a, b), 60)
        statuses = [x.status for x in responses]
        allowed = statuses.count(200)
        self.assertIn(allowed, (20, 21), statuses)
        self.assertEqual(statuses[:20], [200] * 20, statuses)
        self.assertEqual(statuses[21:], [429] * 39, statuses)
        # Both instances read one bucket: the remaining count goes down across them.
        remaining = [int(STATE_RE.match(x.header("ratelimit")).group(2)) for x in responses[:20]]
        self.assertEqual(remaining, list(range(19, -1, -1)))
        for x in responses[:20]:
            self.assertEqual(x.header("ratelimit-policy"), '"global";q=1;w=3600')
        for x in responses[21:]:
            self.assert_refused(x, "global")
            self.assertTrue(3000 < int(x.header("retry-after")) <= 3600, x)
        # The state is in Redis, under the prefix; a path no limit covers is not counted.
        self.assertTrue(r.keys(prefix + "*"), "no key under %s" % prefix)
        self.assertTrue(all(k.startswith(prefix.encode()) for k in r.keys("*")), r.keys("*"))
        free = get(a, "/free.txt")
        self.assertEqual(free.status, 200)
        self.assertIsNone(free.header("ratelimit"))
        # /metrics: calls made, none failed, connections up, latencies observed.
        for srv in (a, b):
            self.assertGreaterEqual(metric(srv, "ferry_rate_limit_redis_calls_total"), 30)
            self.assertEqual(metric(srv, "ferry_rate_limit_redis_errors_total"), 0)
            self.assertGreaterEqual(metric(srv, "ferry_rate_limit_redis_connections"), 1)
            self.assertGreaterEqual(metric(srv, "ferry_rate_limit_redis_latency_seconds_count"), 30)
            self.assertGreater(metric(srv, "ferry_rate_limit_redis_latency_seconds_sum"), 0)
            self.assertEqual(metric(srv, "ferry_rate_limit_fallbacks_total"), 0)
            self.assertGreaterEqual(metric(srv, "ferry_rate_limited_total", limit="global"), 19)

    def test_control_two_local_instances_allow_twice(self):
        a = self.ferry(local_config(self.LIMIT), connected=False)
        b = self.ferry(local_config(self.LIMIT), connected=False)
        statuses = [x.status for x in self.alternate((a, b), 60)]
        self.assertEqual(statuses.count(200), 40, statuses)
        self.assertEqual(statuses[:40], [200] * 40, statuses)

    def test_keys_and_prefixes_separate_buckets(self):
        r = self.redis()
        limit = limit_table("by-client", "/t/**", key="header:X-Client", burst=2)
        p1, p2 = prefix_for(self), prefix_for(self)
        a = self.ferry(redis_config(r, p1, limit))
        b = self.ferry(redis_config(r, p1, limit))
        c = self.ferry(redis_config(r, p2, limit))  # another prefix: another fleet
        one, two = (("X-Client", "one"),), (("X-Client", "two"),)
        self.assertEqual([x.status for x in self.alternate((a, b), 4, headers=one)], [200, 200, 429, 429])
        self.assertEqual([x.status for x in self.alternate((b, a), 3, headers=two)], [200, 200, 429])
        self.assertEqual([x.status for x in self.alternate((c,), 3, headers=one)], [200, 200, 429])
        # Requests without the header are not counted, and do not reach Redis.
        calls = metric(a, "ferry_rate_limit_redis_calls_total")
        self.assertEqual([x.status for x in self.alternate((a,), 5)], [200] * 5)
        self.assertEqual(metric(a, "ferry_rate_limit_redis_calls_total"), calls)

    def test_long_keys_are_digested_and_still_separate(self):
        r = self.redis()
        prefix = prefix_for(self)
        limit = limit_table("by-client", "/t/**", key="header:X-Client", burst=2)
        a = self.ferry(redis_config(r, prefix, limit))
        b = self.ferry(redis_config(r, prefix, limit))
        long_one, long_two = "x" * 3000 + "1", "x" * 3000 + "2"  # differ only past the 1024 bytes
        self.assertEqual([x.status for x in self.alternate((a, b), 3, headers=(("X-Client", long_one),))],
                         [200, 200, 429])
        self.assertEqual([x.status for x in self.alternate((b, a), 3, headers=(("X-Client", long_two),))],
                         [200, 200, 429])
        keys = r.keys(prefix + "*")
        self.assertEqual(len(keys), 2, keys)
        self.assertTrue(all(len(k) <= 1024 for k in keys), [len(k) for k in keys])

    def test_database_is_selected(self):
        r = self.redis()
        prefix = prefix_for(self)
        a = self.ferry(redis_config(r, prefix, self.LIMIT, db=2))
        self.assertEqual(get(a, "/t/a.txt").status, 200)
        self.assertEqual(r.keys("*"), [])
        self.assertEqual(len(r.keys(prefix + "*", db=2)), 1)
        # A database the server does not have (it has 4 here): no connection comes up.
        c = self.ferry(redis_config(r, prefix, self.LIMIT, db=9, on_error="fail_closed"), REDIS_ERRORS,
                       connected=False)
        self.assertEqual(self.answered_within_bound(c, "/t/a.txt", (), 1)[0].status, 503)
        self.assertEqual(metric(c, "ferry_rate_limit_redis_connections"), 0)

    def test_reload_keeps_the_shared_state(self):
        r = self.redis()
        prefix = prefix_for(self)
        a = self.ferry(redis_config(r, prefix, self.LIMIT))
        b = self.ferry(redis_config(r, prefix, self.LIMIT))
        self.assertEqual(self.alternate((a, b), 21)[-1].status, 429)
        with open(a.config_path, "w") as f:
            f.write(redis_config(r, prefix, self.LIMIT, timeout_ms=80))
        n = len(a.lines)
        a.signal(signal.SIGHUP)
        self.assertIsNotNone(a.wait_for_line(r"configuration reloaded", 5, start=n), "\n".join(a.lines))
        up, _ = poll(lambda: metric(a, "ferry_rate_limit_redis_connections") >= 1, 5.0, 0.02)
        self.assertTrue(up)
        # The counts are in Redis: the reloaded instance still refuses, and so does the other.
        self.assert_refused(get(a, "/t/a.txt"), "global")
        self.assert_refused(get(b, "/t/a.txt"), "global")

    def test_reloads_send_nothing_to_on_error(self):
        """Requests right after a reload wait for the new connections (a few ms) instead of going
        to on_error, and those pending on the old ones are still answered by Redis: with
        fail_closed, no 503 across reloads."""
        r = self.redis()
        config = redis_config(r, prefix_for(self), limit_table("wide", "/t/**", burst=100000, rate="100000/s"),
                              on_error="fail_closed")
        a = self.ferry(config)
        statuses = []
        for reload in range(1, 6):
            n = len(a.lines)
            a.signal(signal.SIGHUP)
            # For 0.3 s after the signal, and at least 11 requests however slow the client is.
            deadline = time.monotonic() + 0.3
            while time.monotonic() < deadline or len(statuses) < 11 * reload:
                statuses.append(get(a, "/t/a.txt").status)
            self.assertIsNotNone(a.wait_for_line(r"configuration reloaded", 5, start=n), "\n".join(a.lines))
        self.assertGreater(len(statuses), 50)
        self.assertEqual(set(statuses), {200}, "%d of %d were 503" % (statuses.count(503), len(statuses)))
        self.assertEqual(metric(a, "ferry_rate_limit_fallbacks_total", action="closed"), 0)


@unittest.skipUnless(has_module("rate_limit"), "needs the rate_limit module")
@unittest.skipUnless(redis_server.available(), "needs /usr/bin/redis-server")
class ProtocolsTest(RedisTestCase):
    """The same shared limit over each protocol; each protocol has its own limit and path."""

    BURST = 4

    def setUp(self):
        super().setUp()
        self.r = self.redis()
        limits = "".join(limit_table("p-" + t, "/%s/**" % t, key="header:X-Client", burst=self.BURST)
                         for t in TRANSPORTS)
        config = redis_config(self.r, prefix_for(self), limits)
        self.ca = None
        if FULL:
            self.ca = CertificateAuthority()
            cert, key = self.ca.issue("rl-redis", ["localhost"])
            config += '\n[tls]\nlisten = ["127.0.0.1:0"]\ncertificates = [{ cert = %s, key = %s }]\n' % (
                toml_string(cert), toml_string(key))
        self.a = self.ferry(config)
        self.b = self.ferry(config)

    def fetch(self, server, transport, target, headers):
        if FULL:
            return fetch(server, transport, "GET", target, headers, ca_file=self.ca.cert)
        return get(server, target, headers=headers)

    def test_one_limit_over_each_protocol(self):
        for t in TRANSPORTS:
            with self.subTest(transport=t):
                client = (("X-Client", "sequential"),)
                responses = [self.fetch((self.a, self.b)[i % 2], t, "/%s/a.txt" % t, client) for i in range(10)]
                self.assertEqual([x.status for x in responses], [200] * self.BURST + [429] * (10 - self.BURST))
                for x in responses[:self.BURST]:
                    self.assertEqual(x.header("ratelimit-policy"), '"p-%s";q=1;w=3600' % t)
                for x in responses[self.BURST:]:
                    self.assert_refused(x, "p-" + t)
                    self.assertNotIn(t.encode() + b"\n", x.body)

    def test_every_http2_stream_counts_across_instances(self):
        if not FULL:
            self.skipTest("needs tls and http2")
        for t in ("h2c", "h2-tls"):
            with self.subTest(transport=t):
                statuses = []
                for srv in (self.a, self.b):
                    sock, conn = open_h2(srv, t, self.ca.cert)
                    with sock:
                        streams = [("GET", "/%s/a.txt" % t, [("x-client", "streams")])] * 6
                        statuses += [x.status for x in h2_exchange(sock, conn, streams)]
                self.assertEqual(sorted(statuses), [200] * self.BURST + [429] * (12 - self.BURST))


@unittest.skipUnless(has_module("rate_limit"), "needs the rate_limit module")
@unittest.skipUnless(redis_server.available(), "needs /usr/bin/redis-server")
class OutageTest(RedisTestCase):
    """Redis stopped or killed: every request is answered in time, by the on_error policy."""

    LIMITS = (limit_table("main", "/m/**", key="header:X-Client", burst=3)
              + limit_table("probe", "/probe/**", key="header:X-Probe", burst=1))
    PROBES = 150

    def exhaust_probes(self, server, prefix_key):
        """One request per probe key: each is then exhausted in Redis (burst 1)."""
        for i in range(self.PROBES):
            self.assertEqual(get(server, "/probe/a.txt", (("X-Probe", "%s-%d" % (prefix_key, i)),)).status, 200)

    def wait_redis_decides(self, servers, prefix_key):
        """Polls each server with probe keys exhausted in Redis (and new to the server's own
        store) until one is refused, which only Redis can do; returns seconds per server."""
        took = {}
        next_probe = [0]
        t0 = time.monotonic()
        pending = list(servers)
        while pending and time.monotonic() - t0 < RECOVERY_BOUND:
            for srv in list(pending):
                self.assertLess(next_probe[0], self.PROBES, "ran out of probe keys")
                resp, seconds = timed_get(srv, "/probe/a.txt", (("X-Probe", "%s-%d" % (prefix_key, next_probe[0])),))
                next_probe[0] += 1
                self.assertLess(seconds, ANSWER_BOUND, "answered after %.3f s" % seconds)
                if resp.status == 429:
                    took[srv] = time.monotonic() - t0
                    pending.remove(srv)
            time.sleep(0.3)
        self.assertFalse(pending, "Redis was not used again within %.0f s" % RECOVERY_BOUND)
        return took

    def test_redis_stopped_under_each_policy(self):
        r = self.redis()
        prefix = prefix_for(self)
        local = self.ferry(redis_config(r, prefix, self.LIMITS, on_error="fail_open", local_fallback=True),
                           REDIS_ERRORS)
        open_ = self.ferry(redis_config(r, prefix, self.LIMITS, on_error="fail_open", local_fallback=False),
                           REDIS_ERRORS)
        closed = self.ferry(redis_config(r, prefix, self.LIMITS, on_error="fail_closed"), REDIS_ERRORS,
                         connected=False)
        self.assertEqual(metric(local, "ferry_rate_limit_redis_errors_total"), 0)
        shared = (("X-Client", "shared"),)
        # Exhausted in Redis through `open_` alone; the others see the same state.
        self.assertEqual([x.status for x in self.answered_within_bound(open_, "/m/a.txt", shared, 4)],
                         [200, 200, 200, 429])
        self.assert_refused(get(local, "/m/a.txt", shared), "main")
        self.assert_refused(get(closed, "/m/a.txt", shared), "main")
        self.exhaust_probes(open_, "probe")

        r.pause()
        try:
            # fail_open + local_fallback: this process decides alone, with the same limit.
            statuses = [x.status for x in self.answered_within_bound(local, "/m/a.txt", (("X-Client", "during"),), 5)]
            self.assertEqual(statuses, [200, 200, 200, 429, 429])
            # fail_open without fallback: not counted, even a client Redis had refused.
            statuses = [x.status for x in self.answered_within_bound(open_, "/m/a.txt", shared, 5)]
            self.assertEqual(statuses, [200] * 5)
            # fail_closed: 503 with Retry-After: 1.
            for x in self.answered_within_bound(closed, "/m/a.txt", (("X-Client", "during"),), 4):
                self.assertEqual(x.status, 503, x)
                self.assertEqual(x.header("retry-after"), "1", x)
                self.assertNotIn(b"m\n", x.body)
            # Long enough for the connections to give up (consecutive timeouts) and to try
            # connecting again while Redis still does not answer: still answered in time.
            deadline = time.monotonic() + 2.5
            i = 0
            while time.monotonic() < deadline:
                for srv in (local, open_, closed):
                    key = (("X-Client", "long-%d" % i),)
                    self.assertIn(self.answered_within_bound(srv, "/m/a.txt", key, 1)[0].status,
                                  {local: (200,), open_: (200,), closed: (503,)}[srv])
                i += 1
                time.sleep(0.05)
            # A path no limit covers never waits for Redis.
            for srv in (local, open_, closed):
                self.assertEqual(self.answered_within_bound(srv, "/free.txt", (), 1)[0].status, 200)
            # Counted: timeouts (or calls refused at once) and the fallback taken.
            self.assertGreater(metric(local, "ferry_rate_limit_redis_errors_total"), 0)
            self.assertGreaterEqual(metric(local, "ferry_rate_limit_fallbacks_total", action="local"), 5)
            self.assertGreaterEqual(metric(open_, "ferry_rate_limit_fallbacks_total", action="open"), 5)
            self.assertGreaterEqual(metric(closed, "ferry_rate_limit_fallbacks_total", action="closed"), 4)
            self.assertEqual(metric(local, "ferry_rate_limit_fallbacks_total", action="closed"), 0)
            timeouts = sum(metric(s, "ferry_rate_limit_redis_errors_total", kind="timeout")
                           for s in (local, open_, closed))
            self.assertGreater(timeouts, 0)
        finally:
            r.resume()

        # Back: Redis decides again (probe keys exhausted in Redis before the stop).
        self.wait_redis_decides((local, open_, closed), "probe")
        for srv in (local, open_, closed):
            self.assert_refused(get(srv, "/m/a.txt", shared), "main")
        # A new client is shared again across the three.
        fresh = (("X-Client", "after"),)
        statuses = [get((local, open_, closed)[i % 3], "/m/a.txt", fresh).status for i in range(6)]
        self.assertEqual(statuses, [200, 200, 200, 429, 429, 429])
        # The calls for "during" reached Redis only after SIGCONT, past their deadline: they
        # charged nothing there (the fallback had decided them), so Redis still has its burst.
        during = (("X-Client", "during"),)
        statuses = [get((open_, closed)[i % 2], "/m/a.txt", during).status for i in range(4)]
        self.assertEqual(statuses, [200, 200, 200, 429])

    def test_redis_killed_and_restarted_on_the_same_port(self):
        r = self.redis()
        prefix = prefix_for(self)
        config = redis_config(r, prefix, self.LIMITS, on_error="fail_open", local_fallback=True)
        a = self.ferry(config, REDIS_ERRORS)
        b = self.ferry(config, REDIS_ERRORS)
        k0 = (("X-Client", "k0"),)
        self.assertEqual([get((a, b)[i % 2], "/m/a.txt", k0).status for i in range(4)], [200, 200, 200, 429])

        r.kill()
        # Each instance decides alone: its own limit of 3 for a new client.
        k1 = (("X-Client", "k1"),)
        self.assertEqual([x.status for x in self.answered_within_bound(a, "/m/a.txt", k1, 4)], [200, 200, 200, 429])
        self.assertEqual([x.status for x in self.answered_within_bound(b, "/m/a.txt", k1, 4)], [200, 200, 200, 429])
        # An instance started while Redis is down starts, and answers.
        c = self.ferry(config, REDIS_ERRORS, connected=False)
        self.assertEqual([x.status for x in self.answered_within_bound(c, "/m/a.txt", k1, 4)], [200, 200, 200, 429])
        self.assertGreater(metric(a, "ferry_rate_limit_fallbacks_total", action="local"), 0)

        r.start()  # the same port, empty
        self.assertEqual(r.keys("*"), [])

        def shared_again():
            # A client exhausted through `a`: refused by `b` only when they share Redis again.
            key = (("X-Client", "again-%s" % uuid.uuid4().hex[:8]),)
            for _ in range(3):
                self.assertLess(timed_get(a, "/m/a.txt", key)[1], ANSWER_BOUND)
            resp, took = timed_get(b, "/m/a.txt", key)
            self.assertLess(took, ANSWER_BOUND)
            return resp.status == 429

        ok, took = poll(shared_again, RECOVERY_BOUND, interval=0.3)
        self.assertTrue(ok, "decisions not shared again %.1f s after the restart" % took)
        fresh = (("X-Client", "final"),)
        statuses = [get((a, b, c)[i % 3], "/m/a.txt", fresh).status for i in range(6)]
        self.assertEqual(statuses, [200, 200, 200, 429, 429, 429])
        self.assertTrue(r.keys(prefix + "*"))
        self.assertGreaterEqual(metric(a, "ferry_rate_limit_redis_connections"), 1)
        # The outage and the recovery are in the error log, once per connection, not per retry.
        self.assertIsNotNone(a.wait_for_line(r"redis 127\.0\.0\.1:\d+: .*retrying with backoff", 5))
        self.assertIsNotNone(a.wait_for_line(r"redis 127\.0\.0\.1:\d+: connected again", 5))

    def test_unreachable_redis_at_start(self):
        # Nothing listens on the port: connection refused at once, the fallback decides.
        port = redis_server.free_port()

        class Nowhere:
            pass
        nowhere = Nowhere()
        nowhere.port = port
        srv = self.ferry(redis_config(nowhere, prefix_for(self), self.LIMITS, on_error="fail_closed"), REDIS_ERRORS,
                         connected=False)
        for x in self.answered_within_bound(srv, "/m/a.txt", (("X-Client", "x"),), 3):
            self.assertEqual(x.status, 503, x)
            self.assertEqual(x.header("retry-after"), "1")
        self.assertEqual(get(srv, "/free.txt").status, 200)
        self.assertGreater(metric(srv, "ferry_rate_limit_fallbacks_total", action="closed"), 0)
        self.assertEqual(metric(srv, "ferry_rate_limit_redis_connections"), 0)


@unittest.skipUnless(has_module("rate_limit"), "needs the rate_limit module")
@unittest.skipUnless(redis_server.available(), "needs /usr/bin/redis-server")
class AuthTest(RedisTestCase):
    LIMIT = limit_table("main", "/m/**", key="header:X-Client", burst=3)

    def write(self, text):
        fd, path = tempfile.mkstemp(prefix="ferry-redis-pw-")
        with os.fdopen(fd, "w") as f:
            f.write(text)
        self.addCleanup(os.unlink, path)
        return path

    def test_password_file_user_and_wrong_password(self):
        password = "pw-" + uuid.uuid4().hex
        r = self.redis(password=password)
        prefix = prefix_for(self)
        r.command("ACL", "SETUSER", "ferry", "on", ">user-" + password, "~*", "+@all")
        good = self.write(password + "\n")  # as `echo` writes it: the newline is not the password
        a = self.ferry(redis_config(r, prefix, self.LIMIT, password_file=good))
        b = self.ferry(redis_config(r, prefix, self.LIMIT, username="ferry", password="user-" + password))
        client = (("X-Client", "auth"),)
        self.assertEqual([get((a, b)[i % 2], "/m/a.txt", client).status for i in range(6)],
                         [200, 200, 200, 429, 429, 429])
        self.assertTrue(r.keys(prefix + "*"))

        bad = self.write("not-the-password\n")
        c = self.ferry(redis_config(r, prefix, self.LIMIT, password_file=bad), REDIS_ERRORS, connected=False)
        # Redis refuses c: it decides alone (a fresh local bucket for a client Redis refuses).
        self.assertEqual([x.status for x in self.answered_within_bound(c, "/m/a.txt", client, 4)],
                         [200, 200, 200, 429])
        self.assertGreater(metric(c, "ferry_rate_limit_redis_errors_total"), 0)
        self.assertGreater(metric(c, "ferry_rate_limit_fallbacks_total", action="local"), 0)
        self.assertEqual(metric(c, "ferry_rate_limit_redis_connections"), 0)
        self.assertEqual(metric(a, "ferry_rate_limit_redis_errors_total"), 0)

        # No password at all against a server that requires one: the same.
        d = self.ferry(redis_config(r, prefix, self.LIMIT, on_error="fail_closed"), REDIS_ERRORS, connected=False)
        self.assertEqual(self.answered_within_bound(d, "/m/a.txt", client, 1)[0].status, 503)

    def test_bad_redis_settings_are_refused(self):
        class Port:
            port = 6379
        limit = self.LIMIT
        missing = os.path.join(tempfile.gettempdir(), "ferry-no-such-password-%s" % uuid.uuid4().hex)
        for options, needle in (
                ({"on_error": "sometimes"}, "on_error"),
                ({"timeout_ms": 0}, "timeout_ms"),
                ({"connections": 0}, "connections"),
                ({"password_file": missing}, "password_file"),
                ({"unknown_option": 1}, "unknown_option"),
                ({"tls_cert_file": "/nonexistent/c.pem", "tls": True}, "tls_cert_file")):
            with self.subTest(options=options):
                config = redis_config(Port(), "p:", limit, **options)
                path = self.write(config)
                proc = run_ferry(["--config", path, "--check-config"])
                self.assertNotEqual(proc.returncode, 0, config)
                self.assertIn(needle, proc.stdout + proc.stderr)
        for port in (0, 65536):
            with self.subTest(port=port):
                config = redis_config(Port(), "p:", limit).replace("port = 6379", "port = %d" % port)
                proc = run_ferry(["--config", self.write(config), "--check-config"])
                self.assertNotEqual(proc.returncode, 0, config)
                self.assertIn("port", proc.stdout + proc.stderr)
        proc = run_ferry(["--config", self.write(redis_config(Port(), "p:", limit)), "--check-config"])
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)


@unittest.skipUnless(has_module("rate_limit") and has_module("tls"), "needs the rate_limit and tls modules")
@unittest.skipUnless(redis_server.available(), "needs /usr/bin/redis-server")
class RedisTlsTest(RedisTestCase):
    LIMIT = limit_table("main", "/m/**", key="header:X-Client", burst=3)

    def test_mutual_tls_and_refused_certificates(self):
        ca = CertificateAuthority()
        cert, key = ca.issue("redis", ["localhost"])
        client_cert, client_key = ca.issue("ferry-client", ["ferry"], client=True)
        r = self.redis(tls={"cert": cert, "key": key, "ca": ca.cert, "auth_clients": "yes",
                            "client": (client_cert, client_key)})
        prefix = prefix_for(self)
        good = dict(tls=True, tls_ca_file=ca.cert, tls_cert_file=client_cert, tls_key_file=client_key,
                    tls_server_name="localhost")
        a = self.ferry(redis_config(r, prefix, self.LIMIT, **good))
        b = self.ferry(redis_config(r, prefix, self.LIMIT, **good))
        client = (("X-Client", "tls"),)
        self.assertEqual([get((a, b)[i % 2], "/m/a.txt", client).status for i in range(6)],
                         [200, 200, 200, 429, 429, 429])
        self.assertTrue(r.keys(prefix + "*"))
        self.assertGreaterEqual(metric(a, "ferry_rate_limit_redis_connections"), 1)

        other_ca = CertificateAuthority(name="other-ca")
        for name, options in (
                ("wrong CA", dict(good, tls_ca_file=other_ca.cert)),
                ("wrong name", dict(good, tls_server_name="not-redis.example")),
                ("no client certificate", {k: v for k, v in good.items() if k not in ("tls_cert_file", "tls_key_file")}),
                ("plaintext to a TLS port", {})):
            with self.subTest(case=name):
                c = self.ferry(redis_config(r, prefix, self.LIMIT, on_error="fail_closed", **options), REDIS_ERRORS,
                               connected=False)
                x = self.answered_within_bound(c, "/m/a.txt", client, 1)[0]
                self.assertEqual(x.status, 503, x)
                self.assertEqual(x.header("retry-after"), "1")
                self.assertEqual(metric(c, "ferry_rate_limit_redis_connections"), 0)


if __name__ == "__main__":
    unittest.main()
