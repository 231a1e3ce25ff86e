"""Test certificates made with the openssl command: a CA, server certificates (ECDSA and RSA)
with chosen names, and client certificates. Everything lives in one temporary directory."""

import os
import subprocess
import tempfile


def _run(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True, timeout=60)


class CertificateAuthority:
    def __init__(self, name="ferry-test-ca", directory=None):
        self.dir = directory or tempfile.mkdtemp(prefix="ferry-certs-")
        self.name = name
        self.key = os.path.join(self.dir, name + ".key")
        self.cert = os.path.join(self.dir, name + ".pem")
        _run("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", self.key,
             "-out", self.cert, "-subj", "/CN=" + name, "-days", "2", cwd=self.dir)
        self._serial = 1

    def issue(self, name, dns_names=(), kind="ec", client=False, common_name=None, uris=(), emails=()):
        """Writes name.key and name.pem signed by this CA; returns (cert, key) paths."""
        key = os.path.join(self.dir, name + ".key")
        csr = os.path.join(self.dir, name + ".csr")
        cert = os.path.join(self.dir, name + ".pem")
        newkey = ["-newkey", "rsa:2048"] if kind == "rsa" else ["-newkey", "ec", "-pkeyopt",
                                                                 "ec_paramgen_curve:P-256"]
        _run("req", *newkey, "-nodes", "-keyout", key, "-out", csr, "-subj",
             "/CN=" + (common_name or (dns_names[0] if dns_names else name)), cwd=self.dir)
        ext = os.path.join(self.dir, name + ".ext")
        with open(ext, "w") as f:
            sans = ["DNS:" + n for n in dns_names] + ["URI:" + u for u in uris] + ["email:" + e for e in emails]
            if sans:
                f.write("subjectAltName=" + ",".join(sans) + "\n")
            f.write("extendedKeyUsage=" + ("clientAuth" if client else "serverAuth") + "\n")
        self._serial += 1
        _run("x509", "-req", "-in", csr, "-CA", self.cert, "-CAkey", self.key, "-set_serial", str(self._serial),
             "-out", cert, "-days", "2", "-extfile", ext, cwd=self.dir)
        return cert, key
