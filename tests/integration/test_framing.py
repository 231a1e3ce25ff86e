"""Message framing and request smuggling.

Each bad-framing case is sent as "bad request + a second valid GET" in one write: exactly one
response (400 with Connection: close) must come back, then EOF; the second request, which asks
for a file whose body is SECRET, must never be answered. Bodies of good requests are read and
thrown away: a request inside a body is never a request."""

import unittest

from ferry_harness import (FerryTestCase, Reader, assert_error_response,
                           read_all_responses)

A_TXT = b"alpha file\n"
B_TXT = b"bravo file\n"
SECRET = b"SECRET smuggled response\n"

SMUGGLED = b"GET /secret.txt HTTP/1.1\r\nHost: localhost\r\n\r\n"
NEXT_CLOSE = b"GET /b.txt HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
H = b"GET /a.txt HTTP/1.1\r\nHost: localhost\r\n"
HP = b"POST /a.txt HTTP/1.1\r\nHost: localhost\r\n"
CHUNKED = H + b"Transfer-Encoding: chunked\r\n\r\n"

# name -> bad request bytes (the smuggled GET is appended). Statuses other than 400 are
# listed only where the contract leaves a choice.
BAD_FRAMING = {
    "cl_and_te": H + b"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    "te_and_cl": H + b"Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n",
    "post_cl_and_te": HP + b"Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    "cl_and_te_zero_cl": H + b"Content-Length: 0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    "two_cl_equal": H + b"Content-Length: 5\r\nContent-Length: 5\r\n\r\nhello",
    "two_cl_different": H + b"Content-Length: 5\r\nContent-Length: 0\r\n\r\nhello",
    "two_cl_zero": H + b"Content-Length: 0\r\nContent-Length: 0\r\n\r\n",
    "cl_list": H + b"Content-Length: 5, 5\r\n\r\nhello",
    "cl_negative": H + b"Content-Length: -1\r\n\r\n",
    "cl_plus_sign": H + b"Content-Length: +5\r\n\r\nhello",
    "cl_hex": H + b"Content-Length: 0x5\r\n\r\nhello",
    "cl_alpha": H + b"Content-Length: abc\r\n\r\n",
    "cl_inner_space": H + b"Content-Length: 1 0\r\n\r\nhelloworld",
    "cl_decimal": H + b"Content-Length: 5.0\r\n\r\nhello",
    "cl_empty": H + b"Content-Length:\r\n\r\n",
    "cl_overflow": H + b"Content-Length: 184467440737095516170\r\n\r\n",
    "te_chunked_then_gzip": H + b"Transfer-Encoding: chunked, gzip\r\n\r\n0\r\n\r\n",
    "te_gzip_only": H + b"Transfer-Encoding: gzip\r\n\r\n0\r\n\r\n",
    "te_unknown": H + b"Transfer-Encoding: foo\r\n\r\n0\r\n\r\n",
    "te_unknown_then_chunked": H + b"Transfer-Encoding: xyz, chunked\r\n\r\n0\r\n\r\n",
    "te_xchunked": H + b"Transfer-Encoding: xchunked\r\n\r\n0\r\n\r\n",
    "te_two_headers_last_gzip": H + b"Transfer-Encoding: chunked\r\nTransfer-Encoding: gzip\r\n\r\n0\r\n\r\n",
    "te_vertical_tab": H + b"Transfer-Encoding: \x0bchunked\r\n\r\n0\r\n\r\n",
    "ws_before_colon_cl": H + b"Content-Length : 5\r\n\r\nhello",
    "ws_before_colon_te": H + b"Transfer-Encoding : chunked\r\n\r\n0\r\n\r\n",
    "tab_before_colon": H + b"X-Foo\t: bar\r\n\r\n",
    "ws_before_colon_other": H + b"X-Foo : bar\r\n\r\n",
    "obs_fold": H + b"X-Foo: a\r\n b\r\n\r\n",
    "obs_fold_tab": H + b"X-Foo: a\r\n\tb\r\n\r\n",
    "obs_fold_te": H + b"Transfer-Encoding:\r\n chunked\r\n\r\n0\r\n\r\n",
    "bare_cr_in_value": H + b"X-Foo: a\rb\r\n\r\n",
    "bare_cr_line_end": H + b"X-Foo: a\rX-Bar: b\r\n\r\n",
    "bare_cr_in_request_line": b"GET /a.txt\rHTTP/1.1\r\nHost: localhost\r\n\r\n",
    "nul_in_value": H + b"X-Foo: a\x00b\r\n\r\n",
    "ctl_in_value": H + b"X-Foo: a\x01b\r\n\r\n",
    "esc_in_value": H + b"X-Foo: a\x1bb\r\n\r\n",
    "del_in_value": H + b"X-Foo: a\x7fb\r\n\r\n",
    "nul_in_name": H + b"X-F\x00oo: a\r\n\r\n",
    "ctl_in_name": H + b"X-F\x01oo: a\r\n\r\n",
    "space_in_name": H + b"X Foo: a\r\n\r\n",
    "empty_name": H + b": a\r\n\r\n",
    "no_colon": H + b"X-Foo a\r\n\r\n",
    "chunk_size_not_hex": CHUNKED + b"zz\r\nhello\r\n0\r\n\r\n",
    "chunk_size_negative": CHUNKED + b"-5\r\nhello\r\n0\r\n\r\n",
    "chunk_size_0x": CHUNKED + b"0x5\r\nhello\r\n0\r\n\r\n",
    "chunk_size_empty": CHUNKED + b"\r\nhello\r\n0\r\n\r\n",
    "chunk_size_overflow": CHUNKED + b"1" + b"0" * 20 + b"\r\nhello\r\n0\r\n\r\n",
    "chunk_data_longer_than_size": CHUNKED + b"5\r\nhelloXX\r\n0\r\n\r\n",
    "chunk_data_shorter_than_size": CHUNKED + b"8\r\nhello\r\n0\r\n\r\n",
}

OTHER_ALLOWED = {
    "cl_overflow": (400, 413),  # too big to represent: malformed or too large
    "te_unknown_then_chunked": (501,),  # RFC 9112 section 6.1: unknown transfer coding
}


class FramingTest(FerryTestCase):
    files = {"index.html": "<p>i</p>\n", "a.txt": A_TXT, "b.txt": B_TXT, "secret.txt": SECRET}

    def exchange(self, raw, heads=()):
        s = self.server.connect()
        try:
            s.sendall(raw)
        except (BrokenPipeError, ConnectionResetError):
            pass
        try:
            return read_all_responses(Reader(s), heads)
        finally:
            s.close()

    def check_rejected(self, name, bad):
        s = self.server.connect()
        s.sendall(bad + SMUGGLED)
        r = Reader(s)
        try:
            resp = r.read_response()
            self.assertNotIn(SECRET, resp.body)
            allowed = OTHER_ALLOWED.get(name, (400,))
            self.assertIn(resp.status, allowed, resp)
            assert_error_response(self, resp, resp.status)
            self.assertEqual(resp.header("Connection", "").lower(), "close", resp)
            self.assertTrue(r.closed(), "connection not closed after %d (%r left)" % (resp.status, r.buf))
        finally:
            s.close()

    # --- bodies are discarded ---

    def test_content_length_body_is_not_a_request(self):
        raw = H + b"Content-Length: %d\r\n\r\n" % len(SMUGGLED) + SMUGGLED + NEXT_CLOSE
        resps = self.exchange(raw)
        self.assertEqual([(r.status, r.body) for r in resps], [(200, A_TXT), (200, B_TXT)])

    def test_chunked_body_is_not_a_request(self):
        body = b"%x\r\n%s\r\n0\r\n\r\n" % (len(SMUGGLED), SMUGGLED)
        resps = self.exchange(CHUNKED + body + NEXT_CLOSE)
        self.assertEqual([(r.status, r.body) for r in resps], [(200, A_TXT), (200, B_TXT)])

    def test_chunked_body_with_extensions_and_trailers(self):
        body = (b"4;name=value\r\nGET \r\n" + b"%x;x\r\n" % (len(SMUGGLED) - 4) + SMUGGLED[4:] + b"\r\n"
                + b"0\r\nX-Trailer: GET /secret.txt HTTP/1.1\r\n\r\n")
        resps = self.exchange(CHUNKED + body + NEXT_CLOSE)
        self.assertEqual([(r.status, r.body) for r in resps], [(200, A_TXT), (200, B_TXT)])

    def test_body_split_across_writes(self):
        s = self.server.connect()
        body = SMUGGLED + b"x" * 1000
        s.sendall(H + b"Content-Length: %d\r\n\r\n" % len(body) + body[:20])
        s.sendall(body[20:500])
        s.sendall(body[500:] + NEXT_CLOSE)
        resps = read_all_responses(Reader(s))
        s.close()
        self.assertEqual([(r.status, r.body) for r in resps], [(200, A_TXT), (200, B_TXT)])

    def test_large_discarded_body(self):
        body = (SMUGGLED * 20000)[:512 * 1024]
        resps = self.exchange(H + b"Content-Length: %d\r\n\r\n" % len(body) + body + NEXT_CLOSE)
        self.assertEqual([(r.status, r.body) for r in resps], [(200, A_TXT), (200, B_TXT)])

    def test_head_with_body_is_discarded(self):
        raw = (b"HEAD /a.txt HTTP/1.1\r\nHost: localhost\r\nContent-Length: %d\r\n\r\n" % len(SMUGGLED)
               + SMUGGLED + NEXT_CLOSE)
        resps = self.exchange(raw, heads={0})
        self.assertEqual([(r.status, r.body) for r in resps], [(200, b""), (200, B_TXT)])

    def test_post_body_is_discarded_after_405(self):
        raw = HP + b"Content-Length: %d\r\n\r\n" % len(SMUGGLED) + SMUGGLED + NEXT_CLOSE
        resps = self.exchange(raw)
        self.assertEqual([(r.status, r.body) for r in resps], [(405, b"405 Method Not Allowed\n"), (200, B_TXT)])

    def test_zero_content_length(self):
        resps = self.exchange(H + b"Content-Length: 0\r\n\r\n" + NEXT_CLOSE)
        self.assertEqual([(r.status, r.body) for r in resps], [(200, A_TXT), (200, B_TXT)])

    def test_te_chunked_case_insensitive(self):
        body = b"%x\r\n%s\r\n0\r\n\r\n" % (len(SMUGGLED), SMUGGLED)
        resps = self.exchange(H + b"Transfer-Encoding: Chunked\r\n\r\n" + body + NEXT_CLOSE)
        self.assertEqual([(r.status, r.body) for r in resps], [(200, A_TXT), (200, B_TXT)])

    def test_error_closes_without_reading_later_bytes(self):
        # After the 400 the server must not answer bytes that arrive later either.
        s = self.server.connect()
        s.sendall(H + b"Content-Length: 1\r\nContent-Length: 1\r\n\r\n")
        r = Reader(s)
        resp = r.read_response()
        self.assertEqual(resp.status, 400)
        try:
            s.sendall(SMUGGLED)
        except (BrokenPipeError, ConnectionResetError):
            pass
        self.assertTrue(r.closed())
        s.close()


def _make_case(name, bad):
    def test(self):
        self.check_rejected(name, bad)
    test.__doc__ = "bad framing %s: one 400, then close" % name
    return test


for _name, _bad in BAD_FRAMING.items():
    setattr(FramingTest, "test_rejects_" + _name, _make_case(_name, _bad))


if __name__ == "__main__":
    unittest.main()
