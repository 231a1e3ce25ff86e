"""Expect: 100-continue gets an interim 100 before the body is sent; other expectations 417."""

import unittest

from ferry_harness import FerryTestCase, Reader


class ExpectTest(FerryTestCase):
    files = {"a.txt": "alpha\n"}

    def test_interim_100_then_the_response(self):
        s = self.server.connect()
        s.sendall(b"GET /a.txt HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n")
        r = Reader(s)
        # The server must answer before the body is sent (the client holds it back).
        self.assertEqual(r.read_until(b"\r\n\r\n"), b"HTTP/1.1 100 Continue\r\n\r\n")
        s.sendall(b"hello")
        resp = r.read_response()
        self.assertEqual(resp.status, 200)
        self.assertEqual(resp.body, b"alpha\n")
        # Still usable: the body was consumed, not taken for a request.
        s.sendall(b"GET /a.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        self.assertEqual(r.read_response().status, 200)
        s.close()

    def test_too_large_body_gets_413_not_100(self):
        s = self.server.connect()
        s.sendall(b"GET /a.txt HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 99999999\r\n\r\n")
        r = Reader(s)
        resp = r.read_response()
        self.assertEqual(resp.status, 413)
        s.close()

    def test_unknown_expectation_is_417(self):
        s = self.server.connect()
        s.sendall(b"GET /a.txt HTTP/1.1\r\nHost: x\r\nExpect: teapot\r\n\r\n")
        r = Reader(s)
        resp = r.read_response()
        self.assertEqual(resp.status, 417)
        self.assertEqual(resp.header("Connection"), "close")
        self.assertTrue(r.closed())
        s.close()


if __name__ == "__main__":
    unittest.main()
