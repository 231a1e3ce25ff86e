"""Authentication and authorization on the one request path: the same cases over HTTP/1.1,
HTTPS, h2 and h2c — JWTs minted by PyJWT, API keys, htpasswd Basic auth (a hash made by the
openssl CLI), 401 with the right challenges before any file lookup, 403 for a known identity
without the role, the principal in the access log, and a hash-chained audit file."""

import base64
import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
import unittest

from ferry_harness import FERRY_BIN, FerryTestCase, get, has_module, toml_string
from tls_certs import CertificateAuthority

FULL = has_module("tls") and has_module("http2")
if FULL:
    from protocol_clients import TRANSPORTS, fetch
else:
    TRANSPORTS = ("h1",)

try:
    import jwt  # python3-jwt
except ImportError:  # pragma: no cover - Debian's python3 has it (install-deps.sh)
    jwt = None

SECRET = b"an HS256 secret of at least thirty-two bytes!!"
API_KEY = "k3y-for-the-ci-job-0123456789abcdef"
FILES = {"public.txt": "open\n", "private/a.txt": "secret\n"}
SEED = "0" * 64


def token(claims=None, **overrides):
    now = int(time.time())
    body = {"sub": "alice", "iss": "https://issuer.test", "aud": "ferry", "iat": now, "exp": now + 600,
            "roles": ["reader"]}
    body.update(claims or {})
    for k, v in overrides.items():
        if v is None:
            body.pop(k, None)
        else:
            body[k] = v
    return jwt.encode(body, SECRET, algorithm="HS256", headers={"kid": "k1"})


def basic(user, password):
    return "Basic " + base64.b64encode(("%s:%s" % (user, password)).encode()).decode()


@unittest.skipUnless(has_module("auth") and jwt is not None, "needs the auth module and python3-jwt")
class AuthTest(FerryTestCase):
    files = FILES

    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="ferry-auth-")
        secret_file = os.path.join(cls.dir, "hs256.key")
        with open(secret_file, "wb") as f:
            f.write(SECRET)
        hashed = subprocess.run(["openssl", "passwd", "-6", "-salt", "s4ltys4lt", "open sesame"],
                                capture_output=True, text=True, check=True).stdout.strip()
        htpasswd = os.path.join(cls.dir, "htpasswd")
        with open(htpasswd, "w") as f:
            f.write("bob:%s\n" % hashed)
        cls.audit = os.path.join(cls.dir, "audit.log")
        cls.config = """
[log]
access_log = "stdout"
access_format = "json"

[auth]
realm = "ferry-test"

[auth.api_keys]
header = "X-API-Key"
keys = [ {{ id = "ci", hash = "sha256:{key_hash}", roles = ["reader"] }} ]

[auth.jwt]
keys = [ {{ file = {secret}, alg = "HS256", kid = "k1" }} ]
issuers = ["https://issuer.test"]
audiences = ["ferry"]
roles_claim = "roles"

[auth.basic]
htpasswd = {htpasswd}

[[auth.rules]]
name = "readers"
path = "/private/**"
auth = ["jwt", "api_key", "basic"]
roles = ["reader"]
action = "allow"

[[auth.rules]]
name = "basic-users"
path = "/private/**"
auth = ["basic"]
action = "authenticate"

[[auth.rules]]
name = "others"
path = "/private/**"
action = "deny"

[auth.audit]
target = {audit}
events = "all"
hash_chain = true
""".format(key_hash=hashlib.sha256(API_KEY.encode()).hexdigest(), secret=toml_string(secret_file),
           htpasswd=toml_string(htpasswd), audit=toml_string(cls.audit))
        cls.ca = None
        if FULL:
            cls.ca = CertificateAuthority()
            cert, key = cls.ca.issue("auth", ["localhost"])
            cls.config += '\n[tls]\nlisten = ["127.0.0.1:0"]\ncertificates = [{ cert = %s, key = %s }]\n' % (
                toml_string(cert), toml_string(key))
        super().setUpClass()

    @classmethod
    def tearDownClass(cls):
        try:
            super().tearDownClass()
            cls.check_audit_file()
        finally:
            shutil.rmtree(cls.dir, ignore_errors=True)
            if cls.ca is not None:
                shutil.rmtree(cls.ca.dir, ignore_errors=True)

    @classmethod
    def check_audit_file(cls):
        with open(cls.audit, "rb") as f:
            lines = f.read().split(b"\n")
        assert lines[-1] == b"", "the audit file ends with a whole line"
        previous = SEED
        decisions = set()
        for number, line in enumerate(lines[:-1], 1):
            event = json.loads(line)
            assert event["prev"] == previous, "audit chain broken at line %d" % number
            previous = hashlib.sha256(line).hexdigest()
            if "decision" in event:
                decisions.add(event["decision"])
        assert {"allow", "deny"} <= decisions, decisions
        # The same check by `ferry audit verify`, which must also see an edited line.
        ok = subprocess.run([FERRY_BIN, "audit", "verify", cls.audit], capture_output=True, text=True)
        assert ok.returncode == 0 and ": ok, %d lines" % (len(lines) - 1) in ok.stdout, ok
        tampered = cls.audit + ".tampered"
        with open(tampered, "wb") as f:
            f.write(b"\n".join(lines).replace(b'"decision":"deny"', b'"decision":"allow"', 1))
        bad = subprocess.run([FERRY_BIN, "audit", "verify", tampered], capture_output=True, text=True)
        assert bad.returncode == 1 and ": line " in bad.stdout, bad

    def fetch(self, transport, target, headers=()):
        if FULL:
            return fetch(self.server, transport, "GET", target, headers, ca_file=self.ca.cert)
        return get(self.server, target, headers=headers)

    def each(self):
        for transport in TRANSPORTS:
            with self.subTest(transport=transport):
                yield transport

    def test_public_paths_need_nothing(self):
        for t in self.each():
            self.assertEqual(self.fetch(t, "/public.txt").status, 200)

    def test_missing_identity_is_401_with_challenges_before_any_lookup(self):
        for t in self.each():
            for target in ("/private/a.txt", "/private/missing.txt"):
                resp = self.fetch(t, target)
                self.assertEqual(resp.status, 401, target)
                challenges = resp.header_all("www-authenticate")
                self.assertTrue(any(c.startswith("Bearer") and 'realm="ferry-test"' in c for c in challenges),
                                challenges)
                self.assertTrue(any(c.startswith("Basic") for c in challenges), challenges)
                self.assertNotIn(b"secret", resp.body)

    def test_valid_jwt_is_served_and_logged_with_its_subject(self):
        for t in self.each():
            rid = "jwt-ok-" + t
            resp = self.fetch(t, "/private/a.txt", (("Authorization", "Bearer " + token()), ("X-Request-Id", rid)))
            self.assertEqual((resp.status, resp.body), (200, b"secret\n"))
            line = self.server.wait_for_line(re.compile(r'^\{.*"request_id":"%s"' % re.escape(rid)), 5)
            self.assertIsNotNone(line)
            self.assertEqual(json.loads(line.string)["user"], "alice")
            # A valid identity does not reveal more than the file system does.
            self.assertEqual(self.fetch(t, "/private/missing.txt", (("Authorization", "Bearer " + token()),)).status,
                             404)

    def test_refused_tokens(self):
        now = int(time.time())
        cases = {
            "expired": token(exp=now - 3600, iat=now - 7200),
            "wrong audience": token(aud="someone-else"),
            "wrong issuer": token(iss="https://evil.test"),
            "alg none": jwt.encode({"sub": "alice", "roles": ["reader"], "exp": now + 600}, None, algorithm="none"),
            "tampered": token()[:-4] + "AAAA",
            "garbage": "not.a.token",
        }
        for t in self.each():
            for name, value in cases.items():
                with self.subTest(case=name):
                    resp = self.fetch(t, "/private/a.txt", (("Authorization", "Bearer " + value),))
                    self.assertEqual(resp.status, 401)
                    self.assertTrue(any('error="invalid_token"' in c for c in resp.header_all("www-authenticate")),
                                    resp.header_all("www-authenticate"))

    def test_known_identity_without_the_role_is_403(self):
        for t in self.each():
            resp = self.fetch(t, "/private/a.txt", (("Authorization", "Bearer " + token(roles=["guest"])),))
            self.assertEqual(resp.status, 403)
            self.assertNotIn(b"secret", resp.body)

    def test_api_keys(self):
        for t in self.each():
            self.assertEqual(self.fetch(t, "/private/a.txt", (("X-API-Key", API_KEY),)).status, 200)
            self.assertEqual(self.fetch(t, "/private/a.txt", (("X-API-Key", API_KEY + "x"),)).status, 401)

    def test_basic_auth(self):
        for t in self.each():
            ok = self.fetch(t, "/private/a.txt", (("Authorization", basic("bob", "open sesame")),))
            self.assertEqual(ok.status, 200)
            wrong = self.fetch(t, "/private/a.txt", (("Authorization", basic("bob", "open sesame!")),))
            self.assertEqual(wrong.status, 401)
            self.assertTrue(any(c.startswith("Basic") for c in wrong.header_all("www-authenticate")))


@unittest.skipUnless(has_module("auth"), "needs the auth module")
class KeyCommandsTest(unittest.TestCase):
    def test_generate_and_hash_key(self):
        key = subprocess.run([FERRY_BIN, "generate-key"], capture_output=True, text=True, check=True).stdout.strip()
        self.assertRegex(key, r"^[A-Za-z0-9_-]{43}$")  # 32 random bytes, base64url
        for argv, stdin in (([key], None), ([], key + "\n")):
            hashed = subprocess.run([FERRY_BIN, "hash-key", *argv], input=stdin, capture_output=True, text=True,
                                    check=True).stdout.strip()
            self.assertEqual(hashed, "sha256:" + hashlib.sha256(key.encode()).hexdigest())
        short = subprocess.run([FERRY_BIN, "hash-key", "abc"], capture_output=True, text=True)
        self.assertEqual(short.returncode, 0)
        self.assertIn("warning", short.stderr)
        self.assertEqual(subprocess.run([FERRY_BIN, "audit", "check"], capture_output=True).returncode, 2)


if __name__ == "__main__":
    unittest.main()
