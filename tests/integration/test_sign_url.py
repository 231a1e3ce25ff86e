"""`ferry sign-url` against a running server: links it prints for [auth.signed_urls] fetch the file
(paths with spaces, non-ASCII and URL punctuation included), and a tampered signature, an expired
link, another path, another key id, or, with bind_client_ip, another client address, get 403.
The keys are made with `ferry generate-key`; its command-line errors exit 2."""

import os
import shutil
import tempfile
import time
import unittest

from ferry_harness import FerryTestCase, get, has_module, run_ferry, toml_string

FILES = {
    "downloads/report.pdf": "the report\n",
    "downloads/other.txt": "another file\n",
    "downloads/a b \u00fc.txt": "spaces and umlaut\n",
    "downloads/\u20ac/\u65e5\u672c \U0001f4e6.bin": "euro, CJK and an emoji\n",
    "downloads/x&y=z+(1);v,w!.txt": "URL punctuation\n",
    "downloads/100%.txt": "a literal percent sign\n",
    "public.txt": "open\n",
}


def make_key_file(directory):
    """A key file with two keys made by `ferry generate-key`; returns its path."""
    lines = []
    for kid in ("k1", "k2"):
        proc = run_ferry(["generate-key"])
        assert proc.returncode == 0, proc
        lines.append("%s %s\n" % (kid, proc.stdout.strip()))
    path = os.path.join(directory, "url-keys")
    with open(path, "w") as f:
        f.write("# URL signing keys\n" + "".join(lines))
    os.chmod(path, 0o600)
    return path


def config_for(key_file, bind_client_ip):
    return """
[auth.signed_urls]
file = {keys}
bind_client_ip = {bind}

[[auth.rules]]
name = "downloads"
path = "/downloads/**"
auth = ["signed_url"]
action = "authenticate"
""".format(keys=toml_string(key_file), bind="true" if bind_client_ip else "false")


class SignUrlBase(FerryTestCase):
    files = FILES
    bind_client_ip = False

    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="ferry-sign-url-")
        cls.keys = make_key_file(cls.dir)
        cls.config = config_for(cls.keys, cls.bind_client_ip)
        super().setUpClass()

    @classmethod
    def tearDownClass(cls):
        try:
            super().tearDownClass()
        finally:
            shutil.rmtree(cls.dir, ignore_errors=True)

    def sign(self, path, *options, kid="k1", expiry=("--expires-in", "10m")):
        proc = run_ferry(["sign-url", "--keys", self.keys, "--kid", kid] + list(expiry) + list(options) + [path])
        self.assertEqual(proc.returncode, 0, proc)
        link = proc.stdout.rstrip("\n")
        self.assertEqual(proc.stdout, link + "\n", proc)
        self.assertTrue(link.isascii() and " " not in link, link)
        return link, proc.stderr

    def assert_fetches(self, link, name):
        resp = get(self.server, link)
        self.assertEqual(resp.status, 200, (link, resp))
        self.assertEqual(resp.body, FILES[name].encode(), link)

    def assert_refused(self, link):
        resp = get(self.server, link)
        self.assertEqual(resp.status, 403, (link, resp))
        self.assertNotIn(b"report", resp.body)


@unittest.skipUnless(has_module("auth"), "needs the auth module")
class SignUrlTest(SignUrlBase):

    def test_signed_links_fetch_their_files(self):
        for name in FILES:
            if not name.startswith("downloads/"):
                continue
            with self.subTest(name=name):
                link, err = self.sign("/" + name)
                self.assertEqual(err, "")
                self.assertEqual(link.split("?")[1].split("&")[1], "kid=k1")
                self.assert_fetches(link, name)

    def test_path_is_percent_encoded(self):
        link, _ = self.sign("/downloads/a b \u00fc.txt")
        self.assertTrue(link.startswith("/downloads/a%20b%20%C3%BC.txt?expires="), link)
        link, _ = self.sign("/downloads/100%.txt")
        self.assertTrue(link.startswith("/downloads/100%25.txt?expires="), link)

    def test_second_key_and_absolute_expiry(self):
        link, _ = self.sign("/downloads/report.pdf", kid="k2", expiry=("--expires", str(int(time.time()) + 600)))
        self.assert_fetches(link, "downloads/report.pdf")
        rfc3339 = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 600))
        link, _ = self.sign("/downloads/report.pdf", expiry=("--expires", rfc3339))
        self.assert_fetches(link, "downloads/report.pdf")

    def test_unnormalised_path_signs_the_file_it_names(self):
        link, _ = self.sign("/downloads//./report.pdf")
        self.assertTrue(link.startswith("/downloads/report.pdf?"), link)
        self.assert_fetches(link, "downloads/report.pdf")

    def test_no_signature_is_refused(self):
        self.assert_refused("/downloads/report.pdf")
        self.assertEqual(get(self.server, "/public.txt").status, 200)

    def test_tampered_signature_is_refused(self):
        link, _ = self.sign("/downloads/report.pdf")
        last = link[-1]
        self.assert_refused(link[:-1] + ("A" if last != "A" else "E"))
        head, sig = link.split("&sig=")
        self.assert_refused(head + "&sig=" + sig[1:] + sig[0])

    def test_expired_link_is_refused(self):
        link, err = self.sign("/downloads/report.pdf", expiry=("--expires", str(int(time.time()) - 10)))
        self.assertIn("already expired", err)
        self.assert_refused(link)
        # The same link with a later expiry but the old signature.
        path, query = link.split("?")
        params = dict(p.split("=", 1) for p in query.split("&"))
        self.assert_refused("%s?expires=%d&kid=k1&sig=%s" % (path, int(time.time()) + 600, params["sig"]))

    def test_link_is_for_its_path_only(self):
        link, _ = self.sign("/downloads/report.pdf")
        query = link.split("?")[1]
        self.assert_refused("/downloads/other.txt?" + query)
        self.assert_refused("/downloads/report.pdf.txt?" + query)

    def test_other_key_id_is_refused(self):
        link, _ = self.sign("/downloads/report.pdf")
        self.assert_refused(link.replace("&kid=k1&", "&kid=k2&"))
        self.assert_refused(link.replace("&kid=k1&", "&kid=k9&"))

    def test_bound_link_on_an_unbound_server_is_refused(self):
        # The server signs an empty address line when bind_client_ip is off.
        link, _ = self.sign("/downloads/report.pdf", "--client-ip", "127.0.0.1")
        self.assert_refused(link)

    def test_command_line_errors(self):
        base = ["sign-url", "--keys", self.keys]
        cases = [
            (base + ["--kid", "nope", "--expires-in", "1h", "/downloads/report.pdf"], 2, "no key"),
            (base + ["--kid", "k1", "--expires-in", "soon", "/downloads/report.pdf"], 2, "--expires-in"),
            (base + ["--kid", "k1", "--expires-in", "1h", "/downloads/../public.txt"], 2, '".."'),
            (base + ["--kid", "k1", "--expires-in", "1h", "downloads/report.pdf"], 2, "must start with '/'"),
            (base + ["--kid", "k1", "/downloads/report.pdf"], 2, "--expires-in or --expires"),
            (base + ["--kid", "k1", "--expires-in", "1h"], 2, "PATH is required"),
            (["sign-url", "--keys", os.path.join(self.dir, "absent"), "--kid", "k1", "--expires-in", "1h", "/f"],
             1, "absent"),
        ]
        for args, status, message in cases:
            with self.subTest(args=args):
                proc = run_ferry(args)
                self.assertEqual(proc.returncode, status, proc)
                self.assertEqual(proc.stdout, "")
                self.assertIn(message, proc.stderr)
        proc = run_ferry(["--help"])
        self.assertIn("ferry sign-url --keys FILE", proc.stdout)


@unittest.skipUnless(has_module("auth"), "needs the auth module")
class SignUrlBoundClientTest(SignUrlBase):
    bind_client_ip = True

    def test_link_for_this_client_fetches(self):
        link, _ = self.sign("/downloads/a b \u00fc.txt", "--client-ip", "127.0.0.1")
        self.assert_fetches(link, "downloads/a b \u00fc.txt")

    def test_link_for_another_client_is_refused(self):
        link, _ = self.sign("/downloads/report.pdf", "--client-ip", "127.0.0.2")
        self.assert_refused(link)

    def test_unbound_link_is_refused(self):
        link, _ = self.sign("/downloads/report.pdf")
        self.assert_refused(link)


if __name__ == "__main__":
    unittest.main()
