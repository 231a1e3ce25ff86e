"""Directories: trailing-slash redirects, index files, listings, SPA fallback, custom error pages.

Contract (notes/behaviour.md, "Directories", "SPA fallback", "Error pages")."""

import html.parser
import json
import unittest
import urllib.parse

from ferry_harness import WINDOWS, FerryTestCase, get

INDEX = "<!doctype html><title>root</title>root index\n"
DOCS_INDEX = "<!doctype html><title>docs</title>docs index\n"
HOSTILE = "<img src=x onerror=alert(1)>.txt"
HOSTILE_QUOTES = "q\"onmouseover=\"alert(2)\" '.txt"
HOSTILE_DIR = "<svg onload=alert(3)>"


class RedirectAndIndexTest(FerryTestCase):
    files = {
        "index.html": INDEX,
        "docs/index.html": DOCS_INDEX,
        "docs/sub/index.html": "sub index\n",
        "empty": None,
        "noindex/file.txt": "just a file\n",
        "a b/index.html": "space dir\n",
        "evil.com/dir/index.html": "evil dir index\n",
        "caf\u00e9/index.html": "utf8 dir\n",
    }

    def assertRedirect(self, path, location):
        resp = get(self.server, path)
        self.assertEqual(resp.status, 301, "%r → %r" % (path, resp))
        self.assertEqual(resp.header("Location"), location, path)
        return resp

    def test_dir_without_slash_redirects(self):
        self.assertRedirect("/docs", "/docs/")
        self.assertRedirect("/docs/sub", "/docs/sub/")

    def test_redirect_keeps_query(self):
        self.assertRedirect("/docs?x=1&y=2", "/docs/?x=1&y=2")
        resp = get(self.server, "/docs?")
        self.assertEqual(resp.status, 301)
        self.assertIn(resp.header("Location"), ("/docs/?", "/docs/"))

    def test_head_redirect(self):
        resp = get(self.server, "/docs", method="HEAD")
        self.assertEqual(resp.status, 301)
        self.assertEqual(resp.header("Location"), "/docs/")

    def test_location_never_starts_with_double_slash(self):
        # A Location of "//evil.com/dir/" would be a protocol-relative redirect to another host.
        for path in ("//evil.com/dir", "///evil.com/dir", "//evil.com/dir?x=//y", "/.//evil.com/dir",
                     "/%2fevil.com/dir", "/%2F%2Fevil.com/dir", "/docs/..//evil.com/dir", "//docs"):
            with self.subTest(path=path):
                resp = get(self.server, path)
                self.assertEqual(resp.status, 301, resp)
                loc = resp.header("Location")
                self.assertIsNotNone(loc)
                self.assertTrue(loc.startswith("/"), loc)
                self.assertFalse(loc.startswith("//"), loc)
                self.assertNotIn("\\", loc)
                target = urllib.parse.urlsplit(loc)
                self.assertEqual(target.netloc, "", loc)
                self.assertTrue(target.path.endswith("/"), loc)

    def test_evil_style_location_points_to_the_merged_path(self):
        self.assertRedirect("//evil.com/dir", "/evil.com/dir/")
        self.assertRedirect("//evil.com/dir?x=//y", "/evil.com/dir/?x=//y")

    def test_location_is_encoded_and_followable(self):
        for path in ("/a%20b", "/caf%C3%A9"):
            with self.subTest(path=path):
                resp = get(self.server, path)
                self.assertEqual(resp.status, 301)
                loc = resp.header("Location")
                self.assertTrue(all(0x21 <= ord(c) <= 0x7e for c in loc), "unencoded Location %r" % loc)
                followed = get(self.server, loc)
                self.assertEqual(followed.status, 200, loc)

    def test_index_file(self):
        for path, body in (("/", INDEX), ("/docs/", DOCS_INDEX), ("/docs/sub/", "sub index\n"),
                           ("/docs/?q=1", DOCS_INDEX), ("//docs//", DOCS_INDEX)):
            with self.subTest(path=path):
                resp = get(self.server, path)
                self.assertEqual(resp.status, 200, resp)
                self.assertEqual(resp.body, body.encode())
                self.assertEqual(resp.header("Content-Type"), "text/html; charset=utf-8")

    def test_head_index_file(self):
        resp = get(self.server, "/docs/", method="HEAD")
        self.assertEqual(resp.status, 200)
        self.assertEqual(resp.header("Content-Length"), str(len(DOCS_INDEX)))
        self.assertEqual(resp.body, b"")

    def test_no_index_and_listing_off_is_404(self):
        for path in ("/noindex/", "/empty/"):
            with self.subTest(path=path):
                resp = get(self.server, path)
                self.assertEqual(resp.status, 404, resp)
                self.assertNotIn(b"file.txt", resp.body)

    def test_file_itself_is_not_redirected(self):
        resp = get(self.server, "/noindex/file.txt")
        self.assertEqual(resp.status, 200)
        self.assertIsNone(resp.header("Location"))


class IndexListTest(FerryTestCase):
    files = {
        "both/index.htm": "htm first\n",
        "both/default.txt": "default second\n",
        "second/default.txt": "default only\n",
        "second/index.html": "not in the index list\n",
        "none/other.txt": "x\n",
    }
    config = '[files]\nindex = ["index.htm", "default.txt"]\n'

    def test_first_existing_index_wins(self):
        resp = get(self.server, "/both/")
        self.assertEqual(resp.status, 200)
        self.assertEqual(resp.body, b"htm first\n")

    def test_later_index_used_when_first_missing(self):
        resp = get(self.server, "/second/")
        self.assertEqual(resp.status, 200)
        self.assertEqual(resp.body, b"default only\n")
        self.assertEqual(resp.header("Content-Type"), "text/plain; charset=utf-8")

    def test_no_index_is_404(self):
        self.assertEqual(get(self.server, "/none/").status, 404)


class _TagCollector(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags = []  # (tag, attrs)
        self.text = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))

    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, attrs))

    def handle_data(self, data):
        self.text.append(data)


def parse_html(body):
    p = _TagCollector()
    p.feed(body.decode("utf-8"))
    p.close()
    return p


class ListingTest(FerryTestCase):
    files = {
        "list/alpha.txt": "alpha\n",
        "list/beta.bin": b"\x00" * 1234,
        "list/sub/inner.txt": "inner\n",
        "list/" + HOSTILE: "hostile one\n",
        "list/" + HOSTILE_QUOTES: "hostile two\n",
        "list/a&b.txt": "amp\n",
        "list/.hidden": "dotfile\n",
        "list/.git/config": "[core]\n",
        "withindex/index.html": "index wins\n",
        "withindex/other.txt": "x\n",
        HOSTILE_DIR + "/x.txt": "x\n",
        ".private/a.txt": "a\n",
    }
    config = "[files]\ndirectory_listing = true\n"

    expected = {"alpha.txt", "beta.bin", "sub", HOSTILE, HOSTILE_QUOTES, "a&b.txt"}

    def html_listing(self, path="/list/", headers=()):
        resp = get(self.server, path, headers=headers)
        self.assertEqual(resp.status, 200, resp)
        self.assertEqual(resp.header("Content-Type"), "text/html; charset=utf-8")
        return resp

    def json_listing(self, path="/list/", accept="application/json"):
        resp = get(self.server, path, headers=[("Accept", accept)])
        self.assertEqual(resp.status, 200, resp)
        self.assertEqual(resp.header("Content-Type"), "application/json; charset=utf-8")
        return resp, json.loads(resp.body.decode("utf-8"))

    def test_html_lists_names(self):
        resp = self.html_listing()
        text = "".join(parse_html(resp.body).text)
        for name in ("alpha.txt", "beta.bin", "sub", HOSTILE, HOSTILE_QUOTES, "a&b.txt"):
            self.assertIn(name, text)

    def test_html_escapes_hostile_names(self):
        resp = self.html_listing()
        self.assertNotIn(b"<img", resp.body)
        self.assertNotIn(b"onerror=alert(1)>", resp.body)
        self.assertIn(b"&lt;img", resp.body)
        parsed = parse_html(resp.body)
        for tag, attrs in parsed.tags:
            self.assertNotIn(tag, ("img", "svg", "script"), resp.body)
            for name, _ in attrs:
                self.assertFalse(name.startswith("on"), "injected attribute %r in %r" % (name, tag))

    @unittest.skipIf(WINDOWS, "'<' and '>' are not allowed in Windows file names")
    def test_html_heading_of_hostile_directory_is_escaped(self):
        path = "/" + urllib.parse.quote(HOSTILE_DIR) + "/"
        resp = self.html_listing(path)
        self.assertNotIn(b"<svg", resp.body)
        for tag, attrs in parse_html(resp.body).tags:
            self.assertNotEqual(tag, "svg")
            for name, _ in attrs:
                self.assertFalse(name.startswith("on"), name)

    @unittest.skipIf(WINDOWS, "'<', '>' and '\"' are not allowed in Windows file names")
    def test_html_links_lead_to_the_files(self):
        resp = self.html_listing()
        hrefs = [v for tag, attrs in parse_html(resp.body).tags if tag == "a" for k, v in attrs if k == "href"]
        bodies = {}
        for href in hrefs:
            target = urllib.parse.urljoin("/list/", href)
            if not target.startswith("/list/") or target == "/list/":
                continue  # parent or self link
            self.assertTrue(all(0x21 <= ord(c) <= 0x7e for c in href), "unencoded href %r" % href)
            r = get(self.server, target)
            self.assertIn(r.status, (200, 301, 404), target)
            bodies[urllib.parse.unquote(target[len("/list/"):]).rstrip("/")] = r
        self.assertEqual(bodies[HOSTILE].status, 200)
        self.assertEqual(bodies[HOSTILE].body, b"hostile one\n")
        self.assertEqual(bodies[HOSTILE_QUOTES].body, b"hostile two\n")
        self.assertEqual(bodies["a&b.txt"].body, b"amp\n")
        self.assertEqual(bodies["alpha.txt"].body, b"alpha\n")
        self.assertIn("sub", bodies)

    def test_listing_hides_dotfiles(self):
        # Not stated in the contract; dotfiles are denied by default, so listing them would leak names.
        resp = self.html_listing()
        self.assertNotIn(b".hidden", resp.body)
        self.assertNotIn(b".git", resp.body)
        _, entries = self.json_listing()
        self.assertFalse([e for e in entries if e["name"].startswith(".")])

    def test_json_listing(self):
        _, entries = self.json_listing()
        self.assertIsInstance(entries, list)
        by_name = {e["name"]: e for e in entries}
        self.assertEqual(set(by_name), self.expected)
        self.assertEqual(by_name["sub"]["type"], "directory")
        self.assertEqual(by_name["alpha.txt"]["type"], "file")
        self.assertEqual(by_name["alpha.txt"]["size"], 6)
        self.assertEqual(by_name["beta.bin"]["size"], 1234)
        self.assertRegex(by_name["alpha.txt"]["modified"],
                         r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) "
                         r"\d{4} \d\d:\d\d:\d\d GMT$")

    def test_accept_negotiation(self):
        for accept in ("application/json", "application/json, text/html;q=0.5", "text/html;q=0.1, application/json"):
            with self.subTest(accept=accept):
                self.json_listing(accept=accept)
        for accept in ("text/html", "*/*", "text/html, application/json;q=0.9", "text/html,application/xhtml+xml"):
            with self.subTest(accept=accept):
                self.html_listing(headers=[("Accept", accept)])

    def test_index_wins_over_listing(self):
        resp = get(self.server, "/withindex/")
        self.assertEqual(resp.status, 200)
        self.assertEqual(resp.body, b"index wins\n")

    def test_dot_directory_not_listed(self):
        for path in ("/.private/", "/list/.git/"):
            with self.subTest(path=path):
                resp = get(self.server, path)
                self.assertEqual(resp.status, 404)
                self.assertNotIn(b"a.txt", resp.body)
                self.assertNotIn(b"config", resp.body)

    def test_listing_dir_without_slash_redirects(self):
        resp = get(self.server, "/list")
        self.assertEqual(resp.status, 301)
        self.assertEqual(resp.header("Location"), "/list/")

    def test_head_listing(self):
        g = get(self.server, "/list/")
        h = get(self.server, "/list/", method="HEAD")
        self.assertEqual(h.status, 200)
        self.assertEqual(h.header("Content-Type"), g.header("Content-Type"))
        self.assertEqual(h.body, b"")


SPA_INDEX = "<!doctype html><title>spa</title><div id=app></div>\n"


class SpaFallbackTest(FerryTestCase):
    files = {
        "index.html": SPA_INDEX,
        "app.js": "console.log('app');\n",
        ".env": "SECRET=1\n",
        "assets/logo.txt": "logo\n",
    }
    config = '[files]\nspa_fallback = "/index.html"\n'

    def test_missing_path_gets_index(self):
        for path in ("/some/route", "/users/42", "/missing.js", "/some/route?x=1"):
            with self.subTest(path=path):
                resp = get(self.server, path)
                self.assertEqual(resp.status, 200, resp)
                self.assertEqual(resp.body, SPA_INDEX.encode())
                self.assertEqual(resp.header("Content-Type"), "text/html; charset=utf-8")

    def test_head_missing_path(self):
        resp = get(self.server, "/some/route", method="HEAD")
        self.assertEqual(resp.status, 200)
        self.assertEqual(resp.header("Content-Length"), str(len(SPA_INDEX)))

    def test_existing_file_served(self):
        resp = get(self.server, "/app.js")
        self.assertEqual(resp.status, 200)
        self.assertEqual(resp.body, b"console.log('app');\n")

    def test_dotfiles_do_not_fall_back(self):
        for path in ("/.env", "/.git/config", "/assets/.secret"):
            with self.subTest(path=path):
                resp = get(self.server, path)
                self.assertEqual(resp.status, 404, resp)
                self.assertNotIn(b"SECRET", resp.body)

    def test_invalid_paths_do_not_fall_back(self):
        for path in ("/../etc/passwd", "/%00", "/a%5cb", "/%zz"):
            with self.subTest(path=path):
                self.assertEqual(get(self.server, path).status, 400)

    def test_directory_does_not_fall_back(self):
        self.assertEqual(get(self.server, "/assets").status, 301)
        self.assertEqual(get(self.server, "/assets/").status, 404)

    def test_other_methods_do_not_fall_back(self):
        self.assertEqual(get(self.server, "/some/route", method="DELETE").status, 405)


NOT_FOUND_PAGE = "<!doctype html><h1>custom not found</h1>\n"


class ErrorPagesTest(FerryTestCase):
    files = {
        "index.html": INDEX,
        "404.html": NOT_FOUND_PAGE,
        ".env": "SECRET=1\n",
    }
    config = '[error_pages]\n"404" = "/404.html"\n'

    def test_missing_gets_custom_page(self):
        resp = get(self.server, "/missing")
        self.assertEqual(resp.status, 404)
        self.assertEqual(resp.body, NOT_FOUND_PAGE.encode())
        self.assertEqual(resp.header("Content-Type"), "text/html; charset=utf-8")
        self.assertEqual(resp.header("Content-Length"), str(len(NOT_FOUND_PAGE)))

    def test_head_missing(self):
        resp = get(self.server, "/missing", method="HEAD")
        self.assertEqual(resp.status, 404)
        self.assertEqual(resp.header("Content-Length"), str(len(NOT_FOUND_PAGE)))

    def test_dotfile_denial_uses_custom_page(self):
        resp = get(self.server, "/.env")
        self.assertEqual(resp.status, 404)
        self.assertEqual(resp.body, NOT_FOUND_PAGE.encode())

    def test_other_errors_stay_plain(self):
        resp = get(self.server, "/%00")
        self.assertEqual(resp.status, 400)
        self.assertEqual(resp.header("Content-Type"), "text/plain; charset=utf-8")

    def test_error_page_is_not_conditional_or_ranged(self):
        page = get(self.server, "/404.html")
        self.assertEqual(page.status, 200)
        etag = page.header("ETag")
        self.assertIsNotNone(etag)
        for headers in ([("If-None-Match", etag)], [("If-None-Match", "*")], [("Range", "bytes=0-3")],
                        [("If-Modified-Since", page.header("Last-Modified"))]):
            with self.subTest(headers=headers):
                resp = get(self.server, "/missing", headers=headers)
                self.assertEqual(resp.status, 404, resp)
                self.assertEqual(resp.body, NOT_FOUND_PAGE.encode())


if __name__ == "__main__":
    unittest.main()
