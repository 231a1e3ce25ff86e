"""Access log: combined and JSON formats, targets, the --access-log override, "off".

Contract (notes/behaviour.md, "Access log"): combined (Apache) or JSON lines with time, remote,
method, target, protocol, status, bytes, duration_ms, user_agent, referer; to off|stdout|stderr|PATH;
flushed at least every second and on shutdown. Logs are read after a SIGTERM shutdown."""

import datetime
import json
import os
import re
import shutil
import tempfile
import time
import unittest

from ferry_harness import Server, exchange, get, make_root, toml_string

HELLO = "hello, access log\n"
FILES = {"hello.txt": HELLO, "index.html": "<p>i</p>\n"}
NOT_FOUND_BODY = b"404 Not Found\n"

# host ident user [time] "request" status bytes "referer" "user-agent"
QUOTED = r'"((?:[^"\\]|\\.)*)"'
COMBINED_RE = re.compile(r'^(\S+) (\S+) (\S+) \[([^\]]+)\] ' + QUOTED + r' (\d{3}) (\d+|-) ' + QUOTED + ' ' + QUOTED
                         + r'$')
JSON_KEYS = {"time", "remote", "method", "target", "protocol", "status", "bytes", "duration_ms", "user_agent",
             "referer"}


def unescape_combined(field):
    """Undoes both common escapings: Apache's \\" and \\\\, and nginx's \\xHH."""
    return re.sub(r"\\x([0-9a-fA-F]{2})|\\(.)",
                  lambda m: chr(int(m.group(1), 16)) if m.group(1) else m.group(2), field)


class AccessLogTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="ferry-alog-")
        self.root = make_root(FILES)
        self.log_path = os.path.join(self.tmp, "access.log")

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)
        shutil.rmtree(self.root, ignore_errors=True)

    def config(self, target, fmt):
        return "[log]\naccess_log = %s\naccess_format = %s\n" % (toml_string(target), toml_string(fmt))

    def standard_requests(self, server):
        r1 = get(server, "/hello.txt?x=1&y=%20", headers=[("User-Agent", "test-agent/1.0"),
                                                          ("Referer", "http://ref.example/page")])
        self.assertEqual(r1.status, 200)
        r2 = get(server, "/missing")
        self.assertEqual(r2.status, 404)
        self.assertEqual(r2.body, NOT_FOUND_BODY)
        r3 = get(server, "/hello.txt", method="HEAD", headers=[("User-Agent", "head-agent")])
        self.assertEqual(r3.status, 200)

    def read_lines(self, path=None):
        with open(path or self.log_path, "rb") as f:
            data = f.read()
        self.assertTrue(data == b"" or data.endswith(b"\n"), "last log line not terminated")
        return data.decode("utf-8").splitlines()

    def assertRecentTime(self, t):
        self.assertLess(abs(t.timestamp() - time.time()), 600, t)

    def parse_combined(self, line):
        m = COMBINED_RE.match(line)
        self.assertIsNotNone(m, "not a combined log line: %r" % line)
        return m.groups()

    # --- combined ---

    def test_combined(self):
        with Server(self.root, self.config(self.log_path, "combined")) as s:
            self.standard_requests(s)
        lines = self.read_lines()
        self.assertEqual(len(lines), 3, lines)
        host, ident, user, when, req, status, size, referer, agent = self.parse_combined(lines[0])
        self.assertEqual(host, "127.0.0.1")
        self.assertEqual((ident, user), ("-", "-"))
        self.assertRecentTime(datetime.datetime.strptime(when, "%d/%b/%Y:%H:%M:%S %z"))
        self.assertEqual(req, "GET /hello.txt?x=1&y=%20 HTTP/1.1")
        self.assertEqual(status, "200")
        self.assertEqual(size, str(len(HELLO)))
        self.assertEqual(referer, "http://ref.example/page")
        self.assertEqual(agent, "test-agent/1.0")

        _, _, _, _, req, status, size, referer, agent = self.parse_combined(lines[1])
        self.assertEqual((req, status, size), ("GET /missing HTTP/1.1", "404", str(len(NOT_FOUND_BODY))))
        self.assertEqual((referer, agent), ("-", "-"))

        _, _, _, _, req, status, size, _, agent = self.parse_combined(lines[2])
        self.assertEqual((req, status, agent), ("HEAD /hello.txt HTTP/1.1", "200", "head-agent"))
        self.assertIn(size, ("0", "-"))  # HEAD sends no body

    def test_combined_escapes_hostile_fields(self):
        agent = 'evil" "injected\\agent'
        with Server(self.root, self.config(self.log_path, "combined")) as s:
            self.assertEqual(get(s, "/hello.txt", headers=[("User-Agent", agent),
                                                           ("Referer", 'x" 200 999 "y')]).status, 200)
            # A '"' in the target is not valid, but if the server accepts it the log must stay parseable.
            get(s, '/hello.txt?q="x"')
        lines = self.read_lines()
        self.assertIn(len(lines), (1, 2), lines)  # whether a rejected target is logged is not specified
        fields = self.parse_combined(lines[0])
        self.assertEqual(unescape_combined(fields[8]), agent)
        self.assertEqual(unescape_combined(fields[7]), 'x" 200 999 "y')
        for line in lines[1:]:
            self.parse_combined(line)

    def test_keep_alive_requests_each_logged(self):
        with Server(self.root, self.config(self.log_path, "combined")) as s:
            rs = exchange(s, [("GET", "/hello.txt", []), ("GET", "/index.html", []), ("GET", "/nope", [])])
            self.assertEqual([r.status for r in rs], [200, 200, 404])
        reqs = [self.parse_combined(line)[4] for line in self.read_lines()]
        self.assertEqual(reqs, ["GET /hello.txt HTTP/1.1", "GET /index.html HTTP/1.1", "GET /nope HTTP/1.1"])

    def test_pipelined_batch_each_logged_with_its_bytes(self):
        # Answers to pipelined requests leave in one send; each is still its own line.
        raw = b"".join(b"%s %s HTTP/1.1\r\nHost: x\r\n\r\n" % (m, t) for m, t in
                       [(b"GET", b"/hello.txt"), (b"GET", b"/nope"), (b"HEAD", b"/hello.txt"), (b"GET", b"/index.html")])
        raw += b"GET /hello.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
        with Server(self.root, self.config(self.log_path, "combined")) as s:
            with s.connect() as sock:
                sock.sendall(raw)
                while sock.recv(65536):
                    pass
        fields = [self.parse_combined(line) for line in self.read_lines()]
        self.assertEqual([(f[4].split()[1], f[5], f[6]) for f in fields],
                         [("/hello.txt", "200", str(len(HELLO))), ("/nope", "404", str(len(NOT_FOUND_BODY))),
                          ("/hello.txt", "200", fields[2][6]), ("/index.html", "200", str(len(FILES["index.html"]))),
                          ("/hello.txt", "200", str(len(HELLO)))])
        self.assertIn(fields[2][6], ("0", "-"))  # HEAD sends no body

    def test_http10_protocol_logged(self):
        with Server(self.root, self.config(self.log_path, "combined")) as s:
            self.assertEqual(get(s, "/hello.txt", version="HTTP/1.0").status, 200)
        self.assertEqual(self.parse_combined(self.read_lines()[0])[4], "GET /hello.txt HTTP/1.0")

    # --- JSON ---

    def test_json(self):
        with Server(self.root, self.config(self.log_path, "json")) as s:
            self.standard_requests(s)
        lines = self.read_lines()
        self.assertEqual(len(lines), 3, lines)
        entries = [json.loads(line) for line in lines]
        for e in entries:
            self.assertIsInstance(e, dict)
            self.assertLessEqual(JSON_KEYS, set(e), e)
            self.assertTrue(str(e["remote"]).startswith("127.0.0.1"), e)
            self.assertIsInstance(e["status"], int)
            self.assertIsInstance(e["bytes"], int)
            self.assertIsInstance(e["duration_ms"], (int, float))
            self.assertGreaterEqual(e["duration_ms"], 0)
            self.assertLess(e["duration_ms"], 10000)
            self.assertIsInstance(e["time"], str)
            self.assertIn(str(datetime.datetime.now(datetime.timezone.utc).year), e["time"])
        first, missing, head = entries
        self.assertEqual((first["method"], first["target"], first["protocol"], first["status"], first["bytes"]),
                         ("GET", "/hello.txt?x=1&y=%20", "HTTP/1.1", 200, len(HELLO)))
        self.assertEqual(first["user_agent"], "test-agent/1.0")
        self.assertEqual(first["referer"], "http://ref.example/page")
        self.assertEqual((missing["method"], missing["target"], missing["status"], missing["bytes"]),
                         ("GET", "/missing", 404, len(NOT_FOUND_BODY)))
        self.assertEqual((head["method"], head["status"], head["bytes"], head["user_agent"]),
                         ("HEAD", 200, 0, "head-agent"))

    def test_json_hostile_fields_stay_valid(self):
        agent = 'a"b\\c\' {"status": 999}'
        obs_text = "caf\xe9 \xff\xfe"  # sent as raw bytes 0xE9 0xFF 0xFE (obs-text, allowed in field values)
        with Server(self.root, self.config(self.log_path, "json")) as s:
            self.assertEqual(get(s, "/hello.txt", headers=[("User-Agent", agent)]).status, 200)
            self.assertEqual(get(s, "/hello.txt", headers=[("User-Agent", obs_text),
                                                           ("Referer", "http://r.example/\x80")]).status, 200)
        lines = self.read_lines()  # strict UTF-8 decode: raw 0xFF bytes in the file fail here
        self.assertEqual(len(lines), 2, lines)
        first = json.loads(lines[0])
        self.assertEqual(first["user_agent"], agent)
        self.assertEqual(first["status"], 200)
        second = json.loads(lines[1])
        self.assertEqual(second["status"], 200)
        self.assertIsInstance(second["user_agent"], str)

    # --- destinations ---

    def test_flag_overrides_config(self):
        other = os.path.join(self.tmp, "flag.log")
        with Server(self.root, self.config(self.log_path, "json"), args=("--access-log", other)) as s:
            self.assertEqual(get(s, "/hello.txt").status, 200)
        self.assertFalse(os.path.exists(self.log_path) and os.path.getsize(self.log_path) > 0,
                         "config access_log written despite --access-log")
        lines = self.read_lines(other)
        self.assertEqual(len(lines), 1, lines)
        self.assertEqual(json.loads(lines[0])["target"], "/hello.txt")  # format still from the config

    def test_flag_off_writes_nothing(self):
        with Server(self.root, self.config(self.log_path, "combined"), args=("--access-log", "off")) as s:
            self.assertEqual(get(s, "/hello.txt?marker=flagoff").status, 200)
        self.assertFalse(os.path.exists(self.log_path) and os.path.getsize(self.log_path) > 0)
        self.assertFalse([line for line in s.lines if "marker=flagoff" in line], s.lines)

    def test_config_off_writes_nothing(self):
        with Server(self.root, self.config("off", "json")) as s:
            self.assertEqual(get(s, "/hello.txt?marker=cfgoff").status, 200)
        self.assertFalse([line for line in s.lines if "marker=cfgoff" in line], s.lines)
        self.assertEqual(os.listdir(self.tmp), [])

    def test_default_is_off(self):
        with Server(self.root) as s:
            self.assertEqual(get(s, "/hello.txt?marker=default").status, 200)
        self.assertFalse([line for line in s.lines if "marker=default" in line], s.lines)

    def test_stdout(self):
        with Server(self.root, args=("--access-log", "stdout")) as s:
            self.assertEqual(get(s, "/hello.txt?marker=stdout").status, 200)
        hits = [line for line in s.lines if "marker=stdout" in line]
        self.assertEqual(len(hits), 1, s.lines)
        self.assertEqual(self.parse_combined(hits[0])[4], "GET /hello.txt?marker=stdout HTTP/1.1")

    def test_flushed_while_running(self):
        # "flushed at least every second": the line shows up without a shutdown (bounded wait).
        with Server(self.root, self.config(self.log_path, "combined")) as s:
            self.assertEqual(get(s, "/hello.txt?marker=flush").status, 200)
            deadline = time.monotonic() + 5.0
            found = False
            while time.monotonic() < deadline and not found:
                if os.path.exists(self.log_path):
                    with open(self.log_path, "rb") as f:
                        found = b"marker=flush" in f.read()
                if not found:
                    time.sleep(0.05)
            self.assertTrue(found, "access log not flushed within 5 s")


if __name__ == "__main__":
    unittest.main()
