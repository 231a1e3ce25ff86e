"""Content-Type by extension, charset on text types, [files.mime_types] overrides.

Contract (notes/behaviour.md, "Content-Type")."""

import unittest

from ferry_harness import WINDOWS, FerryTestCase, get

TEXT = "some text content\n"
BIN = b"\x89PNG\r\n\x1a\n" + bytes(range(256))

TYPES = {
    "index.html": "text/html; charset=utf-8",
    "page.htm": "text/html; charset=utf-8",
    "style.css": "text/css; charset=utf-8",
    "app.js": "text/javascript; charset=utf-8",
    "module.mjs": "text/javascript; charset=utf-8",
    "data.json": "application/json; charset=utf-8",
    "image.svg": "image/svg+xml; charset=utf-8",
    "notes.txt": "text/plain; charset=utf-8",
    "font.woff2": "font/woff2",
    "font.woff": "font/woff",
    "mod.wasm": "application/wasm",
    "pic.webp": "image/webp",
    "pic.avif": "image/avif",
    "pic.png": "image/png",
    "pic.jpg": "image/jpeg",
    "pic.jpeg": "image/jpeg",
    "pic.gif": "image/gif",
    "movie.mp4": "video/mp4",
    "clip.webm": "video/webm",
    "doc.pdf": "application/pdf",
    "unknown.xyz123": "application/octet-stream",
    "noextension": "application/octet-stream",
    "trailingdot.": "application/octet-stream",
    "UPPER.HTML": "text/html; charset=utf-8",
    "Mixed.Js": "text/javascript; charset=utf-8",
    "archive.tar.weird": "application/octet-stream",
    "dir.css/inner.bin": "application/octet-stream",  # only the last segment's extension counts
}
if WINDOWS:
    del TYPES["trailingdot."]  # not a Windows file name: Windows would open "trailingdot"


def body_for(name):
    return BIN if TYPES[name].split(";")[0] in ("image/png", "application/octet-stream", "font/woff2") else TEXT


class ContentTypeTest(FerryTestCase):
    files = {name: body_for(name) for name in TYPES}

    def test_types(self):
        for name, ctype in TYPES.items():
            with self.subTest(name=name):
                resp = get(self.server, "/" + name)
                self.assertEqual(resp.status, 200, resp)
                self.assertEqual(resp.header("Content-Type"), ctype)
                self.assertEqual(len(resp.header_all("Content-Type")), 1)

    def test_binary_types_have_no_charset(self):
        for name in ("font.woff2", "mod.wasm", "pic.webp", "pic.avif", "pic.png", "movie.mp4", "clip.webm",
                     "unknown.xyz123"):
            with self.subTest(name=name):
                self.assertNotIn("charset", get(self.server, "/" + name).header("Content-Type", ""))

    def test_head_has_same_type(self):
        for name in ("app.js", "font.woff2", "unknown.xyz123"):
            with self.subTest(name=name):
                resp = get(self.server, "/" + name, method="HEAD")
                self.assertEqual(resp.status, 200)
                self.assertEqual(resp.header("Content-Type"), TYPES[name])
                self.assertEqual(resp.header("Content-Length"), str(len(body_for(name))))

    def test_query_does_not_change_type(self):
        resp = get(self.server, "/noextension?x=.html")
        self.assertEqual(resp.header("Content-Type"), "application/octet-stream")

    def test_body_is_exact(self):
        resp = get(self.server, "/pic.png")
        self.assertEqual(resp.body, BIN)


class MimeOverrideTest(FerryTestCase):
    files = {
        "a.xyz": TEXT,
        "b.js": TEXT,
        "c.md": TEXT,
        "d.css": TEXT,
        "e.WASM": TEXT,
    }
    config = ('[files.mime_types]\n'
              'xyz = "application/x-custom"\n'
              'js = "application/javascript; charset=utf-8"\n'
              'md = "text/markdown; charset=utf-8"\n'
              'wasm = "application/x-not-wasm"\n')

    def test_overrides(self):
        for name, ctype in (("a.xyz", "application/x-custom"), ("b.js", "application/javascript; charset=utf-8"),
                            ("c.md", "text/markdown; charset=utf-8"), ("e.WASM", "application/x-not-wasm")):
            with self.subTest(name=name):
                resp = get(self.server, "/" + name)
                self.assertEqual(resp.status, 200)
                self.assertEqual(resp.header("Content-Type"), ctype)

    def test_builtin_types_remain(self):
        self.assertEqual(get(self.server, "/d.css").header("Content-Type"), "text/css; charset=utf-8")


if __name__ == "__main__":
    unittest.main()
