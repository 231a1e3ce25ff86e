"""Content codings: precompressed sidecars (core) and on-the-fly gzip/br (compression module).

Contract (notes/behaviour.md, "Encodings", "Validators", "Ranges")."""

import gzip
import subprocess
import unittest

import brotli

from ferry_harness import FerryTestCase, exchange, get, has_module

COMPRESSION = has_module("compression")


def zstd_compress(data):
    return subprocess.run(["zstd", "-q", "-c", "-19"], input=data, capture_output=True, timeout=10, check=True).stdout


def zstd_decompress(data):
    return subprocess.run(["zstd", "-d", "-q", "-c"], input=data, capture_output=True, timeout=10,
                          check=True).stdout


def text_of(size, seed="line"):
    """Compressible but not trivial text of exactly `size` bytes."""
    out = []
    n = 0
    i = 0
    while n < size:
        line = "%s %05d: the quick brown fox jumps over the lazy dog %d\n" % (seed, i, i * i % 9973)
        out.append(line)
        n += len(line)
        i += 1
    return "".join(out)[:size]


APP_JS = text_of(2000, "console.log").encode()
SMALL_CSS = text_of(300, "body{}").encode()
BIG = text_of(4096).encode()
EXACT = text_of(1024).encode()
BELOW = text_of(1023).encode()
SMALL = text_of(500).encode()
HUGE = text_of(300 * 1024, "huge").encode()
MID = text_of(1500).encode()
PNG = b"\x89PNG\r\n\x1a\n" + text_of(4088).encode()

SIDECARS = {
    "br": brotli.compress(APP_JS),
    "gzip": gzip.compress(APP_JS, mtime=0),
    "zstd": zstd_compress(APP_JS),
}

FILES = {
    "sc/app.js": APP_JS,
    "sc/app.js.br": SIDECARS["br"],
    "sc/app.js.gz": SIDECARS["gzip"],
    "sc/app.js.zst": SIDECARS["zstd"],
    "sc/small.css": SMALL_CSS,
    "sc/small.css.gz": gzip.compress(SMALL_CSS, mtime=0),
    "big.txt": BIG,
    "exact.txt": EXACT,
    "below.txt": BELOW,
    "small.txt": SMALL,
    "huge.txt": HUGE,
    "mid.txt": MID,
    "pic.png": PNG,
}

DECODERS = {
    "br": brotli.decompress,
    "gzip": gzip.decompress,
    "zstd": zstd_decompress,
}


def vary_tokens(resp):
    return {t.strip().lower() for v in resp.header_all("Vary") for t in v.split(",") if t.strip()}


def fetch(server, path, ae=None, headers=(), method="GET", version="HTTP/1.1"):
    h = list(headers)
    if ae is not None:
        h.append(("Accept-Encoding", ae))
    return get(server, path, headers=h, method=method, version=version)


class EncodingAssertions:
    def assertIdentity(self, resp, data):
        self.assertEqual(resp.status, 200, resp)
        self.assertIsNone(resp.header("Content-Encoding"))
        self.assertEqual(resp.header("Content-Length"), str(len(data)))
        self.assertIsNone(resp.header("Transfer-Encoding"))
        self.assertEqual(resp.body, data)

    def assertOnTheFly(self, resp, coding, data, chunked=True):
        self.assertEqual(resp.status, 200, resp)
        self.assertEqual(resp.header("Content-Encoding"), coding)
        self.assertIn("accept-encoding", vary_tokens(resp))
        if chunked:
            self.assertEqual((resp.header("Transfer-Encoding") or "").lower(), "chunked")
            self.assertIsNone(resp.header("Content-Length"))
        self.assertEqual(DECODERS[coding](resp.body), data)


class SidecarTest(EncodingAssertions, FerryTestCase):
    files = FILES

    def assertSidecar(self, resp, coding):
        self.assertEqual(resp.status, 200, resp)
        self.assertEqual(resp.header("Content-Encoding"), coding)
        self.assertEqual(resp.header("Content-Type"), "text/javascript; charset=utf-8")
        self.assertIn("accept-encoding", vary_tokens(resp))
        self.assertEqual(resp.header("Content-Length"), str(len(SIDECARS[coding])))
        self.assertEqual(resp.body, SIDECARS[coding])
        self.assertEqual(DECODERS[coding](resp.body), APP_JS)

    def test_each_sidecar(self):
        for ae, coding in (("br", "br"), ("gzip", "gzip"), ("zstd", "zstd"), ("GZIP", "gzip"), ("Br", "br")):
            with self.subTest(ae=ae):
                self.assertSidecar(fetch(self.server, "/sc/app.js", ae), coding)

    def test_server_order_when_equal(self):
        for ae in ("gzip, br, zstd", "zstd, gzip, br", "gzip;q=0.5, zstd;q=0.5, br;q=0.5", "*"):
            with self.subTest(ae=ae):
                self.assertSidecar(fetch(self.server, "/sc/app.js", ae), "br")
        self.assertSidecar(fetch(self.server, "/sc/app.js", "gzip, zstd"), "zstd")

    def test_q_values(self):
        for ae, coding in (("br;q=0.5, gzip;q=1.0", "gzip"), ("zstd;q=0.9, br;q=0.8, gzip;q=0.1", "zstd"),
                           ("br;q=0.1, gzip;q=0.2, zstd;q=0.15", "gzip"), ("br; q=0.5, gzip ; q=0.6", "gzip"),
                           ("br;Q=0.5, gzip;q=0.6", "gzip")):
            with self.subTest(ae=ae):
                self.assertSidecar(fetch(self.server, "/sc/app.js", ae), coding)

    def test_q_zero_excludes(self):
        for ae, coding in (("br;q=0, gzip", "gzip"), ("br;q=0, zstd;q=0, gzip", "gzip"),
                           ("br;q=0.000, zstd", "zstd"), ("*, br;q=0", "zstd"), ("*;q=0, gzip", "gzip")):
            with self.subTest(ae=ae):
                self.assertSidecar(fetch(self.server, "/sc/app.js", ae), coding)

    def test_identity_fallback(self):
        for ae in (None, "", "identity", "br;q=0, gzip;q=0, zstd;q=0", "deflate", "compress, foo"):
            with self.subTest(ae=ae):
                resp = fetch(self.server, "/sc/app.js", ae)
                # app.js is compressible and >= 1 KiB: with the module, "deflate"/"foo" still give identity.
                self.assertIdentity(resp, APP_JS)
                self.assertIn("accept-encoding", vary_tokens(resp))

    def test_only_gz_sidecar(self):
        resp = fetch(self.server, "/sc/small.css", "br, gzip")
        self.assertEqual(resp.header("Content-Encoding"), "gzip")
        self.assertEqual(gzip.decompress(resp.body), SMALL_CSS)
        self.assertEqual(resp.header("Content-Type"), "text/css; charset=utf-8")
        resp = fetch(self.server, "/sc/small.css", "br")  # small: not compressed on the fly either
        self.assertIdentity(resp, SMALL_CSS)
        self.assertIn("accept-encoding", vary_tokens(resp))

    def test_distinct_etags(self):
        tags = {}
        for ae in (None, "br", "gzip", "zstd"):
            tags[ae] = fetch(self.server, "/sc/app.js", ae).header("ETag")
            self.assertIsNotNone(tags[ae], ae)
            self.assertEqual(fetch(self.server, "/sc/app.js", ae).header("ETag"), tags[ae], "unstable ETag")
        self.assertEqual(len(set(tags.values())), 4, tags)

    def test_conditional_per_encoding(self):
        br_tag = fetch(self.server, "/sc/app.js", "br").header("ETag")
        resp = fetch(self.server, "/sc/app.js", "br", [("If-None-Match", br_tag)])
        self.assertEqual(resp.status, 304)
        self.assertEqual(resp.header("ETag"), br_tag)
        self.assertIn("accept-encoding", vary_tokens(resp))  # RFC 9110 §15.4.5: Vary on 304 too
        # The gzip representation has another tag: the br one must not validate it.
        resp = fetch(self.server, "/sc/app.js", "gzip", [("If-None-Match", br_tag)])
        self.assertSidecar(resp, "gzip")
        # Nor does the identity tag validate the br representation.
        id_tag = fetch(self.server, "/sc/app.js").header("ETag")
        self.assertSidecar(fetch(self.server, "/sc/app.js", "br", [("If-None-Match", id_tag)]), "br")

    def test_range_on_sidecar(self):
        resp = fetch(self.server, "/sc/app.js", "br", [("Range", "bytes=0-9")])
        self.assertEqual(resp.status, 206, resp)
        self.assertEqual(resp.header("Content-Encoding"), "br")
        self.assertEqual(resp.header("Content-Range"), "bytes 0-9/%d" % len(SIDECARS["br"]))
        self.assertEqual(resp.body, SIDECARS["br"][:10])

    def test_head_same_headers(self):
        for ae in ("br", "gzip", None):
            with self.subTest(ae=ae):
                g = fetch(self.server, "/sc/app.js", ae)
                h = fetch(self.server, "/sc/app.js", ae, method="HEAD")
                self.assertEqual(h.status, 200)
                for name in ("Content-Type", "Content-Encoding", "Content-Length", "ETag", "Last-Modified", "Vary",
                             "Accept-Ranges"):
                    self.assertEqual(h.header(name), g.header(name), name)
                self.assertEqual(h.body, b"")

    def test_http10_sidecar(self):
        resp = fetch(self.server, "/sc/app.js", "gzip", version="HTTP/1.0")
        self.assertSidecar(resp, "gzip")

    def test_not_compressible_types_untouched(self):
        resp = fetch(self.server, "/pic.png", "gzip, br")
        self.assertIdentity(resp, PNG)

    @unittest.skipIf(COMPRESSION, "compression module compiled in")
    def test_no_on_the_fly_without_module(self):
        self.assertIdentity(fetch(self.server, "/big.txt", "gzip, br"), BIG)


@unittest.skipUnless(COMPRESSION, "compression module not compiled in")
class OnTheFlyTest(EncodingAssertions, FerryTestCase):
    files = FILES

    def test_gzip(self):
        self.assertOnTheFly(fetch(self.server, "/big.txt", "gzip"), "gzip", BIG)

    def test_br(self):
        self.assertOnTheFly(fetch(self.server, "/big.txt", "br"), "br", BIG)

    def test_content_type_kept(self):
        self.assertEqual(fetch(self.server, "/big.txt", "gzip").header("Content-Type"), "text/plain; charset=utf-8")

    def test_choice(self):
        for ae, coding in (("gzip, br", "br"), ("br, gzip", "br"), ("gzip;q=1, br;q=0.5", "gzip"),
                           ("br;q=0, gzip", "gzip"), ("zstd, gzip;q=0.5", "gzip"), ("*", "br")):
            with self.subTest(ae=ae):
                self.assertOnTheFly(fetch(self.server, "/big.txt", ae), coding, BIG)

    def test_no_acceptable_coding(self):
        for ae in ("zstd", "identity", "gzip;q=0, br;q=0", "deflate"):
            with self.subTest(ae=ae):
                resp = fetch(self.server, "/big.txt", ae)
                self.assertIdentity(resp, BIG)
                self.assertIn("accept-encoding", vary_tokens(resp))

    def test_vary_without_accept_encoding(self):
        resp = fetch(self.server, "/big.txt")
        self.assertIdentity(resp, BIG)
        self.assertIn("accept-encoding", vary_tokens(resp))

    def test_min_size_boundary(self):
        self.assertOnTheFly(fetch(self.server, "/exact.txt", "gzip"), "gzip", EXACT)
        self.assertIdentity(fetch(self.server, "/below.txt", "gzip"), BELOW)
        self.assertIdentity(fetch(self.server, "/small.txt", "gzip, br"), SMALL)

    def test_not_for_png(self):
        resp = fetch(self.server, "/pic.png", "gzip, br")
        self.assertIdentity(resp, PNG)

    def test_large_file_streams(self):
        self.assertOnTheFly(fetch(self.server, "/huge.txt", "gzip"), "gzip", HUGE)
        self.assertOnTheFly(fetch(self.server, "/huge.txt", "br"), "br", HUGE)

    def test_keep_alive_after_chunked(self):
        rs = exchange(self.server, [("GET", "/big.txt", [("Accept-Encoding", "gzip")]),
                                    ("GET", "/huge.txt", [("Accept-Encoding", "br")]),
                                    ("GET", "/small.txt", [])])
        self.assertOnTheFly(rs[0], "gzip", BIG)
        self.assertOnTheFly(rs[1], "br", HUGE)
        self.assertIdentity(rs[2], SMALL)

    def test_http10_gets_identity(self):
        resp = fetch(self.server, "/big.txt", "gzip, br", version="HTTP/1.0")
        self.assertIdentity(resp, BIG)

    def test_distinct_etags(self):
        ident = fetch(self.server, "/big.txt").header("ETag")
        gz = fetch(self.server, "/big.txt", "gzip").header("ETag")
        br = fetch(self.server, "/big.txt", "br").header("ETag")
        self.assertIsNotNone(gz)
        self.assertIsNotNone(br)
        self.assertEqual(len({ident, gz, br}), 3, (ident, gz, br))
        self.assertEqual(fetch(self.server, "/big.txt", "gzip").header("ETag"), gz)

    def test_conditional_on_the_fly(self):
        gz = fetch(self.server, "/big.txt", "gzip").header("ETag")
        resp = fetch(self.server, "/big.txt", "gzip", [("If-None-Match", gz)])
        self.assertEqual(resp.status, 304, resp)
        self.assertEqual(resp.header("ETag"), gz)
        self.assertIsNone(resp.header("Transfer-Encoding"))
        self.assertOnTheFly(fetch(self.server, "/big.txt", "br", [("If-None-Match", gz)]), "br", BIG)

    def test_head_same_headers(self):
        for ae in ("gzip", "br"):
            with self.subTest(ae=ae):
                g = fetch(self.server, "/big.txt", ae)
                h = fetch(self.server, "/big.txt", ae, method="HEAD")
                self.assertEqual(h.status, 200)
                for name in ("Content-Type", "Content-Encoding", "Content-Length", "Transfer-Encoding", "ETag",
                             "Last-Modified", "Vary"):
                    self.assertEqual(h.header(name), g.header(name), name)
                self.assertEqual(h.body, b"")

    def test_head_does_not_leak_body(self):
        rs = exchange(self.server, [("HEAD", "/big.txt", [("Accept-Encoding", "gzip")]),
                                    ("GET", "/small.txt", [])])
        self.assertEqual(rs[0].header("Content-Encoding"), "gzip")
        self.assertIdentity(rs[1], SMALL)

    def test_range_not_compressed(self):
        for ae in ("gzip", "br", "gzip, br"):
            with self.subTest(ae=ae):
                resp = fetch(self.server, "/big.txt", ae, [("Range", "bytes=0-99")])
                self.assertEqual(resp.status, 206, resp)
                self.assertIsNone(resp.header("Content-Encoding"))
                self.assertEqual(resp.header("Content-Range"), "bytes 0-99/%d" % len(BIG))
                self.assertEqual(resp.body, BIG[:100])

    def test_sidecar_preferred_over_on_the_fly(self):
        resp = fetch(self.server, "/sc/app.js", "gzip")
        self.assertEqual(resp.header("Content-Encoding"), "gzip")
        self.assertEqual(resp.body, SIDECARS["gzip"])
        self.assertEqual(resp.header("Content-Length"), str(len(SIDECARS["gzip"])))


@unittest.skipUnless(COMPRESSION, "compression module not compiled in")
class CompressionDisabledTest(EncodingAssertions, FerryTestCase):
    files = FILES
    config = "[compression]\nenabled = false\n"

    def test_no_on_the_fly(self):
        for ae in ("gzip", "br", "gzip, br"):
            with self.subTest(ae=ae):
                self.assertIdentity(fetch(self.server, "/big.txt", ae), BIG)

    def test_sidecars_still_served(self):
        resp = fetch(self.server, "/sc/app.js", "br")
        self.assertEqual(resp.header("Content-Encoding"), "br")
        self.assertEqual(resp.body, SIDECARS["br"])


@unittest.skipUnless(COMPRESSION, "compression module not compiled in")
class CompressionMinSizeTest(EncodingAssertions, FerryTestCase):
    files = FILES
    config = '[compression]\nmin_size = "2KiB"\n'

    def test_min_size_from_config(self):
        self.assertIdentity(fetch(self.server, "/mid.txt", "gzip"), MID)
        self.assertOnTheFly(fetch(self.server, "/big.txt", "gzip"), "gzip", BIG)


if __name__ == "__main__":
    unittest.main()
