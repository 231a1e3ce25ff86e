"""The open-file cache never serves a stale answer for longer than open_file_cache_valid, and
open_file_cache = 0 looks every path up on disk."""

import os
import time
import unittest

from ferry_harness import FerryTestCase, get


class CacheOffTest(FerryTestCase):
    files = {"a.txt": "a\n"}

    config = '[files]\nopen_file_cache = 0\n'  # --root from the harness sets the root

    def test_new_file_is_served_right_after_a_404(self):
        self.assertEqual(get(self.server, "/late.txt").status, 404)
        with open(os.path.join(self.root, "late.txt"), "w") as f:
            f.write("late\n")
        resp = get(self.server, "/late.txt")
        self.assertEqual(resp.status, 200)
        self.assertEqual(resp.body, b"late\n")

    def test_replaced_file_is_served_at_once(self):
        self.assertEqual(get(self.server, "/a.txt").body, b"a\n")
        tmp = os.path.join(self.root, "a.tmp")
        with open(tmp, "w") as f:
            f.write("replaced\n")
        os.rename(tmp, os.path.join(self.root, "a.txt"))
        self.assertEqual(get(self.server, "/a.txt").body, b"replaced\n")


class CacheDefaultTest(FerryTestCase):
    files = {"b.txt": "before\n"}

    def test_replaced_file_is_served_within_the_valid_time(self):
        self.assertEqual(get(self.server, "/b.txt").body, b"before\n")
        tmp = os.path.join(self.root, "b.tmp")
        with open(tmp, "w") as f:
            f.write("after, longer\n")
        os.rename(tmp, os.path.join(self.root, "b.txt"))
        # Default open_file_cache_valid is 1 s: poll (bounded) until the new file shows.
        deadline = time.monotonic() + 5
        while True:
            resp = get(self.server, "/b.txt")
            self.assertEqual(resp.status, 200)
            self.assertIn(resp.body, (b"before\n", b"after, longer\n"), "never a mix of old and new")
            if resp.body == b"after, longer\n":
                break
            self.assertLess(time.monotonic(), deadline, "still the old file after 5 s")
            time.sleep(0.05)


if __name__ == "__main__":
    unittest.main()
