"""Host header rules, request-target forms and HTTP versions."""

import unittest

from ferry_harness import (FerryTestCase, Reader, assert_error_response, build_request,
                           read_all_responses, request_once)

A_TXT = b"alpha file\n"


def req(target="/a.txt", hosts=("localhost",), version="HTTP/1.1", method="GET"):
    headers = [("Host", h) for h in hosts] + [("Connection", "close")]
    return build_request(method, target, version, headers)


class HostTest(FerryTestCase):
    files = {"index.html": "<p>index</p>\n", "a.txt": A_TXT}

    def test_valid_hosts_are_served(self):
        for host in ("localhost", "localhost:8080", "127.0.0.1", "127.0.0.1:1", "[::1]", "[::1]:80",
                     "example.com", "EXAMPLE.com:443", "a-b.c_d.example"):
            with self.subTest(host=host):
                resp = request_once(self.server, req(hosts=[host]))
                self.assertEqual(resp.status, 200, resp)
                self.assertEqual(resp.body, A_TXT)

    def test_http11_without_host_is_400(self):
        resp = request_once(self.server, build_request("GET", "/a.txt", headers=[("Connection", "close")]))
        assert_error_response(self, resp, 400)

    def test_two_hosts_is_400(self):
        for hosts in (["localhost", "localhost"], ["localhost", "example.com"]):
            with self.subTest(hosts=hosts):
                resp = request_once(self.server, req(hosts=hosts))
                assert_error_response(self, resp, 400)

    def test_invalid_host_is_400(self):
        for host in ("local host", "a/b", "user@localhost", "localhost:abc", "localhost:80:80",
                     "[::1", "local\\host", "localhost/x"):
            with self.subTest(host=host):
                resp = request_once(self.server, req(hosts=[host]))
                assert_error_response(self, resp, 400)

    def test_empty_host_is_served(self):
        # RFC 9112 section 3.2: Host = uri-host [":" port] and a reg-name may be empty, so an
        # empty Host is valid (a client sends it when the target URI has no authority).
        resp = request_once(self.server, b"GET /a.txt HTTP/1.1\r\nHost:\r\nConnection: close\r\n\r\n")
        self.assertEqual(resp.status, 200, resp)

    def test_http10_without_host_is_served(self):
        resp = request_once(self.server, build_request("GET", "/a.txt", "HTTP/1.0", headers=[]))
        self.assertEqual(resp.status, 200, resp)
        self.assertEqual(resp.body, A_TXT)

    def test_host_error_does_not_answer_pipelined_request_twice(self):
        # Whatever the server does after a Host error, it answers at most the good request
        # after it and never mixes the two up.
        s = self.server.connect()
        s.sendall(req(hosts=["a b"])[:-len(b"Connection: close\r\n\r\n")] + b"\r\n" + req())
        resps = read_all_responses(Reader(s))
        s.close()
        self.assertGreaterEqual(len(resps), 1)
        self.assertEqual(resps[0].status, 400)
        self.assertLessEqual(len(resps), 2)
        if len(resps) == 2:
            self.assertEqual(resps[1].body, A_TXT)


class TargetTest(FerryTestCase):
    files = {"index.html": "<p>index</p>\n", "a.txt": A_TXT, "x": "file named x\n"}

    def test_absolute_form_served_by_authority(self):
        for target in ("http://localhost/a.txt", "http://example.com/a.txt",
                       "http://localhost:8080/a.txt?q=1", "HTTP://LOCALHOST/a.txt"):
            with self.subTest(target=target):
                resp = request_once(self.server, req(target=target))
                self.assertEqual(resp.status, 200, resp)
                self.assertEqual(resp.body, A_TXT)

    def test_absolute_form_ignores_different_host_header(self):
        # RFC 9112 section 3.2.2: the authority in the target wins over Host.
        resp = request_once(self.server, req(target="http://example.com/a.txt", hosts=["other.test"]))
        self.assertEqual(resp.status, 200, resp)
        self.assertEqual(resp.body, A_TXT)

    def test_absolute_form_without_path_is_root(self):
        resp = request_once(self.server, req(target="http://localhost"))
        self.assertEqual(resp.status, 200, resp)
        self.assertEqual(resp.body, b"<p>index</p>\n")

    def test_absolute_form_still_needs_host_in_http11(self):
        # RFC 9112 section 3.2: a server MUST answer 400 to an HTTP/1.1 request without Host.
        resp = request_once(self.server, build_request("GET", "http://localhost/a.txt",
                                                       headers=[("Connection", "close")]))
        assert_error_response(self, resp, 400)

    def test_authority_form_is_400(self):
        for target in ("localhost:80", "example.com:443"):
            with self.subTest(target=target):
                resp = request_once(self.server, req(target=target))
                assert_error_response(self, resp, 400)

    def test_no_leading_slash_is_400(self):
        for target in ("x", "a.txt", "?q", "%2fa.txt"):
            with self.subTest(target=target):
                resp = request_once(self.server, req(target=target))
                assert_error_response(self, resp, 400)

    def test_http2_and_http3_versions_are_505(self):
        for version in ("HTTP/2.0", "HTTP/3.0"):
            with self.subTest(version=version):
                resp = request_once(self.server, req(version=version))
                assert_error_response(self, resp, 505)

    def test_http09_version_is_505(self):
        resp = request_once(self.server, req(version="HTTP/0.9"))
        assert_error_response(self, resp, 505)

    def test_http09_style_request_line_is_rejected(self):
        # "GET /a.txt" with no version: never served as HTTP/0.9 (no bare body back).
        s = self.server.connect()
        s.sendall(b"GET /a.txt\r\n\r\n")
        r = Reader(s)
        resp = r.read_response()
        s.close()
        self.assertIn(resp.status, (400, 505), resp)
        self.assertNotIn(A_TXT, resp.body)

    def test_http1x_minor_versions_above_1_are_505(self):
        # RFC 9112 section 2.3 lets a server handle HTTP/1.2+ as 1.1, but llhttp refuses minor
        # versions above 1, so ferry answers 505 and closes rather than guess (decision).
        for version in ("HTTP/1.2", "HTTP/1.9"):
            with self.subTest(version=version):
                resp = request_once(self.server, req(version=version))
                assert_error_response(self, resp, 505)


if __name__ == "__main__":
    unittest.main()
