"""Request paths: traversal, encodings, control bytes, symlinks, dotfiles, query, slashes.

Contract (notes/behaviour.md, "Paths"): percent-decoded once; invalid escapes, %00, control
chars, backslash (raw or %5c), invalid/overlong UTF-8 → 400; ".." above root → 400; dot-segments
resolved; repeated '/' merged; query ignored; nothing outside the root is ever served."""

import os
import shutil
import tempfile
import unittest

from ferry_harness import WINDOWS, PreparedFerryTestCase, get, request

SECRET = "TOP-SECRET-OUTSIDE-ROOT\n"
INDEX = "<!doctype html><title>root</title>root index\n"
B_TXT = "bee file\n"

FILES = {
    "index.html": INDEX,
    "a/b.txt": B_TXT,
    "a/c/d.txt": "dee\n",
    "A.txt": "capital A\n",
    "%41.txt": "literal percent41\n",
    "space name.txt": "with space\n",
    "caf\u00e9.txt": "utf8 name\n",
    ".hidden": "hidden dotfile\n",
    ".env": "SECRET_KEY=dotenv\n",
    "a/.secret/x.txt": "inside dot dir\n",
    ".well-known/acme.txt": "acme token\n",
}


def assert_no_secret(test, resp):
    test.assertNotIn(SECRET.encode(), resp.body)
    test.assertNotIn(b"SECRET_KEY", resp.body)


class SymlinkRootMixin:
    """Builds an 'outside' directory next to the root and symlinks into and out of the root."""

    @classmethod
    def prepare_root(cls, root):
        cls.outside = tempfile.mkdtemp(prefix="ferry-outside-")
        with open(os.path.join(cls.outside, "secret.txt"), "w") as f:
            f.write(SECRET)
        with open(os.path.join(root, "..", os.path.basename(root) + "-sibling-secret.txt"), "w") as f:
            f.write(SECRET)
        cls.sibling = os.path.join(os.path.dirname(root), os.path.basename(root) + "-sibling-secret.txt")
        links = {
            "out_link.txt": os.path.join(cls.outside, "secret.txt"),            # absolute, outside
            "out_dir": cls.outside,                                             # directory outside
            "rel_out.txt": os.path.relpath(os.path.join(cls.outside, "secret.txt"), root),
            "a/up.txt": os.path.relpath(os.path.join(cls.outside, "secret.txt"), os.path.join(root, "a")),
            "chain1.txt": "chain2.txt",                                         # inside → outside
            "chain2.txt": os.path.join(cls.outside, "secret.txt"),
            "etc_passwd": "/etc/passwd",
            "in_link.txt": "a/b.txt",                                           # relative, inside
            "in_dir": "a",                                                      # directory inside
            "a/c/back.txt": "../b.txt",                                         # climbs, stays inside
        }
        for name, target in links.items():
            os.symlink(target, os.path.join(root, name))

    @classmethod
    def tearDownClass(cls):
        try:
            super().tearDownClass()
        finally:
            shutil.rmtree(cls.outside, ignore_errors=True)
            try:
                os.unlink(cls.sibling)
            except OSError:
                pass


class TraversalTest(SymlinkRootMixin, PreparedFerryTestCase):
    files = FILES

    def assertStatus(self, path, status, body=None):
        resp = get(self.server, path)
        self.assertEqual(resp.status, status, "%r → %r" % (path, resp))
        assert_no_secret(self, resp)
        if body is not None:
            self.assertEqual(resp.body, body.encode())
        return resp

    def test_plain_file(self):
        resp = self.assertStatus("/a/b.txt", 200, B_TXT)
        self.assertEqual(resp.header("Content-Length"), str(len(B_TXT)))

    def test_missing_is_404_plain_text(self):
        resp = self.assertStatus("/nope.txt", 404)
        self.assertEqual(resp.body, b"404 Not Found\n")
        self.assertEqual(resp.header("Content-Type"), "text/plain; charset=utf-8")

    def test_dotdot_above_root_is_400(self):
        for path in ("/../secret.txt", "/a/../../secret.txt", "/../../../../../../etc/passwd",
                     "/a/c/../../../etc/passwd", "/..", "/a/../.."):
            with self.subTest(path=path):
                self.assertStatus(path, 400)

    def test_dotdot_to_sibling_file_is_400(self):
        self.assertStatus("/../" + os.path.basename(self.sibling), 400)

    def test_dot_segments_inside_root_are_resolved(self):
        self.assertStatus("/a/../index.html", 200, INDEX)
        self.assertStatus("/a/c/../b.txt", 200, B_TXT)
        self.assertStatus("/a/./b.txt", 200, B_TXT)
        self.assertStatus("/./a/b.txt", 200, B_TXT)

    def test_encoded_dotdot_above_root_is_400(self):
        for path in ("/%2e%2e/secret.txt", "/%2E%2E/secret.txt", "/.%2e/secret.txt", "/%2e./secret.txt",
                     "/a/%2e%2e/%2e%2e/etc/passwd"):
            with self.subTest(path=path):
                self.assertStatus(path, 400)

    def test_encoded_dot_segments_inside_root_are_resolved(self):
        self.assertStatus("/a/%2e%2e/index.html", 200, INDEX)
        self.assertStatus("/a/%2e/b.txt", 200, B_TXT)

    def test_double_encoded_dotdot_is_decoded_once(self):
        # "%252e%252e" decodes once to the literal segment "%2e%2e", which does not exist.
        for path in ("/%252e%252e/secret.txt", "/%252e%252e/%252e%252e/etc/passwd", "/a/%252e%252e/b.txt"):
            with self.subTest(path=path):
                self.assertStatus(path, 404)

    def test_decoded_once_not_twice(self):
        self.assertStatus("/%2541.txt", 200, "literal percent41\n")
        self.assertStatus("/%41.txt", 200, "capital A\n")

    def test_encoded_slash_dotdot_is_400(self):
        # "..%2f" decodes to "../": a ".." segment above the root.
        for path in ("/..%2fsecret.txt", "/..%2Fsecret.txt", "/a/..%2f..%2fsecret.txt", "/%2e%2e%2fsecret.txt"):
            with self.subTest(path=path):
                self.assertStatus(path, 400)

    def test_backslash_is_400(self):
        for path in ("/..%5csecret.txt", "/..%5Csecret.txt", "/a%5cb.txt", "/a/..%5c..%5cetc%5cpasswd",
                     "/..\\secret.txt", "/a\\b.txt", "/\\..\\..\\etc\\passwd"):
            with self.subTest(path=path):
                self.assertStatus(path, 400)

    def test_overlong_utf8_is_400(self):
        for path in ("/%c0%ae%c0%ae/secret.txt", "/%c0%ae%c0%ae%c0%afsecret.txt", "/a/%c0%ae%c0%ae/index.html",
                     "/%e0%80%ae%e0%80%ae/secret.txt", "/..%c0%afsecret.txt", "/%c1%9c"):
            with self.subTest(path=path):
                self.assertStatus(path, 400)

    def test_invalid_utf8_is_400(self):
        for path in ("/%ff.txt", "/caf%e9.txt", "/%c3", "/%ed%a0%80.txt"):
            with self.subTest(path=path):
                self.assertStatus(path, 400)

    def test_valid_escapes_are_served(self):
        self.assertStatus("/space%20name.txt", 200, "with space\n")
        self.assertStatus("/caf%C3%A9.txt", 200, "utf8 name\n")
        self.assertStatus("/%61/%62.txt", 200, B_TXT)

    def test_nul_is_400(self):
        for path in ("/index.html%00", "/index.html%00.txt", "/%00", "/a/%00/../b.txt"):
            with self.subTest(path=path):
                self.assertStatus(path, 400)

    def test_encoded_control_chars_are_400(self):
        for path in ("/a%01b", "/index.html%0a", "/index.html%0d%0aX-Injected:%201", "/%1f", "/a%09b", "/%7f"):
            with self.subTest(path=path):
                resp = self.assertStatus(path, 400)
                self.assertIsNone(resp.header("X-Injected"))

    def test_raw_control_bytes_in_target_are_400(self):
        for raw in (b"/a\x01b", b"/a\x7fb", b"/a\x00b"):
            with self.subTest(raw=raw):
                resp, r = request(self.server, b"GET " + raw + b" HTTP/1.1\r\nHost: localhost\r\n\r\n")
                r.sock.close()
                self.assertEqual(resp.status, 400)

    def test_invalid_escapes_are_400(self):
        for path in ("/%zz", "/a%4", "/index.html%", "/%g1.txt", "/%%41.txt"):
            with self.subTest(path=path):
                self.assertStatus(path, 400)

    def test_repeated_slashes_are_merged(self):
        for path in ("//index.html", "/a//b.txt", "///a///b.txt", "/a//c/../b.txt"):
            with self.subTest(path=path):
                resp = self.assertStatus(path, 200)
                self.assertIn(resp.body, (INDEX.encode(), B_TXT.encode()))

    def test_query_is_ignored(self):
        for path in ("/a/b.txt?x=1", "/a/b.txt?", "/a/b.txt?../../secret.txt", "/a/b.txt?%00",
                     "/a/b.txt?/../../etc/passwd&y=%2e%2e"):
            with self.subTest(path=path):
                self.assertStatus(path, 200, B_TXT)

    def test_query_does_not_make_missing_found(self):
        self.assertStatus("/nope.txt?index.html", 404)

    def test_absolute_form_traversal(self):
        resp, r = request(self.server, b"GET http://localhost/../secret.txt HTTP/1.1\r\nHost: localhost\r\n"
                                       b"Connection: close\r\n\r\n")
        r.sock.close()
        self.assertEqual(resp.status, 400)
        assert_no_secret(self, resp)

    # --- symlinks, default policy within_root ---

    def test_symlink_outside_root_is_404(self):
        for path in ("/out_link.txt", "/rel_out.txt", "/a/up.txt", "/chain1.txt", "/etc_passwd",
                     "/out_dir/secret.txt", "/out_dir/"):
            with self.subTest(path=path):
                self.assertStatus(path, 404)

    def test_symlink_inside_root_is_served(self):
        # Windows cannot tell a link that stays in the root from one that leaves it: refused.
        status, body = (404, None) if WINDOWS else (200, B_TXT)
        self.assertStatus("/in_link.txt", status, body)
        self.assertStatus("/in_dir/b.txt", status, body)
        self.assertStatus("/a/c/back.txt", status, body)

    # --- dotfiles, default deny ---

    def test_dotfiles_are_404(self):
        for path in ("/.hidden", "/.env", "/a/.secret/x.txt", "/.well-known/acme.txt", "/%2ehidden", "/%2Eenv",
                     "/.env?x=1", "//.env", "/a/../.env"):
            with self.subTest(path=path):
                self.assertStatus(path, 404)

    def test_dotfile_head_is_404(self):
        resp = get(self.server, "/.env", method="HEAD")
        self.assertEqual(resp.status, 404)


class DotfilesAllowedTest(PreparedFerryTestCase):
    files = FILES
    config = '[files]\ndotfiles = "allow"\n'

    def test_dotfiles_are_served(self):
        for path, body in (("/.hidden", "hidden dotfile\n"), ("/.env", "SECRET_KEY=dotenv\n"),
                           ("/a/.secret/x.txt", "inside dot dir\n"), ("/.well-known/acme.txt", "acme token\n"),
                           ("/%2ehidden", "hidden dotfile\n")):
            with self.subTest(path=path):
                resp = get(self.server, path)
                self.assertEqual(resp.status, 200, resp)
                self.assertEqual(resp.body, body.encode())

    def test_traversal_still_rejected(self):
        for path in ("/../x", "/%2e%2e/x", "/.well-known/../../x"):
            with self.subTest(path=path):
                self.assertEqual(get(self.server, path).status, 400)

    def test_dot_segments_are_not_dotfiles(self):
        resp = get(self.server, "/a/./b.txt")
        self.assertEqual(resp.status, 200)
        self.assertEqual(resp.body, B_TXT.encode())


class SymlinksDenyTest(SymlinkRootMixin, PreparedFerryTestCase):
    files = FILES
    config = '[files]\nsymlinks = "deny"\n'

    def test_every_symlink_is_404(self):
        for path in ("/in_link.txt", "/in_dir/b.txt", "/a/c/back.txt", "/out_link.txt", "/rel_out.txt",
                     "/chain1.txt", "/out_dir/secret.txt", "/etc_passwd"):
            with self.subTest(path=path):
                resp = get(self.server, path)
                self.assertEqual(resp.status, 404, resp)
                assert_no_secret(self, resp)

    def test_regular_files_still_served(self):
        resp = get(self.server, "/a/b.txt")
        self.assertEqual(resp.status, 200)
        self.assertEqual(resp.body, B_TXT.encode())


class SymlinksFollowTest(SymlinkRootMixin, PreparedFerryTestCase):
    files = FILES
    config = '[files]\nsymlinks = "follow"\n'

    def test_symlink_outside_root_is_served(self):
        for path in ("/out_link.txt", "/rel_out.txt", "/a/up.txt", "/chain1.txt", "/out_dir/secret.txt"):
            with self.subTest(path=path):
                resp = get(self.server, path)
                self.assertEqual(resp.status, 200, resp)
                self.assertEqual(resp.body, SECRET.encode())

    def test_symlink_inside_root_is_served(self):
        for path in ("/in_link.txt", "/in_dir/b.txt", "/a/c/back.txt"):
            with self.subTest(path=path):
                resp = get(self.server, path)
                self.assertEqual(resp.status, 200, resp)
                self.assertEqual(resp.body, B_TXT.encode())

    def test_dotdot_still_400_with_follow(self):
        self.assertEqual(get(self.server, "/../" + os.path.basename(self.sibling)).status, 400)
        self.assertEqual(get(self.server, "/in_dir/../../x").status, 400)


if __name__ == "__main__":
    unittest.main()
