"""Range requests (RFC 9110 §14): single, open, suffix, unsatisfiable, invalid, multipart, If-Range.

Contract (notes/behaviour.md, "Ranges")."""

import email.utils
import hashlib
import os
import re
import unittest

from ferry_harness import PreparedFerryTestCase, get

MTIME = 1_700_000_000
SIZE = 1000
DATA = b"".join(hashlib.sha256(str(i).encode()).digest() for i in range(SIZE // 32 + 1))[:SIZE]


def http_date(t):
    return email.utils.formatdate(t, usegmt=True)


def parse_content_range(value):
    m = re.fullmatch(r"bytes (\d+)-(\d+)/(\d+)", value or "")
    if not m:
        raise AssertionError("bad Content-Range %r" % value)
    return int(m.group(1)), int(m.group(2)), int(m.group(3))


def parse_multipart(test, resp):
    """Parses a multipart/byteranges body strictly; returns [(first, last, total, ctype, bytes)]."""
    ctype = resp.header("Content-Type")
    m = re.fullmatch(r'multipart/byteranges;\s*boundary=("?)([^";]+)\1', ctype or "")
    test.assertIsNotNone(m, ctype)
    boundary = m.group(2).encode()
    body = resp.body
    test.assertEqual(int(resp.header("Content-Length")), len(body))
    delim = b"--" + boundary
    # An optional preamble CRLF before the first delimiter (RFC 2046 allows a preamble).
    if body.startswith(b"\r\n"):
        body = body[2:]
    test.assertTrue(body.startswith(delim + b"\r\n"), body[:80])
    close = b"\r\n" + delim + b"--"
    end = body.rfind(close)
    test.assertNotEqual(end, -1, "no closing delimiter")
    test.assertIn(body[end + len(close):], (b"", b"\r\n"))
    inner = body[len(delim) + 2:end]
    parts = []
    for chunk in inner.split(b"\r\n" + delim + b"\r\n"):
        head, sep, data = chunk.partition(b"\r\n\r\n")
        test.assertTrue(sep, "part without header end")
        headers = {}
        for line in head.decode("latin-1").split("\r\n"):
            k, _, v = line.partition(":")
            headers[k.strip().lower()] = v.strip()
        first, last, total = parse_content_range(headers.get("content-range"))
        parts.append((first, last, total, headers.get("content-type"), data))
    return parts


class RangeTest(PreparedFerryTestCase):
    files = {"data.bin": DATA, "empty.bin": b"", "page.html": "<p>" + "x" * 600 + "</p>\n"}

    @classmethod
    def prepare_root(cls, root):
        os.utime(os.path.join(root, "data.bin"), (MTIME, MTIME))

    def rng(self, value, extra=(), method="GET", path="/data.bin"):
        return get(self.server, path, headers=[("Range", value)] + list(extra), method=method)

    def assertSingle(self, resp, first, last, data=DATA):
        self.assertEqual(resp.status, 206, resp)
        self.assertEqual(resp.header("Content-Range"), "bytes %d-%d/%d" % (first, last, len(data)))
        self.assertEqual(resp.header("Content-Length"), str(last - first + 1))
        self.assertEqual(resp.body, data[first:last + 1])
        self.assertIsNone(resp.header("Content-Encoding"))

    def assertWhole(self, resp, data=DATA):
        self.assertEqual(resp.status, 200, resp)
        self.assertIsNone(resp.header("Content-Range"))
        self.assertEqual(resp.body, data)

    def assertUnsatisfiable(self, resp, size=SIZE):
        self.assertEqual(resp.status, 416, resp)
        self.assertEqual(resp.header("Content-Range"), "bytes */%d" % size)

    def assertCovers(self, resp, wanted):
        """A 206 (single or multipart) whose parts are byte-exact and cover exactly `wanted`."""
        self.assertEqual(resp.status, 206, resp)
        if (resp.header("Content-Type") or "").startswith("multipart/byteranges"):
            self.assertIsNone(resp.header("Content-Range"))
            parts = parse_multipart(self, resp)
            got = []
            for first, last, total, ctype, data in parts:
                self.assertEqual(total, SIZE)
                self.assertEqual(ctype, "application/octet-stream")
                self.assertEqual(data, DATA[first:last + 1], "part %d-%d" % (first, last))
                got.append((first, last))
        else:
            first, last, total = parse_content_range(resp.header("Content-Range"))
            self.assertEqual(total, SIZE)
            self.assertEqual(resp.body, DATA[first:last + 1])
            got = [(first, last)]
        covered = sorted(got)
        for (a1, b1), (a2, _) in zip(covered, covered[1:]):
            self.assertGreater(a2, b1, "overlapping parts %r" % covered)
        self.assertEqual(set(b for a, b_ in covered for b in range(a, b_ + 1)),
                         set(b for a, b_ in wanted for b in range(a, b_ + 1)))
        return got

    def test_accept_ranges(self):
        self.assertEqual(get(self.server, "/data.bin").header("Accept-Ranges"), "bytes")

    def test_single(self):
        self.assertSingle(self.rng("bytes=0-99"), 0, 99)
        self.assertSingle(self.rng("bytes=100-199"), 100, 199)
        self.assertSingle(self.rng("bytes=0-0"), 0, 0)
        self.assertSingle(self.rng("bytes=999-999"), 999, 999)

    def test_open_ended(self):
        self.assertSingle(self.rng("bytes=100-"), 100, 999)
        self.assertSingle(self.rng("bytes=0-"), 0, 999)

    def test_suffix(self):
        self.assertSingle(self.rng("bytes=-100"), 900, 999)
        self.assertSingle(self.rng("bytes=-1"), 999, 999)
        self.assertSingle(self.rng("bytes=-5000"), 0, 999)

    def test_last_past_end_is_clipped(self):
        self.assertSingle(self.rng("bytes=990-2000"), 990, 999)
        self.assertSingle(self.rng("bytes=0-99999999999"), 0, 999)

    def test_huge_numbers(self):
        resp = self.rng("bytes=0-99999999999999999999999999999")
        self.assertIn(resp.status, (200, 206))
        if resp.status == 206:
            self.assertSingle(resp, 0, 999)
        else:
            self.assertWhole(resp)
        resp = self.rng("bytes=99999999999999999999999999999-")
        self.assertIn(resp.status, (200, 416))

    def test_unsatisfiable(self):
        for value in ("bytes=1000-", "bytes=1000-1005", "bytes=5000-6000", "bytes=-0", "bytes=1000-1000,2000-"):
            with self.subTest(value=value):
                self.assertUnsatisfiable(self.rng(value))

    def test_unsatisfiable_on_empty_file(self):
        self.assertUnsatisfiable(self.rng("bytes=0-", path="/empty.bin"), size=0)

    def test_invalid_syntax_is_whole(self):
        for value in ("bytes=abc", "bytes=5-2", "bytes=", "bytes=-", "bytes=--5", "bytes=1-2-3", "bytes=0x10-20",
                      "bytes 0-5", "bytes=+1-5", "bytes=1 -5", "=0-5", "bytes=0-5,abc"):
            with self.subTest(value=value):
                self.assertWhole(self.rng(value))

    def test_unknown_unit_is_whole(self):
        for value in ("items=0-5", "lines=1-2", "bytesx=0-5"):
            with self.subTest(value=value):
                self.assertWhole(self.rng(value))

    def test_unit_is_case_insensitive(self):
        # RFC 9110 §14.1: range unit names are case-insensitive.
        self.assertSingle(self.rng("Bytes=0-9"), 0, 9)

    def test_head_ignores_range(self):
        # RFC 9110 §14.2: range handling is defined for GET only; a server MUST ignore Range on other
        # methods, so HEAD + Range gets the 200 headers (the same as a GET without Range).
        g = get(self.server, "/data.bin")
        h = self.rng("bytes=10-19", method="HEAD")
        self.assertEqual(h.status, 200, h)
        self.assertIsNone(h.header("Content-Range"))
        self.assertEqual(h.header("Content-Length"), g.header("Content-Length"))
        self.assertEqual(h.header("ETag"), g.header("ETag"))
        self.assertEqual(h.body, b"")

    def test_multipart(self):
        resp = self.rng("bytes=0-9,20-29,-10")
        self.assertTrue(resp.header("Content-Type").startswith("multipart/byteranges"), resp)
        got = self.assertCovers(resp, [(0, 9), (20, 29), (990, 999)])
        self.assertEqual(sorted(got), [(0, 9), (20, 29), (990, 999)])

    def test_multipart_with_spaces_and_text_type(self):
        resp = get(self.server, "/page.html", headers=[("Range", "bytes=0-2, 10-12")])
        self.assertEqual(resp.status, 206)
        parts = parse_multipart(self, resp)
        page = ("<p>" + "x" * 600 + "</p>\n").encode()
        self.assertEqual([(p[0], p[1]) for p in parts], [(0, 2), (10, 12)])
        for first, last, total, ctype, data in parts:
            self.assertEqual(ctype, "text/html; charset=utf-8")
            self.assertEqual(total, len(page))
            self.assertEqual(data, page[first:last + 1])

    def test_multipart_four_parts(self):
        resp = self.rng("bytes=0-99,200-299,400-499,600-699")
        got = self.assertCovers(resp, [(0, 99), (200, 299), (400, 499), (600, 699)])
        self.assertEqual(len(got), 4)

    def test_overlapping_are_coalesced(self):
        self.assertCovers(self.rng("bytes=0-50,40-100"), [(0, 100)])
        self.assertCovers(self.rng("bytes=500-600,0-10,550-700,5-8"), [(0, 10), (500, 700)])
        got = self.assertCovers(self.rng("bytes=0-9,0-9,0-9"), [(0, 9)])
        self.assertEqual(got, [(0, 9)])

    def test_partly_unsatisfiable_set(self):
        self.assertCovers(self.rng("bytes=0-9,5000-6000"), [(0, 9)])

    def test_sixteen_ranges_are_multipart(self):
        value = "bytes=" + ",".join("%d-%d" % (i * 50, i * 50 + 4) for i in range(16))
        got = self.assertCovers(self.rng(value), [(i * 50, i * 50 + 4) for i in range(16)])
        self.assertEqual(len(got), 16)

    def test_seventeen_ranges_are_whole(self):
        value = "bytes=" + ",".join("%d-%d" % (i * 50, i * 50 + 4) for i in range(17))
        self.assertWhole(self.rng(value))

    def test_many_tiny_ranges_bounded(self):
        value = "bytes=" + ",".join(["0-0"] * 800)
        resp = self.rng(value)
        self.assertIn(resp.status, (200, 206))
        if resp.status == 200:
            self.assertWhole(resp)
        else:
            self.assertCovers(resp, [(0, 0)])

    # --- If-Range ---

    def etag(self):
        return get(self.server, "/data.bin").header("ETag")

    def test_if_range_matching_etag(self):
        self.assertSingle(self.rng("bytes=0-9", [("If-Range", self.etag())]), 0, 9)

    def test_if_range_other_etag(self):
        self.assertWhole(self.rng("bytes=0-9", [("If-Range", '"other"')]))

    def test_if_range_weak_etag(self):
        self.assertWhole(self.rng("bytes=0-9", [("If-Range", "W/" + self.etag())]))

    def test_if_range_exact_date(self):
        self.assertSingle(self.rng("bytes=0-9", [("If-Range", http_date(MTIME))]), 0, 9)

    def test_if_range_other_date(self):
        for t in (MTIME - 1, MTIME + 1, MTIME + 86400):
            with self.subTest(t=t):
                self.assertWhole(self.rng("bytes=0-9", [("If-Range", http_date(t))]))

    def test_if_range_garbage(self):
        for value in ("garbage", "", "*"):
            with self.subTest(value=value):
                self.assertWhole(self.rng("bytes=0-9", [("If-Range", value)]))

    def test_if_range_mismatch_unsatisfiable_is_200(self):
        self.assertWhole(self.rng("bytes=5000-", [("If-Range", '"other"')]))


if __name__ == "__main__":
    unittest.main()
