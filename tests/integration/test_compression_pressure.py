"""On-the-fly compression under CPU pressure ([compression] under_pressure, docs/configuration.md).

One worker with [admission] latency_target = "5ms" is made busy, in a bounded way, by bursts of
concurrent requests for a large text file compressed on the fly at gzip level 9. Its loop falls
behind, so it first stops compressing (identity), and while it recovers compresses at level 1
before going back to level 9. (The bursts put the loop tens of milliseconds behind; the target
is above how late an idle loop's timer fires on a loaded machine, which 1 ms was not: the worker
then rightly stayed under pressure and never went back to level 9.) Which level a gzip response
was made at is in its header's XFL byte (RFC 1952: 2 for the slowest level, 4 for the fastest),
so every response can be matched against the counters in /metrics exactly. Nothing here passes
or fails on a timing: load is repeated until the server reports pressure (or a deadline fails
the test), and the assertions are on counters and on every response being correct."""

import gzip
import threading
import time
import unittest

import brotli

from ferry_harness import FerryTestCase, Reader, build_request, get, has_module, metric

DEADLINE = 40.0  # seconds for any phase that waits on the server's judgement
BURST = 24       # concurrent requests per burst


def text_of(size, seed):
    out = []
    n = 0
    i = 0
    while n < size:
        line = "%s %06d: the quick brown fox jumps over the lazy dog %d\n" % (seed, i, i * i % 99991)
        out.append(line)
        n += len(line)
        i += 1
    return "".join(out)[:size].encode()


BIG = text_of(1 << 20, "big")       # 16 turns of the loop per response
MID = text_of(96 * 1024, "mid")     # two turns: the paced requests while recovering
APP_JS = text_of(8192, "console.log")
FILES = {
    "big.txt": BIG,
    "mid.txt": MID,
    "sc/app.js": APP_JS,
    "sc/app.js.br": brotli.compress(APP_JS),
}
CONTENT = {"/big.txt": BIG, "/mid.txt": MID}

GZIP_XFL_SLOWEST = 2  # level 9, the configured one
GZIP_XFL_FASTEST = 4  # level 1, the cheapest


def fetch(server, path, accept_encoding):
    s = server.connect(timeout=30)
    try:
        s.sendall(build_request("GET", path, headers=[("Host", "localhost"), ("Accept-Encoding", accept_encoding),
                                                      ("Connection", "close")]))
        return Reader(s).read_response()
    finally:
        s.close()


def vary_tokens(resp):
    return {t.strip().lower() for v in resp.header_all("Vary") for t in v.split(",") if t.strip()}


class PressureTestCase(FerryTestCase):
    files = FILES
    under_pressure = None

    @classmethod
    def setUpClass(cls):
        cls.config = """
[admission]
latency_target = "5ms"
queue_timeout = "30s"

[compression]
gzip_level = 9
brotli_level = 5
under_pressure = "%s"
""" % cls.under_pressure
        super().setUpClass()

    def setUp(self):
        self.kinds = {"slowest": 0, "fastest": 0, "identity": 0}
        self.gzip_etag = None

    def scrape(self):
        resp = get(self.server, "/metrics")
        self.assertEqual(resp.status, 200, resp)
        return resp.body.decode()

    def check(self, path, resp):
        """Asserts an on-the-fly candidate is a correct response and records how it was encoded."""
        self.assertEqual(resp.status, 200, resp)
        self.assertIn("accept-encoding", vary_tokens(resp), resp)
        coding = resp.header("Content-Encoding")
        etag = resp.header("ETag")
        if coding is None:
            self.assertEqual(resp.body, CONTENT[path])
            self.assertTrue(etag.startswith('"'), etag)  # identity keeps its strong tag
            self.kinds["identity"] += 1
            return
        self.assertEqual(coding, "gzip", resp)
        self.assertEqual(gzip.decompress(resp.body), CONTENT[path])
        # Weak, and one tag whatever the level: the bytes behind it vary.
        self.assertTrue(etag.startswith('W/"') and etag.endswith('+gzip"'), etag)
        if path == "/big.txt":
            if self.gzip_etag is None:
                self.gzip_etag = etag
            self.assertEqual(etag, self.gzip_etag)
        xfl = resp.body[8]
        self.assertIn(xfl, (GZIP_XFL_SLOWEST, GZIP_XFL_FASTEST), resp.body[:10])
        self.kinds["slowest" if xfl == GZIP_XFL_SLOWEST else "fastest"] += 1

    def burst(self):
        """BURST concurrent on-the-fly requests, plus sidecar requests and one /metrics scrape
        made while they run; returns the ferry_cpu_pressure that scrape saw (or None)."""
        start = threading.Barrier(BURST + 1)
        results = []
        sidecars = []
        errors = []
        seen = []

        def one(i):
            try:
                start.wait(10)
                if i % 6 == 5:
                    sidecars.append(fetch(self.server, "/sc/app.js", "br"))
                results.append(fetch(self.server, "/big.txt", "gzip"))
            except Exception as e:  # reported below, in the test's thread
                errors.append(e)

        def scraper():
            try:
                start.wait(10)
                time.sleep(0.25)  # pacing: a scrape after a few ticks under load
                seen.append(metric(self.scrape(), "ferry_cpu_pressure"))
            except Exception as e:
                errors.append(e)

        threads = [threading.Thread(target=one, args=(i,)) for i in range(BURST)]
        threads.append(threading.Thread(target=scraper))
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        self.assertFalse(any(t.is_alive() for t in threads), "a request did not finish")
        self.assertEqual(errors, [])
        for resp in results:
            self.check("/big.txt", resp)
        for resp in sidecars:  # a sidecar costs nothing: served whatever the pressure
            self.assertEqual(resp.status, 200)
            self.assertEqual(resp.header("Content-Encoding"), "br")
            self.assertEqual(resp.body, FILES["sc/app.js.br"])
        return seen[0] if seen else None

    def settled_counters(self):
        """(lowered, skipped) once /metrics has caught up with the responses seen (the worker
        publishes each tick); the last values when it never does."""
        deadline = time.monotonic() + 5
        while True:
            text = self.scrape()
            counts = (metric(text, "ferry_compression_lowered_total"),
                      metric(text, "ferry_compression_skipped_total", reason="cpu_pressure"))
            if counts == (self.kinds["fastest"], self.kinds["identity"]) or time.monotonic() > deadline:
                return counts
            time.sleep(0.1)


@unittest.skipUnless(has_module("compression") and has_module("metrics"), "needs compression and metrics")
class AdaptTest(PressureTestCase):
    under_pressure = "adapt"

    def test_skipped_then_lowered_then_back(self):
        before = self.scrape()
        self.assertEqual(metric(before, "ferry_cpu_pressure"), 0)
        self.assertEqual(metric(before, "ferry_compression_lowered_total"), 0)
        self.assertEqual(metric(before, "ferry_compression_skipped_total", reason="cpu_pressure"), 0)

        # Severe: bursts until some responses went out uncompressed.
        deadline = time.monotonic() + DEADLINE
        while self.kinds["identity"] == 0:
            self.assertLess(time.monotonic(), deadline, "no response was sent uncompressed: %s" % self.kinds)
            self.burst()

        # Recovering: severe steps down to high (level 1) before none (level 9 again); paced
        # requests one at a time see both.
        deadline = time.monotonic() + DEADLINE
        lowered_seen = False
        while True:
            before_fastest = self.kinds["fastest"]
            before_slowest = self.kinds["slowest"]
            self.check("/mid.txt", fetch(self.server, "/mid.txt", "gzip"))
            lowered_seen = lowered_seen or self.kinds["fastest"] > before_fastest
            if lowered_seen and self.kinds["slowest"] > before_slowest:
                break
            self.assertLess(time.monotonic(), deadline, "never compressed at the cheapest level, then at the "
                                                        "configured one again: %s" % self.kinds)
            # Pacing, so the loop can calm down between requests. Once at the cheap level, more
            # than calm_ticks (10 ticks of 100 ms) apart: on a slow or loaded machine a request's
            # own compression can keep its tick's loop delay above the target, and requests
            # closer together would then hold the level at high however long they go on.
            time.sleep(1.5 if lowered_seen else 0.02)

        # Every shed response is counted, and nothing else is.
        lowered, skipped = self.settled_counters()
        self.assertEqual(lowered, self.kinds["fastest"], self.kinds)
        self.assertEqual(skipped, self.kinds["identity"], self.kinds)

        # Idle, the pressure goes back to none.
        deadline = time.monotonic() + DEADLINE
        while metric(self.scrape(), "ferry_cpu_pressure") != 0:
            self.assertLess(time.monotonic(), deadline, "the pressure never went back to 0")
            time.sleep(0.2)
        self.check("/big.txt", fetch(self.server, "/big.txt", "gzip"))
        self.assertGreater(self.kinds["slowest"], 0)


@unittest.skipUnless(has_module("compression") and has_module("metrics"), "needs compression and metrics")
class IgnoreTest(PressureTestCase):
    under_pressure = "ignore"

    def test_configured_level_whatever_the_load(self):
        deadline = time.monotonic() + DEADLINE
        while True:
            seen = self.burst()
            if seen is not None and seen > 0:
                break  # the worker was under pressure, and yet...
            self.assertLess(time.monotonic(), deadline, "the worker never reported pressure")
        # ...every response was compressed at the configured level, and nothing was counted.
        self.assertEqual(self.kinds["identity"], 0, self.kinds)
        self.assertEqual(self.kinds["fastest"], 0, self.kinds)
        self.assertGreater(self.kinds["slowest"], 0)
        lowered, skipped = self.settled_counters()
        self.assertEqual((lowered, skipped), (0, 0))


if __name__ == "__main__":
    unittest.main()
