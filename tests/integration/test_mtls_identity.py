"""Client certificates as identities: [auth.mtls] maps a verified certificate's SAN URI (a SPIFFE
ID), email or subject DN to a principal, roles and a tenant; rules then authorize on them, over
HTTPS and h2 alike. Certificates come from a test CA made with the openssl command."""

import json
import re
import shutil
import tempfile
import unittest

from ferry_harness import FerryTestCase, has_module, toml_string
from tls_certs import CertificateAuthority

FULL = has_module("auth") and has_module("tls") and has_module("http2")
if FULL:
    from protocol_clients import fetch

TLS_TRANSPORTS = ("h1-tls", "h2-tls")


@unittest.skipUnless(FULL, "needs the auth, tls and http2 modules")
class CertificateIdentityTest(FerryTestCase):
    files = {"ops/deploy.txt": "deploy\n", "read/report.txt": "report\n"}

    @classmethod
    def setUpClass(cls):
        cls.ca = CertificateAuthority()
        cls.other_ca = CertificateAuthority(name="another-ca")
        cert, key = cls.ca.issue("server", ["localhost"])
        cls.workload = cls.ca.issue("workload", client=True, common_name="deployer",
                                    uris=["spiffe://ferry.test/ns/prod/sa/deployer"])
        cls.staging = cls.ca.issue("staging", client=True, common_name="stager",
                                   uris=["spiffe://ferry.test/ns/staging/sa/deployer"])
        cls.carol = cls.ca.issue("carol", client=True, common_name="Carol", emails=["carol@ferry.test"])
        cls.unmapped = cls.ca.issue("nobody", client=True, common_name="nobody")
        cls.foreign = cls.other_ca.issue("foreign", client=True, common_name="foreign",
                                         uris=["spiffe://ferry.test/ns/prod/sa/deployer"])
        cls.config = """
[log]
access_log = "stdout"
access_format = "json"

[tls]
listen = ["127.0.0.1:0"]
certificates = [{{ cert = {cert}, key = {key} }}]
client_auth = "optional"
client_ca = {ca}

[auth]

[auth.mtls]
unmapped = "reject"

[[auth.mtls.identities]]
uri = "spiffe://ferry.test/ns/prod/*"
roles = ["operator"]
tenant = "prod"

[[auth.mtls.identities]]
email = "carol@ferry.test"
principal = "carol"
roles = ["reader"]

[[auth.rules]]
name = "ops"
path = "/ops/**"
auth = ["mtls"]
roles = ["operator"]
action = "allow"
when = {{ tenant = "prod" }}

[[auth.rules]]
name = "read"
path = "/read/**"
auth = ["mtls"]
roles = ["reader", "operator"]
action = "allow"

[[auth.rules]]
name = "rest"
path = "/**"
action = "deny"
""".format(cert=toml_string(cert), key=toml_string(key), ca=toml_string(cls.ca.cert))
        if has_module("rate_limit"):
            # Counted per the mapped tenant: only principals that have one are covered.
            cls.config += '\n[rate_limit]\n[[rate_limit.limits]]\nname = "per-tenant"\npath = "/read/**"\n' \
                          'key = "tenant"\nrate = "1/h"\nburst = 1000\n'
        super().setUpClass()

    @classmethod
    def tearDownClass(cls):
        try:
            super().tearDownClass()
        finally:
            shutil.rmtree(cls.ca.dir, ignore_errors=True)
            shutil.rmtree(cls.other_ca.dir, ignore_errors=True)

    def status(self, transport, target, client_cert, request_id=None):
        headers = (("X-Request-Id", request_id),) if request_id else ()
        return fetch(self.server, transport, "GET", target, headers, ca_file=self.ca.cert,
                     client_cert=client_cert).status

    def test_spiffe_id_maps_to_roles_and_tenant(self):
        for t in TLS_TRANSPORTS:
            with self.subTest(transport=t):
                rid = "mtls-ops-" + t
                self.assertEqual(self.status(t, "/ops/deploy.txt", self.workload, rid), 200)
                line = self.server.wait_for_line(re.compile(r'^\{.*"request_id":"%s"' % re.escape(rid)), 5)
                self.assertIsNotNone(line)
                # No `principal` in the mapping: the matched SAN is the principal.
                self.assertEqual(json.loads(line.string)["user"], "spiffe://ferry.test/ns/prod/sa/deployer")
                self.assertEqual(self.status(t, "/read/report.txt", self.workload), 200)

    @unittest.skipUnless(has_module("rate_limit"), "needs the rate_limit module")
    def test_rate_limits_count_per_mapped_tenant(self):
        for t in TLS_TRANSPORTS:
            with self.subTest(transport=t):
                with_tenant = fetch(self.server, t, "GET", "/read/report.txt", (), ca_file=self.ca.cert,
                                    client_cert=self.workload)
                self.assertEqual(with_tenant.status, 200)
                self.assertTrue(with_tenant.header("ratelimit", "").startswith('"per-tenant";'))
                without = fetch(self.server, t, "GET", "/read/report.txt", (), ca_file=self.ca.cert,
                                client_cert=self.carol)
                self.assertEqual(without.status, 200)
                self.assertIsNone(without.header("ratelimit"))

    def test_prefix_does_not_match_another_namespace(self):
        for t in TLS_TRANSPORTS:
            with self.subTest(transport=t):
                # Unmapped with `unmapped = "reject"`: no identity, and mTLS has no challenge → 403.
                self.assertEqual(self.status(t, "/ops/deploy.txt", self.staging), 403)
                self.assertEqual(self.status(t, "/read/report.txt", self.staging), 403)

    def test_email_maps_to_a_named_principal_with_its_roles(self):
        for t in TLS_TRANSPORTS:
            with self.subTest(transport=t):
                rid = "mtls-carol-" + t
                self.assertEqual(self.status(t, "/read/report.txt", self.carol, rid), 200)
                line = self.server.wait_for_line(re.compile(r'^\{.*"request_id":"%s"' % re.escape(rid)), 5)
                self.assertEqual(json.loads(line.string)["user"], "carol")
                # A reader, not an operator of tenant prod.
                self.assertEqual(self.status(t, "/ops/deploy.txt", self.carol), 403)

    def test_unmapped_unverified_and_absent_certificates_are_refused(self):
        for t in TLS_TRANSPORTS:
            with self.subTest(transport=t):
                self.assertEqual(self.status(t, "/read/report.txt", self.unmapped), 403)
                self.assertEqual(self.status(t, "/read/report.txt", None), 403)
        # Signed by a CA ferry does not trust, with a SAN a mapping would admit: with
        # client_auth = "optional" the client is served, but as nobody.
        for t in TLS_TRANSPORTS:
            with self.subTest(transport=t, certificate="foreign"):
                self.assertEqual(self.status(t, "/ops/deploy.txt", self.foreign), 403)

if __name__ == "__main__":
    unittest.main()
