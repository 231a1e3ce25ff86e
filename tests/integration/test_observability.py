"""Request ids, W3C trace context, the JSON access log's fields, /healthz and /readyz, and the
Prometheus endpoint — the same cases over every protocol the binary has (HTTP/1.1, and with the
tls and http2 modules also HTTPS, h2 and h2c)."""

import json
import re
import shutil
import unittest

from ferry_harness import FerryTestCase, get, has_module, metric, toml_string
from tls_certs import CertificateAuthority

FULL = has_module("tls") and has_module("http2")
if FULL:
    from protocol_clients import TRANSPORTS, fetch
else:
    TRANSPORTS = ("h1",)

HEX32 = re.compile(r"^[0-9a-f]{32}$")
TRACEPARENT = re.compile(r"^00-([0-9a-f]{32})-([0-9a-f]{16})-0[01]$")
CALLER_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
CALLER_PARENT = "00-%s-00f067aa0ba902b7-01" % CALLER_TRACE
FILES = {"a.txt": "alpha\n", "healthz": "a file named like the endpoint\n", "metrics": "shadowed\n"}


class ObservabilityTestCase(FerryTestCase):
    files = FILES
    extra_config = ""

    @classmethod
    def setUpClass(cls):
        cls.ca = None
        config = '[log]\naccess_log = "stdout"\naccess_format = "json"\n' + cls.extra_config
        if FULL:
            cls.ca = CertificateAuthority()
            cert, key = cls.ca.issue("obs", ["localhost"])
            config += '\n[tls]\nlisten = ["127.0.0.1:0"]\ncertificates = [{ cert = %s, key = %s }]\n' % (
                toml_string(cert), toml_string(key))
        cls.config = config
        super().setUpClass()

    @classmethod
    def tearDownClass(cls):
        try:
            super().tearDownClass()
        finally:
            if cls.ca is not None:
                shutil.rmtree(cls.ca.dir, ignore_errors=True)

    def fetch(self, transport, target, headers=(), method="GET"):
        if FULL:
            return fetch(self.server, transport, method, target, headers, ca_file=self.ca.cert)
        return get(self.server, target, headers=headers, method=method)

    def access_line(self, request_id, timeout=5.0):
        """The JSON access-log line of the request with this id (the log flushes every second)."""
        match = self.server.wait_for_line(re.compile(r'^\{.*"request_id":"%s"' % re.escape(request_id)), timeout)
        return json.loads(match.string) if match else None


class RequestIdentityTest(ObservabilityTestCase):
    def test_generated_id_and_trace_on_every_protocol(self):
        for transport in TRANSPORTS:
            with self.subTest(transport=transport):
                resp = self.fetch(transport, "/a.txt")
                self.assertEqual(resp.status, 200)
                self.assertRegex(resp.header("x-request-id"), HEX32)
                self.assertRegex(resp.header("traceparent"), TRACEPARENT)
                other = self.fetch(transport, "/a.txt")
                self.assertNotEqual(other.header("x-request-id"), resp.header("x-request-id"))
                self.assertNotEqual(other.header("traceparent"), resp.header("traceparent"))

    def test_incoming_id_and_trace_are_continued(self):
        for transport in TRANSPORTS:
            with self.subTest(transport=transport):
                rid = "req-%s-1" % transport
                resp = self.fetch(transport, "/a.txt", (("X-Request-Id", rid), ("traceparent", CALLER_PARENT)))
                self.assertEqual(resp.header("x-request-id"), rid)
                trace, span = TRACEPARENT.match(resp.header("traceparent")).groups()
                self.assertEqual(trace, CALLER_TRACE)
                self.assertNotEqual(span, "00f067aa0ba902b7")  # ferry's own span

                line = self.access_line(rid)
                self.assertIsNotNone(line, "no access-log line for " + rid)
                self.assertEqual(line["trace_id"], CALLER_TRACE)
                self.assertEqual(line["span_id"], span)
                self.assertEqual(line["host"], "localhost")
                self.assertEqual(line["status"], 200)
                if transport.endswith("-tls"):
                    self.assertIn(line["tls_version"], ("TLSv1.2", "TLSv1.3"))
                    self.assertTrue(line["tls_cipher"])
                else:
                    self.assertNotIn("tls_version", line)
                    self.assertNotIn("tls_cipher", line)

    def test_malformed_incoming_values_are_replaced(self):
        for transport in TRANSPORTS:
            with self.subTest(transport=transport):
                resp = self.fetch(transport, "/a.txt", (("X-Request-Id", "x" * 129),
                                                        ("traceparent", "00-%s-00f067aa0ba902b7-01" % ("0" * 32))))
                self.assertRegex(resp.header("x-request-id"), HEX32)
                trace, _ = TRACEPARENT.match(resp.header("traceparent")).groups()
                self.assertNotEqual(trace, "0" * 32)

    def test_errors_carry_the_id_too(self):
        for transport in TRANSPORTS:
            with self.subTest(transport=transport):
                resp = self.fetch(transport, "/missing", (("X-Request-Id", "missing-" + transport),))
                self.assertEqual(resp.status, 404)
                self.assertEqual(resp.header("x-request-id"), "missing-" + transport)
                self.assertIsNotNone(self.access_line("missing-" + transport))


class RequestIdOffTest(ObservabilityTestCase):
    extra_config = '[request_id]\nheader = ""\ntrace_context = false\n'

    def test_no_id_and_no_trace_when_turned_off(self):
        for transport in TRANSPORTS:
            with self.subTest(transport=transport):
                resp = self.fetch(transport, "/a.txt", (("traceparent", CALLER_PARENT),))
                self.assertEqual(resp.status, 200)
                self.assertIsNone(resp.header("x-request-id"))
                self.assertIsNone(resp.header("traceparent"))


class CustomRequestIdHeaderTest(ObservabilityTestCase):
    extra_config = '[request_id]\nheader = "X-Correlation-Id"\naccept_incoming = false\n'

    def test_configured_header_and_refusing_the_clients_id(self):
        resp = self.fetch("h1", "/a.txt", (("X-Correlation-Id", "chosen-by-client"),))
        self.assertIsNone(resp.header("x-request-id"))
        self.assertRegex(resp.header("x-correlation-id"), HEX32)


class HealthTest(ObservabilityTestCase):
    def test_liveness_and_readiness_on_every_protocol(self):
        for transport in TRANSPORTS:
            with self.subTest(transport=transport):
                live = self.fetch(transport, "/healthz", (("X-Request-Id", "health-" + transport),))
                self.assertEqual((live.status, live.body), (200, b"alive\n"))  # not the file of that name
                self.assertEqual(live.header("cache-control"), "no-store")
                ready = self.fetch(transport, "/readyz?probe=1")
                self.assertEqual((ready.status, ready.body), (200, b"ready\n"))
                head = self.fetch(transport, "/healthz", method="HEAD")
                self.assertEqual((head.status, head.body), (200, b""))
                self.assertEqual(self.fetch(transport, "/healthz/").status, 404)  # exact paths only

    def test_kept_out_of_the_access_log_by_default(self):
        self.fetch("h1", "/healthz", (("X-Request-Id", "unlogged-health"),))
        self.fetch("h1", "/a.txt", (("X-Request-Id", "logged-after-health"),))
        self.assertIsNotNone(self.access_line("logged-after-health"))
        self.assertFalse(any("unlogged-health" in line for line in self.server.lines))


class HealthConfiguredTest(ObservabilityTestCase):
    extra_config = '[health]\nliveness_path = ""\nreadiness_path = "/ops/ready"\naccess_log = true\n'

    def test_paths_and_logging_follow_the_config(self):
        resp = self.fetch("h1", "/healthz")
        self.assertEqual((resp.status, resp.body), (200, FILES["healthz"].encode()))  # off: the file
        resp = self.fetch("h1", "/ops/ready", (("X-Request-Id", "logged-health"),))
        self.assertEqual((resp.status, resp.body), (200, b"ready\n"))
        self.assertEqual(self.fetch("h1", "/readyz").status, 404)
        self.assertIsNotNone(self.access_line("logged-health"))


@unittest.skipUnless(has_module("metrics"), "built without the metrics module")
class MetricsTest(ObservabilityTestCase):
    def scrape(self, transport="h1"):
        resp = self.fetch(transport, "/metrics")
        self.assertEqual(resp.status, 200)
        self.assertEqual(resp.header("content-type"), "text/plain; version=0.0.4; charset=utf-8")
        return resp.body.decode()

    def test_requests_are_counted_per_protocol(self):
        labels = {"h1": "http/1.1", "h1-tls": "http/1.1", "h2-tls": "h2", "h2c": "h2"}
        before = self.scrape()
        for transport in TRANSPORTS:
            for _ in range(3):
                self.fetch(transport, "/a.txt")
            self.fetch(transport, "/missing")
        after = self.scrape()
        for protocol in {labels[t] for t in TRANSPORTS}:
            with self.subTest(protocol=protocol):
                transports = [t for t in TRANSPORTS if labels[t] == protocol]

                def delta(code_class):
                    def value(text):
                        return metric(text, "ferry_requests_total", protocol=protocol, method="GET",
                                      code_class=code_class) or 0
                    return value(after) - value(before)
                # The first scrape itself is an http/1.1 GET 2xx counted in between.
                extra = 1 if protocol == "http/1.1" else 0
                self.assertEqual(delta("2xx"), 3 * len(transports) + extra)
                self.assertEqual(delta("4xx"), len(transports))
                count = metric(after, "ferry_request_duration_seconds_count", protocol=protocol)
                inf = metric(after, "ferry_request_duration_seconds_bucket", protocol=protocol, le="+Inf")
                self.assertEqual(count, inf)
        self.assertGreaterEqual(metric(after, "ferry_connections_accepted_total"), 2 * len(TRANSPORTS))
        self.assertEqual(metric(after, "ferry_workers"), 1)
        if FULL:
            self.assertGreaterEqual(metric(after, "ferry_tls_handshakes_total"), 8)
            self.assertGreater(metric(after, "ferry_certificate_expiry_seconds", name="localhost"), 0)

    def test_served_over_every_protocol_and_shadows_the_file(self):
        for transport in TRANSPORTS:
            with self.subTest(transport=transport):
                self.assertIn("# TYPE ferry_requests_total counter", self.scrape(transport))


@unittest.skipUnless(has_module("metrics"), "built without the metrics module")
class MetricsClosedTest(ObservabilityTestCase):
    extra_config = "[metrics]\nallow = []\n"

    def test_clients_outside_the_allow_list_get_404(self):
        for transport in TRANSPORTS:
            with self.subTest(transport=transport):
                resp = self.fetch(transport, "/metrics")
                self.assertEqual(resp.status, 404)
                self.assertNotIn(b"shadowed", resp.body)  # not the file of that name either


@unittest.skipUnless(has_module("metrics"), "built without the metrics module")
class MetricsDisabledTest(ObservabilityTestCase):
    extra_config = "[metrics]\nenabled = false\n"

    def test_the_file_is_served_when_the_endpoint_is_off(self):
        resp = self.fetch("h1", "/metrics")
        self.assertEqual((resp.status, resp.body), (200, b"shadowed\n"))


@unittest.skipUnless(has_module("metrics"), "built without the metrics module")
class MetricsAdminListenerTest(ObservabilityTestCase):
    extra_config = '[metrics]\nlisten = ["127.0.0.1:0"]\n'

    def admin_get(self, target):
        match = self.server.wait_for_line(
            re.compile(r"listening on http://127\.0\.0\.1:(\d+) \(metrics and health only\)"), 5)
        self.assertIsNotNone(match)
        return get(self.server, target, port=int(match.group(1)))

    def test_the_endpoint_moves_to_its_own_listener(self):
        scrape = self.admin_get("/metrics")
        self.assertEqual(scrape.status, 200)
        self.assertIn("# TYPE ferry_requests_total counter", scrape.body.decode())
        self.assertEqual(self.admin_get("/healthz").body, b"alive\n")
        self.assertEqual(self.admin_get("/a.txt").status, 404)  # never a file there
        for transport in TRANSPORTS:  # elsewhere the path is an ordinary file path
            with self.subTest(transport=transport):
                resp = self.fetch(transport, "/metrics")
                self.assertEqual((resp.status, resp.body), (200, b"shadowed\n"))


if __name__ == "__main__":
    unittest.main()
