"""`ferry precompress ROOT`: builds .br/.zst/.gz sidecars for compressible files (only where
smaller, only when stale), --check lists stale ones without writing, exit codes, and the
server sending what the command wrote. Sidecars are decoded with Python's gzip and brotli and
the zstd command-line tool and compared byte for byte."""

import gzip
import os
import random
import re
import shutil
import stat
import subprocess
import tempfile
import unittest

import brotli

from ferry_harness import FERRY_BIN, Server, get, has_module

SUFFIXES = {"br": ".br", "zstd": ".zst", "gzip": ".gz"}


def zstd_decompress(data):
    return subprocess.run(["zstd", "-d", "-q", "-c"], input=data, capture_output=True, timeout=30,
                          check=True).stdout


DECODERS = {"br": brotli.decompress, "gzip": gzip.decompress, "zstd": zstd_decompress}


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
    return "".join(out)[:size].encode()


def noise(size, seed=1):
    rng = random.Random(seed)
    return bytes(rng.getrandbits(8) for _ in range(size))


def precompress(*args, timeout=120):
    return subprocess.run([FERRY_BIN, "precompress"] + list(args), stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=timeout)


def binary_has_zstd():
    """Whether this ferry writes .zst sidecars (libzstd is optional at build time)."""
    d = tempfile.mkdtemp(prefix="ferry-pc-probe-")
    try:
        proc = precompress(d, "--check", "--quiet", "--encodings", "zstd")
        if proc.returncode == 2 and "without libzstd" in proc.stderr:
            return False
        assert proc.returncode == 0, proc
        return True
    finally:
        shutil.rmtree(d, ignore_errors=True)


COMPRESSION = has_module("compression")
CODINGS = (["br", "zstd", "gzip"] if COMPRESSION and binary_has_zstd() else ["br", "gzip"])

COMPRESSIBLE = {
    "index.html": text_of(3000, "<p>"),
    "css/site.css": text_of(20000, "body{}"),
    "js/deep/app.js": text_of(300 * 1024, "console.log"),  # more than one 256 KiB read buffer
    "img/logo.svg": text_of(2000, "<svg>"),
    "api/data.json": text_of(5000, '{"k":1}'),
}
LEFT_ALONE = {
    "img/photo.png": text_of(5000, "png"),  # not a compressible type, whatever its bytes
    "tiny.txt": b"tiny\n",                  # below the 256-byte minimum
    "noise.js": noise(6000),                # compression would not save 5 %
    ".env.js": text_of(3000, "secret"),     # dotfile
    ".git/config.js": text_of(3000, "git"), # inside a dot directory
    "README": text_of(3000, "readme"),      # no extension: application/octet-stream
}


@unittest.skipUnless(COMPRESSION, "ferry built without the compression module")
class PrecompressTest(unittest.TestCase):

    def setUp(self):
        self.base = tempfile.mkdtemp(prefix="ferry-pc-")
        self.root = os.path.join(self.base, "root")
        os.mkdir(self.root)
        for rel, data in list(COMPRESSIBLE.items()) + list(LEFT_ALONE.items()):
            self.write(rel, data)

    def tearDown(self):
        shutil.rmtree(self.base, ignore_errors=True)

    def path(self, rel):
        return os.path.join(self.root, rel)

    def write(self, rel, data):
        p = self.path(rel)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "wb") as f:
            f.write(data)

    def read(self, rel):
        with open(self.path(rel), "rb") as f:
            return f.read()

    def all_names(self):
        names = set()
        for d, _, files in os.walk(self.root):
            for f in files:
                names.add(os.path.relpath(os.path.join(d, f), self.root))
        return names

    def assert_ok(self, proc, code=0):
        self.assertEqual(proc.returncode, code, "stdout:\n%s\nstderr:\n%s" % (proc.stdout, proc.stderr))

    def assert_sidecars(self, rel):
        original = self.read(rel)
        st = os.stat(self.path(rel))
        for coding in CODINGS:
            sidecar = rel + SUFFIXES[coding]
            with self.subTest(sidecar=sidecar):
                data = self.read(sidecar)
                self.assertLess(len(data), len(original) * 0.95)
                self.assertEqual(DECODERS[coding](data), original)
                sst = os.stat(self.path(sidecar))
                self.assertEqual(sst.st_mtime_ns, st.st_mtime_ns)
                self.assertEqual(stat.S_IMODE(sst.st_mode), stat.S_IMODE(st.st_mode))

    def assert_no_sidecars(self, rel):
        for suffix in (".br", ".zst", ".gz"):
            self.assertFalse(os.path.lexists(self.path(rel + suffix)), rel + suffix)

    def set_mtime_ns(self, rel, ns):
        os.utime(self.path(rel), ns=(ns, ns), follow_symlinks=False)

    # --- writing ---

    def test_builds_sidecars_only_for_compressible_files(self):
        os.chmod(self.path("index.html"), 0o640)
        proc = precompress(self.root)
        self.assert_ok(proc)
        self.assertEqual(proc.stderr, "")
        for rel in COMPRESSIBLE:
            self.assert_sidecars(rel)
        for rel in LEFT_ALONE:
            self.assert_no_sidecars(rel)
        self.assertEqual(stat.S_IMODE(os.stat(self.path("index.html.br")).st_mode), 0o640)
        self.assertFalse([n for n in self.all_names() if ".precompress-" in n], "temporary files left")

        # The report: files scanned, one line per encoding with bytes before/after, elapsed time.
        out = proc.stdout
        self.assertIn("precompress %s: 9 files, 7 compressible, 1 below 256 B" % self.root, out)
        total = sum(len(d) for d in COMPRESSIBLE.values())
        for coding in CODINGS:
            m = re.search(r"^  %s +written (\d+), up to date (\d+), not smaller (\d+), removed (\d+): "
                          r"[\d.]+ [KM]iB -> [\d.]+ [KM]?i?B, ([\d.]+) %% saved$" % coding, out, re.M)
            self.assertIsNotNone(m, out)
            self.assertEqual(m.group(1, 2, 3, 4), ("5", "0", "1", "0"), out)
            after = sum(len(self.read(rel + SUFFIXES[coding])) for rel in COMPRESSIBLE)
            self.assertAlmostEqual(float(m.group(5)), 100.0 * (total - after) / total, delta=0.06)
        self.assertRegex(out, r"\n  0 errors, \d+ threads?, [\d.]+ s\n$")

    def test_sidecars_match_the_reference_tools_closely(self):
        self.assert_ok(precompress(self.root, "--quiet"))
        data = COMPRESSIBLE["css/site.css"]
        # Best settings: about as small as brotli -q 11 and gzip -9 (zlib, no file name).
        self.assertLessEqual(len(self.read("css/site.css.br")), len(brotli.compress(data, quality=11)) + 16)
        self.assertLessEqual(len(self.read("css/site.css.gz")), len(gzip.compress(data, 9, mtime=0)) + 16)
        if "zstd" in CODINGS:
            ref = subprocess.run(["zstd", "-19", "-q", "-c"], input=data, capture_output=True, check=True).stdout
            self.assertLessEqual(len(self.read("css/site.css.zst")), len(ref) + 16)

    def test_second_run_writes_nothing(self):
        self.assert_ok(precompress(self.root, "--quiet"))
        inodes = {n: os.stat(self.path(n)).st_ino for n in self.all_names()}
        proc = precompress(self.root)
        self.assert_ok(proc)
        for coding in CODINGS:
            self.assertRegex(proc.stdout, r"  %s +written 0, up to date 5, not smaller 1, removed 0\n" % coding)
        self.assertEqual({n: os.stat(self.path(n)).st_ino for n in self.all_names()}, inodes)

    def test_symlinks_are_not_followed(self):
        outside = os.path.join(self.base, "outside")
        os.mkdir(outside)
        with open(os.path.join(outside, "lib.js"), "wb") as f:
            f.write(text_of(5000, "outside"))
        os.symlink(outside, self.path("vendor"))
        os.symlink(os.path.join(outside, "lib.js"), self.path("lib.js"))
        os.symlink("index.html", self.path("home.html"))
        proc = precompress(self.root)
        self.assert_ok(proc)
        self.assertIn("3 links not followed", proc.stdout)
        self.assertEqual(sorted(os.listdir(outside)), ["lib.js"])
        self.assert_no_sidecars("lib.js")
        self.assert_no_sidecars("home.html")
        self.assert_sidecars("index.html")

    def test_stale_sidecars_are_rebuilt(self):
        self.assert_ok(precompress(self.root, "--quiet"))
        st = os.stat(self.path("index.html"))
        new = text_of(4000, "<h1>")
        self.write("index.html", new)
        self.set_mtime_ns("index.html", st.st_mtime_ns + 1)  # one nanosecond newer is stale
        proc = precompress(self.root)
        self.assert_ok(proc)
        for coding in CODINGS:
            self.assertRegex(proc.stdout, r"  %s +written 1, up to date 4," % coding)
        self.assert_sidecars("index.html")
        self.assertEqual(gzip.decompress(self.read("index.html.gz")), new)

    def test_stale_sidecar_that_is_not_worth_keeping_is_removed(self):
        self.assert_ok(precompress(self.root, "--quiet"))
        # api/data.json turns into noise: its old sidecars must not be served any more.
        st = os.stat(self.path("api/data.json"))
        self.write("api/data.json", noise(5000, 7))
        self.set_mtime_ns("api/data.json", st.st_mtime_ns + 10**9)
        # A fresh, hand-made sidecar of a file below the minimum stays; a stale one goes.
        self.write("tiny.txt.gz", gzip.compress(b"tiny\n"))
        self.write("tiny.txt.br", b"stale")
        self.set_mtime_ns("tiny.txt.br", 10**9)
        proc = precompress(self.root)
        self.assert_ok(proc)
        self.assert_no_sidecars("api/data.json")
        self.assertTrue(os.path.exists(self.path("tiny.txt.gz")))
        self.assertFalse(os.path.exists(self.path("tiny.txt.br")))
        # noise.js is compressed again each run (nothing records that it does not pay).
        self.assertRegex(proc.stdout, r"  br +written 0, up to date 4, not smaller 1, removed 2\n")
        self.assertRegex(proc.stdout, r"  gzip +written 0, up to date 5, not smaller 1, removed 1\n")

    def test_encodings_option(self):
        proc = precompress(self.root, "--encodings", "gzip", "--quiet")
        self.assert_ok(proc)
        self.assertEqual(proc.stdout, "")
        for rel in COMPRESSIBLE:
            self.assertTrue(os.path.exists(self.path(rel + ".gz")))
            self.assertFalse(os.path.exists(self.path(rel + ".br")))
            self.assertFalse(os.path.exists(self.path(rel + ".zst")))

    def test_min_size_option(self):
        self.assert_ok(precompress(self.root, "--min-size", "4KiB", "--quiet"))
        self.assert_no_sidecars("index.html")    # 3000 bytes
        self.assert_no_sidecars("img/logo.svg")  # 2000 bytes
        self.assert_sidecars("api/data.json")    # 5000 bytes

    def test_output_does_not_depend_on_jobs(self):
        self.assert_ok(precompress(self.root, "--jobs", "1", "--quiet"))
        first = {n: self.read(n) for n in self.all_names()}
        proc = precompress(self.root, "--jobs=4", "--force")
        self.assert_ok(proc)
        self.assertIn("4 threads", proc.stdout)
        self.assertEqual({n: self.read(n) for n in self.all_names()}, first)

    def test_a_failing_file_is_reported_and_the_run_goes_on(self):
        long_name = "n" * 250 + ".js"  # its sidecar names exceed 255 bytes
        self.write(long_name, text_of(3000, "long"))
        proc = precompress(self.root)
        self.assert_ok(proc, 1)
        lines = proc.stderr.splitlines()
        self.assertEqual(len(lines), len(CODINGS), proc.stderr)
        for line in lines:
            self.assertTrue(line.startswith("ferry precompress: %s/%s" % (self.root, long_name)), line)
        self.assertIn("%d errors" % len(CODINGS), proc.stdout)
        for rel in COMPRESSIBLE:
            self.assert_sidecars(rel)

    # --- --check ---

    def test_check_lists_missing_sidecars_and_writes_nothing(self):
        before = self.all_names()
        proc = precompress(self.root, "--check")
        self.assert_ok(proc, 1)
        self.assertEqual(self.all_names(), before)
        expected = sorted("missing %s%s" % (self.path(rel), SUFFIXES[c]) for rel in COMPRESSIBLE for c in CODINGS)
        self.assertEqual(proc.stdout.splitlines(), expected)
        self.assertIn("%d missing, 0 stale, 0 errors" % len(expected), proc.stderr)

    def test_check_after_a_run_and_after_a_change(self):
        self.assert_ok(precompress(self.root, "--quiet"))
        proc = precompress(self.root, "--check")
        self.assert_ok(proc, 0)
        self.assertEqual(proc.stdout, "")

        st = os.stat(self.path("css/site.css"))
        old = {c: self.read("css/site.css" + SUFFIXES[c]) for c in CODINGS}
        self.write("css/site.css", text_of(21000, "main{}"))
        self.set_mtime_ns("css/site.css", st.st_mtime_ns + 5)
        proc = precompress(self.root, "--check")
        self.assert_ok(proc, 1)
        self.assertEqual(proc.stdout.splitlines(),
                         sorted("stale %s%s" % (self.path("css/site.css"), SUFFIXES[c]) for c in CODINGS))
        self.assertEqual({c: self.read("css/site.css" + SUFFIXES[c]) for c in CODINGS}, old)

        quiet = precompress(self.root, "--check", "--quiet")
        self.assert_ok(quiet, 1)
        self.assertEqual(quiet.stdout + quiet.stderr, "")

        self.assert_ok(precompress(self.root, "--quiet"))
        self.assert_ok(precompress(self.root, "--check"), 0)

    # --- usage ---

    def test_usage_errors_exit_2(self):
        missing = os.path.join(self.base, "missing")
        cases = [
            [],
            [missing],
            [self.path("index.html")],  # not a directory
            [self.root, "--jobs", "0"],
            [self.root, "--jobs"],
            [self.root, "--encodings", "deflate"],
            [self.root, "--min-size", "lots"],
            [self.root, "--check", "--force"],
            [self.root, "--frobnicate"],
            [self.root, self.root],
        ]
        for args in cases:
            with self.subTest(args=args):
                proc = precompress(*args)
                self.assert_ok(proc, 2)
                self.assertTrue(proc.stderr.startswith("ferry precompress: "), proc.stderr)
                self.assertEqual(proc.stdout, "")
        self.assertFalse([n for n in self.all_names() if n.endswith((".br", ".gz", ".zst"))])

    def test_help(self):
        proc = precompress("--help")
        self.assert_ok(proc)
        for option in ("--check", "--encodings", "--jobs", "--min-size", "--quiet", "--force"):
            self.assertIn(option, proc.stdout)
        top = subprocess.run([FERRY_BIN, "--help"], capture_output=True, text=True, timeout=10)
        self.assertIn("ferry precompress ROOT", top.stdout)


@unittest.skipUnless(COMPRESSION, "ferry built without the compression module")
class PrecompressServedTest(unittest.TestCase):
    """What the command writes is what the server sends, with the file's Last-Modified."""

    def test_server_sends_the_sidecars(self):
        root = tempfile.mkdtemp(prefix="ferry-pc-serve-")
        try:
            data = text_of(8000, "export const x =")
            with open(os.path.join(root, "app.js"), "wb") as f:
                f.write(data)
            proc = precompress(root, "--quiet")
            self.assertEqual(proc.returncode, 0, proc)
            with Server(root, config="[compression]\nenabled = false\n") as server:
                plain = get(server, "/app.js")
                self.assertEqual(plain.status, 200)
                self.assertEqual(plain.body, data)
                for coding in CODINGS:
                    with self.subTest(coding=coding):
                        resp = get(server, "/app.js", headers=[("Accept-Encoding", coding)])
                        self.assertEqual(resp.status, 200, resp)
                        self.assertEqual(resp.header("Content-Encoding"), coding)
                        with open(os.path.join(root, "app.js" + SUFFIXES[coding]), "rb") as f:
                            self.assertEqual(resp.body, f.read())
                        self.assertEqual(DECODERS[coding](resp.body), data)
                        self.assertEqual(resp.header("Last-Modified"), plain.header("Last-Modified"))
        finally:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    unittest.main()
