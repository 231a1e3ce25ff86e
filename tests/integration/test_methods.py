"""Methods (GET, HEAD, OPTIONS, 405, 501, 400) and the headers every response carries
(Date as IMF-fixdate, Server, Content-Length)."""

import email.utils
import time
import unittest

from ferry_harness import (FerryTestCase, IMF_FIXDATE_RE, Reader, assert_error_response,
                           build_request, get, read_all_responses, request_once)

ALLOW = "GET, HEAD, OPTIONS"
A_TXT = b"alpha file\n"
INDEX = "<!doctype html><title>hi</title>hello\n"

# Methods llhttp knows that ferry does not serve: 405 with Allow.
KNOWN_NOT_ALLOWED = ["POST", "PUT", "DELETE", "PATCH", "TRACE", "PROPFIND", "MKCOL", "PURGE"]


def one(method, target="/a.txt", extra=(), version="HTTP/1.1", body=b""):
    headers = [("Host", "localhost")] + list(extra) + [("Connection", "close")]
    return build_request(method, target, version, headers, body)


class MethodsTest(FerryTestCase):
    files = {"index.html": INDEX, "a.txt": A_TXT, "dir/b.txt": "bee\n"}

    def test_get_serves_file(self):
        resp = get(self.server, "/a.txt")
        self.assertEqual(resp.status, 200)
        self.assertEqual(resp.body, A_TXT)
        self.assertEqual(resp.header("Content-Length"), str(len(A_TXT)))
        self.assertTrue(resp.header("Content-Type", "").startswith("text/plain"), resp)

    def test_head_has_same_headers_as_get_and_no_body(self):
        # HEAD then GET pipelined on one connection: if HEAD carried body bytes, the GET's
        # status line would not be where the reader expects it.
        s = self.server.connect()
        s.sendall(build_request("HEAD", "/a.txt") +
                  build_request("GET", "/a.txt", headers=[("Host", "localhost"), ("Connection", "close")]))
        resps = read_all_responses(Reader(s), heads={0})
        s.close()
        self.assertEqual(len(resps), 2, resps)
        head, full = resps
        self.assertEqual(head.status, 200)
        self.assertEqual(full.status, 200)
        self.assertEqual(full.body, A_TXT)
        skip = {"date", "connection", "x-request-id", "traceparent"}  # per request
        h = sorted((k.lower(), v) for k, v in head.headers if k.lower() not in skip)
        g = sorted((k.lower(), v) for k, v in full.headers if k.lower() not in skip)
        self.assertEqual(h, g)
        self.assertEqual(head.header("Content-Length"), str(len(A_TXT)))

    def test_head_of_missing_file_has_no_body(self):
        s = self.server.connect()
        s.sendall(build_request("HEAD", "/missing.txt") +
                  build_request("GET", "/a.txt", headers=[("Host", "localhost"), ("Connection", "close")]))
        resps = read_all_responses(Reader(s), heads={0})
        s.close()
        self.assertEqual([r.status for r in resps], [404, 200])
        self.assertEqual(resps[0].header("Content-Length"), str(len(b"404 Not Found\n")))
        self.assertEqual(resps[1].body, A_TXT)

    def check_options(self, target):
        s = self.server.connect()
        s.sendall(build_request("OPTIONS", target) +
                  build_request("GET", "/a.txt", headers=[("Host", "localhost"), ("Connection", "close")]))
        resps = read_all_responses(Reader(s))
        s.close()
        self.assertEqual(len(resps), 2, resps)
        opt = resps[0]
        self.assertEqual(opt.status, 204, opt)
        self.assertEqual(opt.header("Allow"), ALLOW)
        self.assertIsNone(opt.header("Content-Length"), "no Content-Length on 204")
        self.assertIsNone(opt.header("Transfer-Encoding"))
        # No body bytes after the 204 head: the next response parses cleanly.
        self.assertEqual(resps[1].status, 200)
        self.assertEqual(resps[1].body, A_TXT)

    def test_options_path(self):
        self.check_options("/a.txt")

    def test_options_star(self):
        self.check_options("*")

    def test_star_target_only_with_options(self):
        for method in ("GET", "HEAD"):
            with self.subTest(method=method):
                resp = request_once(self.server, one(method, "*"), head_request=(method == "HEAD"))
                self.assertEqual(resp.status, 400, resp)

    def test_known_methods_get_405_with_allow(self):
        for method in KNOWN_NOT_ALLOWED:
            with self.subTest(method=method):
                resp = request_once(self.server, one(method))
                assert_error_response(self, resp, 405)
                self.assertEqual(resp.header("Allow"), ALLOW)

    def test_connect_gets_405(self):
        raw = build_request("CONNECT", "localhost:80", headers=[("Host", "localhost:80")])
        resp = request_once(self.server, raw)
        assert_error_response(self, resp, 405)
        self.assertEqual(resp.header("Allow"), ALLOW)

    def test_405_body_is_discarded_and_connection_kept(self):
        # A POST body is read and thrown away; the pipelined GET after it is answered.
        body = b"GET /dir/b.txt HTTP/1.1\r\nHost: localhost\r\n\r\n"
        raw = build_request("POST", "/a.txt", headers=[("Host", "localhost"),
                                                       ("Content-Length", str(len(body)))], body=body)
        raw += one("GET", "/a.txt")
        s = self.server.connect()
        s.sendall(raw)
        resps = read_all_responses(Reader(s))
        s.close()
        self.assertEqual([r.status for r in resps], [405, 200], resps)
        self.assertEqual(resps[1].body, A_TXT)

    def test_unknown_method_token_is_501(self):
        for method in ("FOO", "BREW", "get", "Get", "X" * 40):
            with self.subTest(method=method):
                resp = request_once(self.server, one(method))
                assert_error_response(self, resp, 501)

    def test_non_token_method_is_400(self):
        for method in ("G@T", "(GET)", "GE\"T", "GET{}"):
            with self.subTest(method=method):
                resp = request_once(self.server, one(method))
                assert_error_response(self, resp, 400)


class ResponseHeadersTest(FerryTestCase):
    """Date, Server and Content-Length on successful and error responses."""

    files = {"index.html": INDEX, "a.txt": A_TXT}

    def responses(self):
        return {
            "200": get(self.server, "/a.txt"),
            "404": get(self.server, "/nope.txt"),
            "405": get(self.server, "/a.txt", method="DELETE"),
            "400": request_once(self.server, b"GET /a.txt HTTP/1.1\r\n\r\n"),  # no Host
            "501": get(self.server, "/a.txt", method="FOO"),
        }

    def test_date_is_imf_fixdate_and_current(self):
        for name, resp in self.responses().items():
            with self.subTest(status=name):
                date = resp.header("Date")
                self.assertIsNotNone(date, resp)
                self.assertRegex(date, IMF_FIXDATE_RE)
                when = email.utils.parsedate_to_datetime(date).timestamp()
                self.assertLess(abs(when - time.time()), 60, date)
                self.assertEqual(len(resp.header_all("Date")), 1)

    def test_server_header_default(self):
        for name, resp in self.responses().items():
            with self.subTest(status=name):
                self.assertEqual(resp.header_all("Server"), ["ferry"], resp)

    def test_content_length_matches_body(self):
        for name, resp in self.responses().items():
            with self.subTest(status=name):
                self.assertIsNone(resp.header("Transfer-Encoding"))
                self.assertEqual(resp.header_all("Content-Length"), [str(len(resp.body))], resp)

    def test_error_bodies_are_short_text(self):
        for name, resp in self.responses().items():
            if name == "200":
                continue
            with self.subTest(status=name):
                assert_error_response(self, resp, int(name))
                self.assertLess(len(resp.body), 100)

    def test_status_line_is_http11(self):
        for version in ("HTTP/1.1", "HTTP/1.0"):
            with self.subTest(version=version):
                resp = get(self.server, "/a.txt", version=version)
                self.assertEqual(resp.version, "HTTP/1.1")
                self.assertEqual(resp.status, 200)
                self.assertEqual(resp.reason, "OK")


class EmptyServerHeaderTest(FerryTestCase):
    files = {"a.txt": A_TXT}
    config = 'server_header = ""\n'

    def test_server_header_omitted(self):
        for path in ("/a.txt", "/missing"):
            with self.subTest(path=path):
                resp = get(self.server, path)
                self.assertIn(resp.status, (200, 404))
                self.assertIsNone(resp.header("Server"), resp)
                self.assertRegex(resp.header("Date", ""), IMF_FIXDATE_RE)


class CustomServerHeaderTest(FerryTestCase):
    files = {"a.txt": A_TXT}
    config = 'server_header = "edge/2.5"\n'

    def test_server_header_configured(self):
        for path in ("/a.txt", "/missing"):
            with self.subTest(path=path):
                resp = get(self.server, path)
                self.assertEqual(resp.header_all("Server"), ["edge/2.5"], resp)


if __name__ == "__main__":
    unittest.main()
