"""Request limits: head size and header count (431), target length (414), body size (413),
connection cap. Each is checked at its default and at a configured boundary (exactly at the
limit is served, one over is refused).

The request head is counted as every byte from the request line through the blank line that
ends the head (CRLF CRLF included)."""

import socket
import time
import unittest

from ferry_harness import (FerryTestCase, Reader, assert_error_response, build_request,
                           read_all_responses, request_once)

A_TXT = b"alpha file\n"


def head_of_size(size, extra_headers=()):
    """A GET /a.txt whose head is exactly `size` bytes, padded with an X-Pad header."""
    def build(pad):
        headers = [("Host", "localhost")] + list(extra_headers) + [("X-Pad", pad), ("Connection", "close")]
        return build_request("GET", "/a.txt", headers=headers)
    base = len(build(""))
    assert size >= base
    raw = build("p" * (size - base))
    assert len(raw) == size
    return raw


def with_header_count(n):
    """A GET /a.txt with exactly n header fields (Host and Connection included)."""
    headers = [("Host", "localhost")] + [("X-H%d" % i, "v") for i in range(n - 2)] + [("Connection", "close")]
    assert len(headers) == n
    return build_request("GET", "/a.txt", headers=headers)


def target_of_length(n):
    prefix = "/a.txt?"
    assert n >= len(prefix)
    return prefix + "q" * (n - len(prefix))


def cl_head(length):
    return build_request("GET", "/a.txt", headers=[("Host", "localhost"), ("Content-Length", str(length))])


CHUNKED_HEAD = build_request("GET", "/a.txt", headers=[("Host", "localhost"), ("Transfer-Encoding", "chunked"),
                                                        ("Connection", "close")])


class LimitsCase(FerryTestCase):
    files = {"index.html": "<p>i</p>\n", "a.txt": A_TXT}

    def expect_413_and_close(self, raw):
        s = self.server.connect()
        try:
            s.sendall(raw)
        except (BrokenPipeError, ConnectionResetError):
            pass
        r = Reader(s)
        try:
            try:
                resp = r.read_response()
            except socket.timeout:
                self.fail("no response within 5 s (waiting for a body that is already too large?)")
            assert_error_response(self, resp, 413)
            self.assertEqual(resp.header("Connection", "").lower(), "close", resp)
            self.assertTrue(r.closed(), "connection kept open after 413")
        finally:
            s.close()

    def expect_ok(self, raw):
        resp = request_once(self.server, raw)
        self.assertEqual(resp.status, 200, resp)
        self.assertEqual(resp.body, A_TXT)


class DefaultLimitsTest(LimitsCase):

    def test_big_header_is_431(self):
        resp = request_once(self.server, head_of_size(9000))
        assert_error_response(self, resp, 431)

    def test_many_medium_headers_over_head_size_is_431(self):
        headers = [("Host", "localhost")] + [("X-M%d" % i, "m" * 250) for i in range(40)]
        resp = request_once(self.server, build_request("GET", "/a.txt", headers=headers))
        assert_error_response(self, resp, 431)

    def test_normal_size_head_is_served(self):
        self.expect_ok(head_of_size(4000))

    def test_too_many_headers_is_431(self):
        resp = request_once(self.server, with_header_count(100))
        assert_error_response(self, resp, 431)

    def test_long_target_is_414(self):
        resp = request_once(self.server, build_request("GET", target_of_length(5000),
                                                       headers=[("Host", "localhost"), ("Connection", "close")]))
        assert_error_response(self, resp, 414)

    def test_target_at_default_limit_is_served(self):
        self.expect_ok(build_request("GET", target_of_length(4096),
                                     headers=[("Host", "localhost"), ("Connection", "close")]))

    def test_huge_content_length_is_413_without_body(self):
        # Only the head is sent: the 413 must not wait for the body.
        self.expect_413_and_close(cl_head(2 * 1024 * 1024))

    def test_content_length_far_beyond_limit_is_413(self):
        self.expect_413_and_close(cl_head(10 ** 15))

    def test_chunked_body_growing_past_limit_is_413(self):
        chunk = b"c" * 65536
        body = b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for _ in range(16)) + b"1\r\nx\r\n"
        self.expect_413_and_close(CHUNKED_HEAD + body)  # 1 MiB + 1, no last chunk

    def test_body_under_limit_is_discarded_and_served(self):
        body = b"b" * 100000
        s = self.server.connect()
        s.sendall(cl_head(len(body)) + body +
                  build_request("GET", "/a.txt", headers=[("Host", "localhost"), ("Connection", "close")]))
        resps = read_all_responses(Reader(s))
        s.close()
        self.assertEqual([(r.status, r.body) for r in resps], [(200, A_TXT), (200, A_TXT)])


class ConfiguredLimitsTest(LimitsCase):
    config = """
[limits]
max_request_head = 1024
max_header_count = 10
max_uri_length = 100
max_body_size = 1000
"""

    def test_head_exactly_at_limit_is_served(self):
        self.expect_ok(head_of_size(1024))

    def test_head_one_over_limit_is_431(self):
        resp = request_once(self.server, head_of_size(1025))
        assert_error_response(self, resp, 431)

    def test_header_count_at_limit_is_served(self):
        self.expect_ok(with_header_count(10))

    def test_header_count_one_over_is_431(self):
        resp = request_once(self.server, with_header_count(11))
        assert_error_response(self, resp, 431)

    def test_target_at_limit_is_served(self):
        self.expect_ok(build_request("GET", target_of_length(100),
                                     headers=[("Host", "localhost"), ("Connection", "close")]))

    def test_target_one_over_is_414(self):
        resp = request_once(self.server, build_request("GET", target_of_length(101),
                                                       headers=[("Host", "localhost"), ("Connection", "close")]))
        assert_error_response(self, resp, 414)

    def test_path_target_one_over_is_414(self):
        resp = request_once(self.server, build_request("GET", "/" + "a" * 100,
                                                       headers=[("Host", "localhost"), ("Connection", "close")]))
        assert_error_response(self, resp, 414)

    def test_content_length_at_limit_is_served(self):
        self.expect_ok(build_request("GET", "/a.txt", headers=[("Host", "localhost"), ("Content-Length", "1000"),
                                                               ("Connection", "close")], body=b"x" * 1000))

    def test_content_length_one_over_is_413_at_once(self):
        self.expect_413_and_close(cl_head(1001))

    def test_chunked_at_limit_is_served(self):
        body = b"1f4\r\n" + b"y" * 500 + b"\r\n1f4\r\n" + b"z" * 500 + b"\r\n0\r\n\r\n"
        self.expect_ok(CHUNKED_HEAD + body)

    def test_chunked_one_over_is_413(self):
        body = b"1f4\r\n" + b"y" * 500 + b"\r\n1f4\r\n" + b"z" * 500 + b"\r\n1\r\nx\r\n"
        self.expect_413_and_close(CHUNKED_HEAD + body)

    def test_chunk_size_declaring_too_much_is_413(self):
        # The declared size already makes the body exceed the limit: no need to wait for it.
        self.expect_413_and_close(CHUNKED_HEAD + b"3e9\r\nabc")

    def test_limits_do_not_leak_between_requests(self):
        # Two requests near the limits on one connection: each is measured on its own.
        one = build_request("GET", "/a.txt", headers=[("Host", "localhost"), ("X-Pad", "p" * 900)])
        s = self.server.connect()
        s.sendall(one + one + head_of_size(1024))
        resps = read_all_responses(Reader(s))
        s.close()
        self.assertEqual([r.status for r in resps], [200, 200, 200])


class SizeStringLimitsTest(LimitsCase):
    config = """
[limits]
max_request_head = "2KiB"
max_body_size = "1KiB"
"""

    def test_head_size_in_kib(self):
        self.expect_ok(head_of_size(2048))
        resp = request_once(self.server, head_of_size(2049))
        assert_error_response(self, resp, 431)

    def test_body_size_in_kib(self):
        self.expect_ok(build_request("GET", "/a.txt", headers=[("Host", "localhost"), ("Content-Length", "1024"),
                                                               ("Connection", "close")], body=b"x" * 1024))
        self.expect_413_and_close(cl_head(1025))


class MaxConnectionsTest(FerryTestCase):
    files = {"a.txt": A_TXT}
    config = """
[limits]
max_connections = 2
"""

    def open_served(self):
        s = self.server.connect()
        s.sendall(build_request("GET", "/a.txt"))
        r = Reader(s)
        resp = r.read_response()
        self.assertEqual(resp.status, 200)
        return s

    def test_connection_over_cap_is_not_served(self):
        c1 = self.open_served()
        c2 = self.open_served()
        try:
            c3 = self.server.connect()
            try:
                c3.sendall(build_request("GET", "/a.txt"))
            except (BrokenPipeError, ConnectionResetError):
                pass
            r3 = Reader(c3)
            try:
                resps = read_all_responses(r3)
            except ConnectionResetError:
                resps = []
            c3.close()
            self.assertLessEqual(len(resps), 1, resps)
            for resp in resps:
                self.assertEqual(resp.status, 503, resp)
        finally:
            c1.close()
        # A slot frees up once c1 is gone (the server notices asynchronously: poll, bounded).
        deadline = time.monotonic() + 5
        served = False
        while time.monotonic() < deadline and not served:
            s = self.server.connect()
            try:
                s.sendall(build_request("GET", "/a.txt", headers=[("Host", "localhost"), ("Connection", "close")]))
                resps = read_all_responses(Reader(s))
                served = bool(resps) and resps[0].status == 200
            except (ConnectionError, socket.timeout):
                pass
            finally:
                s.close()
            if not served:
                time.sleep(0.1)
        c2.close()
        self.assertTrue(served, "no connection served after a slot was freed")


if __name__ == "__main__":
    unittest.main()
