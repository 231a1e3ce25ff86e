"""files.sendfile: how HTTP/1.1 in the clear moves file bodies past the head's buffer. "auto"
(the default) uses sendfile, except for a range of 4 MiB or more to a client on this host (a
loopback peer), which is read and sent; "on" always uses sendfile, "off" never. Which path ran
is read from ferry_file_bytes_sent_total{method="sendfile"|"copy"}; every body must arrive
intact either way, whole or as a range, and on a keep-alive connection that asks again."""

import random
import shutil
import unittest

from ferry_harness import WINDOWS, FerryTestCase, Reader, build_request, get, has_module, make_root, metric

MIB = 1024 * 1024
rng = random.Random(7)
FIVE = bytes(rng.getrandbits(8) for _ in range(256)) * (5 * MIB // 256)  # past the 4 MiB mark
ONE = FIVE[:MIB]


@unittest.skipUnless(has_module("metrics"), "needs the metrics module (to tell the paths apart)")
@unittest.skipIf(WINDOWS, "Windows has no sendfile: every body is copied")
class SendfileChoiceTest(FerryTestCase):
    files = {"five.bin": FIVE, "one.bin": ONE}

    @classmethod
    def setUpClass(cls):
        cls.root_on = make_root({"five.bin": FIVE})
        cls.root_off = make_root({"one.bin": ONE})
        cls.config = """
[[vhosts]]
server_names = ["always.example"]
root = "%s"
files = { sendfile = "on" }

[[vhosts]]
server_names = ["never.example"]
root = "%s"
files = { sendfile = "off" }
""" % (cls.root_on, cls.root_off)
        super().setUpClass()

    @classmethod
    def tearDownClass(cls):
        try:
            super().tearDownClass()
        finally:
            shutil.rmtree(cls.root_on, ignore_errors=True)
            shutil.rmtree(cls.root_off, ignore_errors=True)

    def sent_bytes(self):
        scrape = get(self.server, "/metrics").body.decode()
        return {method: metric(scrape, "ferry_file_bytes_sent_total", method=method) or 0
                for method in ("sendfile", "copy")}

    def fetch_counting(self, path, expected, host="localhost", headers=(), repeat=1):
        """Fetches `path` `repeat` times on one connection; returns the file bytes each method
        moved meanwhile."""
        before = self.sent_bytes()
        with self.server.connect() as s:
            reader = Reader(s)
            for _ in range(repeat):
                s.sendall(build_request("GET", path, headers=[("Host", host)] + list(headers)))
                resp = reader.read_response()
                self.assertIn(resp.status, (200, 206))
                self.assertEqual(resp.body, expected)
        after = self.sent_bytes()
        return {method: after[method] - before[method] for method in after}

    def test_auto_copies_only_large_bodies_to_a_loopback_client(self):
        self.assertEqual(self.fetch_counting("/one.bin", ONE), {"sendfile": MIB, "copy": 0})
        self.assertEqual(self.fetch_counting("/five.bin", FIVE, repeat=2), {"sendfile": 0, "copy": 2 * len(FIVE)})

    def test_auto_judges_each_range_by_its_own_length(self):
        small = [("Range", "bytes=100-%d" % (100 + MIB - 1))]
        self.assertEqual(self.fetch_counting("/five.bin", FIVE[100:100 + MIB], headers=small),
                         {"sendfile": MIB, "copy": 0})
        large = [("Range", "bytes=%d-" % (MIB - 3))]
        self.assertEqual(self.fetch_counting("/five.bin", FIVE[MIB - 3:], headers=large),
                         {"sendfile": 0, "copy": len(FIVE) - MIB + 3})

    def test_on_and_off_per_host(self):
        self.assertEqual(self.fetch_counting("/five.bin", FIVE, host="always.example"),
                         {"sendfile": len(FIVE), "copy": 0})
        self.assertEqual(self.fetch_counting("/one.bin", ONE, host="never.example"), {"sendfile": 0, "copy": MIB})


if __name__ == "__main__":
    unittest.main()
