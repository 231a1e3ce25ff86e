"""Streaming everywhere: a 2 GiB (sparse) file served whole over HTTP/1.1, HTTPS, h2 and h2c,
and a range of it, with the server's RSS sampled throughout: no body is ever held in memory.
curl is the client (it speaks every one of the four); the peak RSS (VmHWM) is reset before
each transfer and read after it."""

import os
import shutil
import subprocess
import unittest

from ferry_harness import FerryTestCase, has_module, peak_rss_kib, reset_peak_rss, rss_kib, toml_string
from tls_certs import CertificateAuthority

SIZE = 2 << 30
FULL = has_module("tls") and has_module("http2")
TRANSPORTS = ("h1", "h1-tls", "h2-tls", "h2c") if FULL else ("h1",)
# What a worker may add while streaming: buffers of a few hundred KiB, TLS records, the h2
# session. Holding even 1 % of the file would exceed it.
MAX_GROWTH_KIB = 16 * 1024


class PeakRss:
    """The growth of a process's peak RSS (VmHWM) over the `with` block."""

    def __init__(self, pid):
        self.pid = pid

    def __enter__(self):
        self.start = rss_kib(self.pid)
        if not reset_peak_rss(self.pid):
            raise unittest.SkipTest("cannot reset VmHWM here")
        return self

    def __exit__(self, *exc):
        self.growth = peak_rss_kib(self.pid) - self.start
        return False


@unittest.skipUnless(shutil.which("curl"), "needs curl")
class LargeFileTest(FerryTestCase):
    files = {"small.txt": "x\n"}

    @classmethod
    def setUpClass(cls):
        cls.ca = None
        if FULL:
            cls.ca = CertificateAuthority()
            cert, key = cls.ca.issue("big", ["localhost"])
            cls.config = '[tls]\nlisten = ["127.0.0.1:0"]\ncertificates = [{ cert = %s, key = %s }]\n' % (
                toml_string(cert), toml_string(key))
        super().setUpClass()
        # Sparse: 2 GiB of zeros that take no disk space. `.bin` is not compressible, so no
        # on-the-fly encoder applies whatever the client accepts.
        with open(os.path.join(cls.root, "big.bin"), "wb") as f:
            f.truncate(SIZE)

    @classmethod
    def tearDownClass(cls):
        try:
            super().tearDownClass()
        finally:
            if cls.ca is not None:
                shutil.rmtree(cls.ca.dir, ignore_errors=True)

    def curl(self, transport, path, *extra):
        tls = transport.endswith("-tls")
        url = "%s://localhost:%d%s" % ("https" if tls else "http", self.server.tls_port if tls else self.server.port,
                                       path)
        flags = {"h1": ["--http1.1"], "h1-tls": ["--http1.1"], "h2-tls": ["--http2"],
                 "h2c": ["--http2-prior-knowledge"]}[transport]
        if tls:
            flags += ["--cacert", self.ca.cert]
        out = subprocess.run(["curl", "-sS", "--resolve", "localhost:%d:127.0.0.1" % (
            self.server.tls_port if tls else self.server.port), "-o", os.devnull, "-w",
            "%{http_code} %{size_download} %{http_version}", *flags, *extra, url],
            capture_output=True, text=True, timeout=240)
        self.assertEqual(out.returncode, 0, out.stderr)
        status, size, version = out.stdout.split()
        return int(status), int(size), version

    def test_two_gib_over_every_protocol_with_flat_rss(self):
        pid = self.server.proc.pid
        for t in TRANSPORTS:
            with self.subTest(transport=t):
                with PeakRss(pid) as rss:
                    status, size, version = self.curl(t, "/big.bin")
                self.assertEqual((status, size), (200, SIZE))
                self.assertEqual(version, "2" if t.startswith("h2") else "1.1")
                growth = rss.growth
                self.assertLess(growth, MAX_GROWTH_KIB, "%s: RSS grew by %d KiB sending 2 GiB" % (t, growth))

    def test_a_range_of_it(self):
        pid = self.server.proc.pid
        for t in TRANSPORTS:
            with self.subTest(transport=t):
                with PeakRss(pid) as rss:
                    status, size, _ = self.curl(t, "/big.bin", "-r", "%d-%d" % (SIZE - (512 << 20), SIZE - 2))
                self.assertEqual((status, size), (206, (512 << 20) - 1))
                self.assertLess(rss.growth, MAX_GROWTH_KIB)


if __name__ == "__main__":
    unittest.main()
