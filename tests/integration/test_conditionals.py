"""Validators and conditional requests (RFC 9110 §8.8, §13).

Contract (notes/behaviour.md, "Validators"): strong ETag "\"<hex mtime>-<hex size>\"", Last-Modified;
If-None-Match (list, *, W/ weak comparison) → 304 with ETag and no body; If-Modified-Since (ignored
if invalid or when If-None-Match is present) → 304; If-Match / If-Unmodified-Since failures → 412."""

import email.utils
import os
import re
import time
import unittest

from ferry_harness import PreparedFerryTestCase, exchange, get

MTIME = 1_700_000_000  # Tue, 14 Nov 2023 22:13:20 GMT
CONTENT = "conditional body\n" * 10


def http_date(t):
    return email.utils.formatdate(t, usegmt=True)


class ConditionalTest(PreparedFerryTestCase):
    files = {"file.txt": CONTENT, "other.txt": "other\n"}

    @classmethod
    def prepare_root(cls, root):
        os.utime(os.path.join(root, "file.txt"), (MTIME, MTIME))

    def setUp(self):
        resp = get(self.server, "/file.txt")
        self.assertEqual(resp.status, 200)
        self.etag = resp.header("ETag")
        self.assertIsNotNone(self.etag)

    def cond(self, headers, method="GET", path="/file.txt"):
        return get(self.server, path, headers=headers, method=method)

    def assertNotModified(self, resp):
        self.assertEqual(resp.status, 304, resp)
        self.assertEqual(resp.header("ETag"), self.etag)
        self.assertIsNotNone(resp.header("Date"))
        self.assertIsNone(resp.header("Transfer-Encoding"))
        cl = resp.header("Content-Length")
        # RFC 9110 §8.6: a Content-Length in a 304 must be the length the 200 would have had.
        if cl is not None:
            self.assertEqual(cl, str(len(CONTENT)))

    def assertFull(self, resp):
        self.assertEqual(resp.status, 200, resp)
        self.assertEqual(resp.body, CONTENT.encode())

    def test_validators_present(self):
        resp = get(self.server, "/file.txt")
        m = re.fullmatch(r'"([0-9a-f]+)-([0-9a-f]+)"', resp.header("ETag"))
        self.assertIsNotNone(m, resp.header("ETag"))
        self.assertEqual(int(m.group(2), 16), len(CONTENT))
        self.assertIn(int(m.group(1), 16), (MTIME, MTIME * 1000, MTIME * 1_000_000, MTIME * 1_000_000_000))
        self.assertEqual(resp.header("Last-Modified"), "Tue, 14 Nov 2023 22:13:20 GMT")
        self.assertEqual(resp.header("Accept-Ranges"), "bytes")

    def test_validators_stable_and_per_file(self):
        self.assertEqual(get(self.server, "/file.txt").header("ETag"), self.etag)
        self.assertNotEqual(get(self.server, "/other.txt").header("ETag"), self.etag)

    def test_head_has_same_validators(self):
        g = get(self.server, "/file.txt")
        h = get(self.server, "/file.txt", method="HEAD")
        self.assertEqual(h.header("ETag"), g.header("ETag"))
        self.assertEqual(h.header("Last-Modified"), g.header("Last-Modified"))

    def test_if_none_match_exact(self):
        self.assertNotModified(self.cond([("If-None-Match", self.etag)]))

    def test_if_none_match_list(self):
        for value in ('"abc", %s, "def"' % self.etag, '"x",%s' % self.etag, '%s , "y"' % self.etag,
                      'W/"zzz", %s' % self.etag):
            with self.subTest(value=value):
                self.assertNotModified(self.cond([("If-None-Match", value)]))

    def test_if_none_match_star(self):
        self.assertNotModified(self.cond([("If-None-Match", "*")]))

    def test_if_none_match_weak(self):
        self.assertNotModified(self.cond([("If-None-Match", "W/" + self.etag)]))

    def test_if_none_match_mismatch(self):
        for value in ('"nope"', '"abc", "def"', self.etag[:-2] + '"', self.etag.strip('"'), 'W/"nope"'):
            with self.subTest(value=value):
                self.assertFull(self.cond([("If-None-Match", value)]))

    def test_if_none_match_head(self):
        resp = self.cond([("If-None-Match", self.etag)], method="HEAD")
        self.assertNotModified(resp)

    def test_304_has_no_body(self):
        # On one connection: if the 304 carried bytes, the next response would not parse.
        r1, r2 = exchange(self.server, [("GET", "/file.txt", [("If-None-Match", self.etag)]),
                                        ("GET", "/other.txt", [])])
        self.assertNotModified(r1)
        self.assertEqual(r2.status, 200)
        self.assertEqual(r2.body, b"other\n")

    def test_if_modified_since_equal(self):
        self.assertNotModified(self.cond([("If-Modified-Since", http_date(MTIME))]))

    def test_if_modified_since_later(self):
        self.assertNotModified(self.cond([("If-Modified-Since", http_date(MTIME + 3600))]))

    def test_if_modified_since_older(self):
        self.assertFull(self.cond([("If-Modified-Since", http_date(MTIME - 1))]))

    def test_if_modified_since_obsolete_formats(self):
        # RFC 9110 §5.6.7: recipients must accept the RFC 850 and asctime forms too.
        for value in ("Tuesday, 14-Nov-23 22:13:20 GMT", "Tue Nov 14 22:13:20 2023"):
            with self.subTest(value=value):
                self.assertNotModified(self.cond([("If-Modified-Since", value)]))

    def test_if_modified_since_invalid_is_ignored(self):
        for value in ("garbage", "", "Tue, 14 Nov 2023 25:13:20 GMT", "Tue, 32 Nov 2023 22:13:20 GMT",
                      "1700000000", "Tue, 14 Nov 2023 22:13:20 GMT garbage", "Tue, 14 Nov 99999999999 22:13:20 GMT"):
            with self.subTest(value=value):
                self.assertFull(self.cond([("If-Modified-Since", value)]))

    def test_if_modified_since_ignored_when_inm_mismatches(self):
        resp = self.cond([("If-None-Match", '"nope"'), ("If-Modified-Since", http_date(MTIME + 3600))])
        self.assertFull(resp)

    def test_inm_match_wins_over_old_ims(self):
        resp = self.cond([("If-None-Match", self.etag), ("If-Modified-Since", http_date(MTIME - 3600))])
        self.assertNotModified(resp)

    def test_if_match(self):
        self.assertFull(self.cond([("If-Match", self.etag)]))
        self.assertFull(self.cond([("If-Match", '"a", %s' % self.etag)]))
        self.assertFull(self.cond([("If-Match", "*")]))

    def test_if_match_mismatch_is_412(self):
        for value in ('"nope"', '"a", "b"', "W/" + self.etag):  # If-Match uses strong comparison
            with self.subTest(value=value):
                resp = self.cond([("If-Match", value)])
                self.assertEqual(resp.status, 412, resp)
                self.assertEqual(resp.body, b"412 Precondition Failed\n")

    def test_if_match_failure_beats_if_none_match(self):
        resp = self.cond([("If-Match", '"nope"'), ("If-None-Match", self.etag)])
        self.assertEqual(resp.status, 412)

    def test_if_unmodified_since(self):
        resp = self.cond([("If-Unmodified-Since", http_date(MTIME - 1))])
        self.assertEqual(resp.status, 412, resp)
        self.assertFull(self.cond([("If-Unmodified-Since", http_date(MTIME))]))
        self.assertFull(self.cond([("If-Unmodified-Since", http_date(MTIME + 10))]))

    def test_if_unmodified_since_invalid_is_ignored(self):
        self.assertFull(self.cond([("If-Unmodified-Since", "not a date")]))

    def test_if_unmodified_since_ignored_with_if_match(self):
        self.assertFull(self.cond([("If-Match", self.etag), ("If-Unmodified-Since", http_date(MTIME - 3600))]))

    def test_conditionals_on_missing_file(self):
        self.assertEqual(self.cond([("If-None-Match", "*")], path="/missing.txt").status, 404)
        self.assertEqual(self.cond([("If-Modified-Since", http_date(int(time.time())))],
                                   path="/missing.txt").status, 404)

    def test_if_none_match_with_range_is_304(self):
        resp = self.cond([("If-None-Match", self.etag), ("Range", "bytes=0-3")])
        self.assertNotModified(resp)


if __name__ == "__main__":
    unittest.main()
