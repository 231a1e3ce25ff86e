"""[[headers]] rules: headers set by path glob, and CORS (simple requests and preflights).

Contract (notes/behaviour.md, "Header rules"; src/policy/header_rules.hpp)."""

import unittest

from ferry_harness import FerryTestCase, exchange, get

CONFIG = """
[[headers]]
path = "/assets/**"
set = { "Cache-Control" = "public, max-age=31536000, immutable" }

[[headers]]
path = "/assets/special/**"
set = { "Cache-Control" = "no-store" }

[[headers]]
path = "/assets/nocache/**"
set = { "Cache-Control" = "" }

[[headers]]
path = "/*.html"
set = { "Cache-Control" = "no-cache", "X-Frame-Options" = "DENY" }

[[headers]]
path = "/docs/*.txt"
set = { "X-Docs" = "yes" }

[[headers]]
path = "/api/**"
[headers.cors]
allow_origins = ["https://app.example.com", "https://other.example.com:8443"]
allow_headers = ["X-Token"]

[[headers]]
path = "/public/**"
[headers.cors]
allow_origins = ["*"]
"""

ALLOWED = "https://app.example.com"
IMMUTABLE = "public, max-age=31536000, immutable"


def tokens(resp, name):
    return {t.strip().lower() for v in resp.header_all(name) for t in v.split(",") if t.strip()}


class HeaderRulesTest(FerryTestCase):
    files = {
        "index.html": "<p>index</p>\n",
        "sub/page.html": "<p>page</p>\n",
        "assets/app.css": "body{}\n",
        "assets/deep/x/y.js": "y();\n",
        "assets/special/s.css": "s{}\n",
        "assets/nocache/n.css": "n{}\n",
        "docs/a.txt": "a\n",
        "docs/sub/b.txt": "b\n",
        "api/data.json": '{"ok":true}\n',
        "public/p.txt": "p\n",
        "plain.txt": "plain\n",
    }
    config = CONFIG

    def test_cache_control_by_glob(self):
        for path in ("/assets/app.css", "/assets/deep/x/y.js"):
            with self.subTest(path=path):
                resp = get(self.server, path)
                self.assertEqual(resp.status, 200)
                self.assertEqual(resp.header_all("Cache-Control"), [IMMUTABLE])

    def test_later_rule_wins(self):
        self.assertEqual(get(self.server, "/assets/special/s.css").header_all("Cache-Control"), ["no-store"])

    def test_empty_value_removes(self):
        self.assertEqual(get(self.server, "/assets/nocache/n.css").header_all("Cache-Control"), [])

    def test_single_star_stays_in_one_segment(self):
        top = get(self.server, "/index.html")
        self.assertEqual(top.header_all("Cache-Control"), ["no-cache"])
        self.assertEqual(top.header("X-Frame-Options"), "DENY")
        nested = get(self.server, "/sub/page.html")
        self.assertIsNone(nested.header("X-Frame-Options"))
        self.assertEqual(get(self.server, "/docs/a.txt").header("X-Docs"), "yes")
        self.assertIsNone(get(self.server, "/docs/sub/b.txt").header("X-Docs"))

    def test_unmatched_path_untouched(self):
        resp = get(self.server, "/plain.txt")
        self.assertEqual(resp.header_all("Cache-Control"), [])
        self.assertIsNone(resp.header("X-Frame-Options"))
        self.assertIsNone(resp.header("Access-Control-Allow-Origin"))

    def test_rules_match_the_normalised_path(self):
        # An encoded or unnormalised spelling of the same file must not dodge the rule.
        for path in ("/%61ssets/app.css", "//assets/app.css", "/plain/../assets/app.css", "/assets/./app.css",
                     "/assets/app.css?x=1"):
            with self.subTest(path=path):
                resp = get(self.server, path)
                self.assertEqual(resp.status, 200, resp)
                self.assertEqual(resp.header_all("Cache-Control"), [IMMUTABLE])
        self.assertEqual(get(self.server, "/%69ndex.html").header("X-Frame-Options"), "DENY")

    def test_head_gets_rule_headers(self):
        resp = get(self.server, "/assets/app.css", method="HEAD")
        self.assertEqual(resp.header_all("Cache-Control"), [IMMUTABLE])

    def test_304_keeps_cache_control(self):
        # RFC 9110 §15.4.5: a 304 carries the Cache-Control the 200 would have had.
        etag = get(self.server, "/assets/app.css").header("ETag")
        resp = get(self.server, "/assets/app.css", headers=[("If-None-Match", etag)])
        self.assertEqual(resp.status, 304)
        self.assertEqual(resp.header_all("Cache-Control"), [IMMUTABLE])

    # --- CORS, simple requests ---

    def test_allowed_origin_echoed(self):
        for origin in (ALLOWED, "https://other.example.com:8443"):
            with self.subTest(origin=origin):
                resp = get(self.server, "/api/data.json", headers=[("Origin", origin)])
                self.assertEqual(resp.status, 200)
                self.assertEqual(resp.header_all("Access-Control-Allow-Origin"), [origin])
                self.assertIn("origin", tokens(resp, "Vary"))
                self.assertIsNone(resp.header("Access-Control-Allow-Credentials"))

    def test_disallowed_origin_not_echoed(self):
        for origin in ("https://evil.example", "https://app.example.com.evil.net", "https://evilapp.example.com",
                       "http://app.example.com", "https://app.example.com:444", "null",
                       "https://other.example.com", "https://app.example.com/", "*"):
            with self.subTest(origin=origin):
                resp = get(self.server, "/api/data.json", headers=[("Origin", origin)])
                self.assertEqual(resp.status, 200)
                self.assertIsNone(resp.header("Access-Control-Allow-Origin"), origin)
                self.assertIn("origin", tokens(resp, "Vary"))

    def test_no_origin(self):
        resp = get(self.server, "/api/data.json")
        self.assertIsNone(resp.header("Access-Control-Allow-Origin"))
        self.assertIn("origin", tokens(resp, "Vary"))

    def test_origin_outside_cors_path(self):
        resp = get(self.server, "/plain.txt", headers=[("Origin", ALLOWED)])
        self.assertIsNone(resp.header("Access-Control-Allow-Origin"))

    def test_wildcard_origin(self):
        resp = get(self.server, "/public/p.txt", headers=[("Origin", "https://anyone.example")])
        self.assertEqual(resp.header_all("Access-Control-Allow-Origin"), ["*"])

    def test_per_request_origin_on_keep_alive(self):
        # The echoed origin belongs to each request, not to the connection.
        rs = exchange(self.server, [("GET", "/api/data.json", [("Origin", ALLOWED)]),
                                    ("GET", "/api/data.json", [("Origin", "https://evil.example")]),
                                    ("GET", "/api/data.json", [])])
        self.assertEqual(rs[0].header("Access-Control-Allow-Origin"), ALLOWED)
        self.assertIsNone(rs[1].header("Access-Control-Allow-Origin"))
        self.assertIsNone(rs[2].header("Access-Control-Allow-Origin"))

    # --- CORS preflight ---

    def preflight(self, origin, method="GET", req_headers=None, path="/api/data.json"):
        headers = [("Origin", origin), ("Access-Control-Request-Method", method)]
        if req_headers:
            headers.append(("Access-Control-Request-Headers", req_headers))
        return get(self.server, path, headers=headers, method="OPTIONS")

    def test_preflight_allowed(self):
        resp = self.preflight(ALLOWED)
        self.assertEqual(resp.status, 204, resp)
        self.assertEqual(resp.header("Access-Control-Allow-Origin"), ALLOWED)
        self.assertIn("get", tokens(resp, "Access-Control-Allow-Methods"))
        self.assertIn("origin", tokens(resp, "Vary"))
        self.assertIsNone(resp.header("Content-Length"))

    def test_preflight_request_headers(self):
        resp = self.preflight(ALLOWED, "GET", "x-token")
        self.assertEqual(resp.status, 204)
        self.assertIn("x-token", tokens(resp, "Access-Control-Allow-Headers"))

    def test_preflight_disallowed_origin(self):
        resp = self.preflight("https://evil.example")
        self.assertEqual(resp.status, 204)
        self.assertIsNone(resp.header("Access-Control-Allow-Origin"))
        self.assertIsNone(resp.header("Access-Control-Allow-Methods"))
        self.assertEqual(resp.header("Allow"), "GET, HEAD, OPTIONS")

    def test_preflight_disallowed_method(self):
        resp = self.preflight(ALLOWED, "DELETE")
        self.assertEqual(resp.status, 204)
        self.assertIsNone(resp.header("Access-Control-Allow-Methods"))
        self.assertIsNone(resp.header("Access-Control-Allow-Origin"))

    def test_preflight_outside_cors_path(self):
        resp = self.preflight(ALLOWED, path="/plain.txt")
        self.assertEqual(resp.status, 204)
        self.assertIsNone(resp.header("Access-Control-Allow-Origin"))
        self.assertIsNone(resp.header("Access-Control-Allow-Methods"))

    def test_preflight_keep_alive_no_body(self):
        rs = exchange(self.server, [("OPTIONS", "/api/data.json",
                                     [("Origin", ALLOWED), ("Access-Control-Request-Method", "GET")]),
                                    ("GET", "/plain.txt", [])])
        self.assertEqual(rs[0].status, 204)
        self.assertEqual(rs[1].status, 200)
        self.assertEqual(rs[1].body, b"plain\n")


if __name__ == "__main__":
    unittest.main()
