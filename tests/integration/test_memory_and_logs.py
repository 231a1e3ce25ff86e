"""Memory stays bounded per connection (it never grows with the file size or the number of
requests) and the JSON error log stays valid JSON whatever the request contains."""

import json
import os
import unittest
import zlib

from ferry_harness import FerryTestCase, Reader, Server, has_module, make_root, rss_kib


def keepalive_requests(server, path, count):
    """`count` requests on one connection; bodies are counted and discarded as they arrive."""
    s = server.connect(timeout=20)
    r = Reader(s)
    total = 0
    for _ in range(count):
        s.sendall(b"GET " + path + b" HTTP/1.1\r\nHost: x\r\n\r\n")
        head = r.read_until(b"\r\n\r\n").decode("latin-1")
        assert head.startswith("HTTP/1.1 200 "), head
        length = int([l.split(":", 1)[1] for l in head.split("\r\n") if l.lower().startswith("content-length:")][0])
        left = length - len(r.buf)
        r.buf = b""
        while left > 0:
            chunk = s.recv(min(left, 1 << 20))
            if not chunk:
                raise ConnectionError("closed mid-body")
            left -= len(chunk)
        total += length
    s.close()
    return total


class MemoryTest(FerryTestCase):
    files = {"small.txt": "x" * 100, "text.txt": ("ferry memory test line %d\n" * 1) * 10}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        big = os.path.join(cls.root, "big.bin")
        with open(big, "wb") as f:
            f.truncate(64 << 20)  # sparse: 64 MiB of zeros that cost no disk
        text = os.path.join(cls.root, "big.txt")
        with open(text, "w") as f:
            for i in range(400000):
                f.write("line %d of a compressible text file\n" % i)

    def test_rss_does_not_grow_with_requests(self):
        pid = self.server.proc.pid
        keepalive_requests(self.server, b"/small.txt", 500)
        before = rss_kib(pid)
        keepalive_requests(self.server, b"/small.txt", 5000)
        after = rss_kib(pid)
        self.assertLess(after - before, 512, "RSS grew by %d KiB over 5000 requests" % (after - before))

    def test_rss_does_not_grow_with_file_size(self):
        pid = self.server.proc.pid
        keepalive_requests(self.server, b"/small.txt", 50)
        before = rss_kib(pid)
        got = keepalive_requests(self.server, b"/big.bin", 2)
        self.assertEqual(got, 2 * (64 << 20))
        after = rss_kib(pid)
        self.assertLess(after - before, 4096, "RSS grew by %d KiB sending 128 MiB" % (after - before))

    @unittest.skipUnless(has_module("compression"), "compression module not compiled in")
    def test_on_the_fly_compression_is_streamed(self):
        pid = self.server.proc.pid
        size = os.path.getsize(os.path.join(self.root, "big.txt"))
        keepalive_requests(self.server, b"/small.txt", 50)
        before = rss_kib(pid)
        s = self.server.connect(timeout=20)
        s.sendall(b"GET /big.txt HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\nConnection: close\r\n\r\n")
        r = Reader(s)
        head = r.read_until(b"\r\n\r\n").decode("latin-1").lower()
        self.assertIn("content-encoding: gzip", head)
        self.assertIn("transfer-encoding: chunked", head)
        # Connection: close, so the body runs to EOF; decode the chunks incrementally.
        raw = bytearray(r.buf)
        while True:
            chunk = s.recv(1 << 20)
            if not chunk:
                break
            raw += chunk
        s.close()
        body = bytearray()
        pos = 0
        while True:
            eol = raw.index(b"\r\n", pos)
            n = int(raw[pos:eol], 16)
            if n == 0:
                break
            body += raw[eol + 2:eol + 2 + n]
            pos = eol + 2 + n + 2
        self.assertEqual(len(zlib.decompress(bytes(body), 16 + zlib.MAX_WBITS)), size)
        after = rss_kib(pid)
        # The codec's window and a 64 KiB read buffer, never the file (about 15 MiB).
        self.assertLess(after - before, 4096, "RSS grew by %d KiB compressing %d bytes" % (after - before, size))


class JsonErrorLogTest(unittest.TestCase):
    def test_every_line_is_json_even_for_hostile_requests(self):
        root = make_root({"a.txt": "a"})
        config = 'root = "%s"\n[log]\nerror_format = "json"\nlevel = "debug"\n' % root
        server = Server(None, config, args=("--log-level", "debug"))
        try:
            for raw in (b'GET /"\\\x01\xff HTTP/1.1\r\n\r\n', b"G\x00T / HTTP/1.1\r\nHost: a\r\n\r\n",
                        b"GET / HTTP/1.1\r\nHost: a\"}\r\n\r\n"):
                s = server.connect()
                s.sendall(raw)
                Reader(s).read_response()
                s.close()
        finally:
            code = server.stop()
        self.assertEqual(code, 0)
        self.assertTrue(server.lines)
        for line in server.lines:
            record = json.loads(line)
            self.assertIn("level", record)
            self.assertIn("message", record)
        self.assertTrue(any("bad request" in json.loads(l)["message"] for l in server.lines))


if __name__ == "__main__":
    unittest.main()
