"""Audit events beyond authorization decisions: the certificates loaded at start, each config
reload (with what changed, or why it failed), certificates replaced on disk, one hash chain
across reloads (one writer per file), and the audit counters in /metrics."""

import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
import unittest

from ferry_harness import FERRY_BIN, Server, get, has_module, make_root, toml_string
from tls_certs import CertificateAuthority

FULL = has_module("auth") and has_module("tls") and has_module("metrics")


def read_events(path):
    with open(path, "rb") as f:
        return [json.loads(line) for line in f.read().splitlines()]


def wait_for_event(path, predicate, timeout=8.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for event in read_events(path) if os.path.exists(path) else []:
            if predicate(event):
                return event
        time.sleep(0.05)
    return None


@unittest.skipUnless(FULL, "needs the auth, tls and metrics modules")
class AuditEventsTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="ferry-audit-events-")
        self.root = make_root({"a.txt": "a\n"})
        self.ca = CertificateAuthority()
        self.cert, self.key = self.ca.issue("site", ["localhost"])
        self.audit = os.path.join(self.dir, "audit.log")

    def tearDown(self):
        for d in (self.dir, self.root, self.ca.dir):
            shutil.rmtree(d, ignore_errors=True)

    def config(self, extra=""):
        return """
[tls]
listen = ["127.0.0.1:0"]
certificates = [{{ cert = {cert}, key = {key} }}]

[auth]
[[auth.rules]]
path = "/**"
action = "allow"

[auth.audit]
target = {audit}
hash_chain = true
{extra}""".format(cert=toml_string(self.cert), key=toml_string(self.key), audit=toml_string(self.audit),
                  extra=extra)

    def test_reloads_and_certificate_changes_are_audited_on_one_chain(self):
        with Server(self.root, self.config(), expect_errors=[r"reload failed"]) as srv:
            loaded = wait_for_event(self.audit, lambda e: e.get("event") == "certificate")
            self.assertIsNotNone(loaded, "no certificate event at start")
            self.assertEqual((loaded["change"], loaded["name"]), ("loaded", "localhost"))
            self.assertIn("CN=localhost", loaded["subject"])
            self.assertIn("CN=ferry-test-ca", loaded["issuer"])
            self.assertRegex(loaded["sha256"], r"^[0-9a-f]{64}$")
            self.assertRegex(loaded["not_after"], r"^\d{4}-\d\d-\d\dT")

            # A decision, so the counters have something to count.
            self.assertEqual(get(srv, "/a.txt").status, 200)

            # A good reload: the summary names the table that changed.
            with open(srv.config_path, "w") as f:
                f.write(self.config('\n[limits]\nmax_uri_length = 4096\n'))
            srv.signal(signal.SIGHUP)
            ok = wait_for_event(self.audit, lambda e: e.get("event") == "config_reload")
            self.assertIsNotNone(ok, "no config_reload event")
            self.assertEqual(ok["result"], "ok")
            self.assertEqual(ok["summary"], "added: limits")
            self.assertEqual(ok["source"], srv.config_path)
            self.assertEqual(ok["generation"], 2)

            # A bad reload: audited by the configuration that keeps running.
            with open(srv.config_path, "w") as f:
                f.write(self.config('\n[limits]\nmax_uri_length = "long"\n'))
            srv.signal(signal.SIGHUP)
            failed = wait_for_event(self.audit, lambda e: e.get("event") == "config_reload"
                                    and e["result"] == "failed")
            self.assertIsNotNone(failed, "no failed config_reload event")
            self.assertIn("max_uri_length", failed["summary"])

            # The certificate replaced on disk: picked up by the file poll, audited as reloaded.
            os.rename(self.ca.issue("site2", ["localhost"])[0], self.cert)
            os.rename(os.path.join(self.ca.dir, "site2.key"), self.key)
            reloaded = wait_for_event(self.audit, lambda e: e.get("event") == "certificate"
                                      and e["change"] == "reloaded")
            self.assertIsNotNone(reloaded, "no certificate reloaded event")
            self.assertNotEqual(reloaded["sha256"], loaded["sha256"])
            self.assertNotEqual(reloaded["serial"], loaded["serial"])

            metrics = get(srv, "/metrics").body.decode()
            written = [l for l in metrics.splitlines() if l.startswith('ferry_audit_events_total{result="written"}')]
            self.assertEqual(len(written), 1, metrics)
            self.assertGreaterEqual(int(written[0].split()[-1]), 4)
            self.assertIn('ferry_audit_events_total{result="dropped"} 0', metrics)
        # Every event of both configurations is on one unbroken chain.
        verify = subprocess.run([FERRY_BIN, "audit", "verify", self.audit], capture_output=True, text=True)
        self.assertEqual(verify.returncode, 0, verify.stdout + verify.stderr)


if __name__ == "__main__":
    unittest.main()
