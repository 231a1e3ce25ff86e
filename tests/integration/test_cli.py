"""Command line: --version, --check-config (good, bad with file:line and exit 2, unknown keys),
the shipped config/ferry.toml, flags overriding the config file, --listen with port 0, exit
codes for a bad config (2) and an address in use (1), the error-log line format."""

import json
import os
import re
import shutil
import socket
import tempfile
import unittest

from ferry_harness import (LISTEN_RE, SOURCE_DIR, Reader, Server, ferry_modules, get, has_module, make_root,
                           run_ferry)

MODULE_NAMES = ("tls", "http2", "compression", "auth", "rate_limit", "metrics")
LOG_LINE_RE = re.compile(r"^\[\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3}\] \[info\] "
                         r"listening on http://127\.0\.0\.1:(\d+)$")


def line_of(text, needle):
    """1-based line number of the first line containing `needle`."""
    for i, line in enumerate(text.split("\n"), 1):
        if needle in line:
            return i
    raise AssertionError("%r not in config text" % needle)


class CliTest(unittest.TestCase):

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="ferry-cli-")
        self.root = make_root({"index.html": "<p>cli</p>\n"})

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)
        shutil.rmtree(self.root, ignore_errors=True)

    def write_config(self, text, name="ferry.toml"):
        path = os.path.join(self.tmp, name)
        with open(path, "w") as f:
            f.write(text)
        return path

    def check(self, text, *extra):
        path = self.write_config(text)
        return path, run_ferry(["--config", path, "--check-config"] + list(extra))

    def assert_reported(self, proc, path, line, *words):
        """Exit 2 and a stderr line "path:line: ..." mentioning each of `words`."""
        self.assertEqual(proc.returncode, 2, proc)
        prefix = "%s:%d: " % (path, line)
        lines = [l for l in proc.stderr.splitlines() if l.startswith(prefix) and len(l) > len(prefix)]
        self.assertTrue(lines, "no %r line in stderr:\n%s" % (prefix, proc.stderr))
        for w in words:
            self.assertTrue(any(w in l for l in lines), "%r not in %r" % (w, lines))

    # --- --version ---

    def test_version(self):
        proc = run_ferry(["--version"])
        self.assertEqual(proc.returncode, 0, proc)
        lines = proc.stdout.splitlines()
        self.assertEqual(lines[0], "ferry 0.1.0")
        mods = [l for l in lines if l.startswith("modules: ")]
        self.assertEqual(len(mods), 1, proc.stdout)
        self.assertRegex(mods[0], r"^modules: (none|[a-z0-9_]+( [a-z0-9_]+)*)$")
        for name in mods[0][len("modules: "):].split():
            self.assertIn(name, MODULE_NAMES + ("none",))
        self.assertNotIn("listening on", proc.stdout + proc.stderr)

    # --- --check-config ---

    def test_check_config_good(self):
        text = ('# a small valid config\nroot = "%s"\nworkers = 2\nserver_header = "x"\n'
                'listen = ["127.0.0.1:0"]\n\n[limits]\nmax_request_head = "16KiB"\nmax_body_size = 1048576\n'
                'max_header_count = 50\n\n[timeouts]\nidle = "500ms"\nrequest_head = "2s"\n\n'
                '[log]\nlevel = "info"\n' % self.root)
        path, proc = self.check(text)
        self.assertEqual(proc.returncode, 0, proc)
        self.assertIn("configuration ok", proc.stdout)
        self.assertNotIn("listening on", proc.stdout + proc.stderr)

    def test_check_config_wrong_type_reports_file_and_line(self):
        text = '# comment\nroot = "%s"\nworkers = "many"\n' % self.root
        path, proc = self.check(text)
        self.assert_reported(proc, path, 3, "workers")

    def test_check_config_unknown_top_level_key(self):
        text = 'root = "%s"\n\ncolour = "blue"\n' % self.root
        path, proc = self.check(text)
        self.assert_reported(proc, path, 3, "colour")

    def test_check_config_unknown_key_in_table(self):
        text = 'root = "%s"\n[limits]\nmax_body_size = 10\nmax_banana = 5\n' % self.root
        path, proc = self.check(text)
        self.assert_reported(proc, path, 4, "max_banana")

    def test_check_config_unknown_table(self):
        text = 'root = "%s"\n\n[frobnicate]\nx = 1\n' % self.root
        path, proc = self.check(text)
        self.assertEqual(proc.returncode, 2, proc)
        self.assertIn("frobnicate", proc.stderr)
        self.assertRegex(proc.stderr, re.escape(path) + r":[34]: ")

    def test_check_config_bad_duration_and_size(self):
        text = ('root = "%s"\n[timeouts]\nidle = "soon"\n[limits]\nmax_body_size = "lots"\n' % self.root)
        path, proc = self.check(text)
        self.assert_reported(proc, path, 3, "idle")
        self.assert_reported(proc, path, 5, "max_body_size")

    def test_check_config_reports_every_problem(self):
        text = 'root = "%s"\nworkers = -3\nbogus_one = 1\n[limits]\nbogus_two = 2\n' % self.root
        path, proc = self.check(text)
        self.assert_reported(proc, path, 2, "workers")
        self.assert_reported(proc, path, 3, "bogus_one")
        self.assert_reported(proc, path, 5, "bogus_two")

    def test_check_config_toml_syntax_error(self):
        text = 'root = "%s"\nworkers = \nserver_header = "x"\n' % self.root
        path, proc = self.check(text)
        self.assert_reported(proc, path, 2)

    def test_check_config_table_of_missing_module(self):
        missing = [m for m in MODULE_NAMES if m not in ferry_modules()]
        if not missing:
            self.skipTest("every module is compiled in")
        text = 'root = "%s"\n\n[%s]\n' % (self.root, missing[0])
        path, proc = self.check(text)
        self.assertEqual(proc.returncode, 2, proc)
        self.assertIn(missing[0], proc.stderr)
        self.assertIn("not compiled", proc.stderr)

    def test_check_config_missing_root(self):
        path, proc = self.check('root = "%s"\n' % os.path.join(self.tmp, "does-not-exist"))
        self.assertEqual(proc.returncode, 2, proc)
        self.assertNotIn("configuration ok", proc.stdout)

    def test_check_config_missing_root_from_flag(self):
        path, proc = self.check('root = "%s"\n' % self.root, "--root", os.path.join(self.tmp, "nope"))
        self.assertEqual(proc.returncode, 2, proc)

    def test_check_config_missing_file(self):
        proc = run_ferry(["--config", os.path.join(self.tmp, "absent.toml"), "--check-config"])
        self.assertEqual(proc.returncode, 2, proc)
        self.assertIn("absent.toml", proc.stderr)

    def test_shipped_config_passes_check(self):
        shipped = os.path.join(SOURCE_DIR, "config", "ferry.toml")
        self.assertTrue(os.path.isfile(shipped), "config/ferry.toml is missing")
        # --root: the shipped root (a deployment path) need not exist on this machine.
        proc = run_ferry(["--config", shipped, "--root", self.root, "--check-config"])
        if not has_module("compression"):
            # The example documents [compression]; a binary without the module must refuse
            # the table rather than ignore it.
            self.assertEqual(proc.returncode, 2, proc)
            self.assertRegex(proc.stderr, r"ferry\.toml:\d+: module 'compression' is not compiled into this binary")
            return
        self.assertEqual(proc.returncode, 0, proc)
        self.assertIn("configuration ok", proc.stdout)

    # --- start-up exit codes ---

    def test_bad_config_at_start_exits_2(self):
        text = 'root = "%s"\nlisten = ["127.0.0.1:0"]\nworkers = "x"\n' % self.root
        path = self.write_config(text)
        proc = run_ferry(["--config", path])
        self.assertEqual(proc.returncode, 2, proc)
        self.assertIn("%s:3: " % path, proc.stderr)

    def test_unknown_key_at_start_exits_2(self):
        path = self.write_config('root = "%s"\nlisten = ["127.0.0.1:0"]\nnot_a_key = 1\n' % self.root)
        proc = run_ferry(["--config", path])
        self.assertEqual(proc.returncode, 2, proc)
        self.assertIn("%s:3: " % path, proc.stderr)

    def test_address_in_use_exits_1(self):
        busy = socket.socket()
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        try:
            port = busy.getsockname()[1]
            proc = run_ferry(["--root", self.root, "--listen", "127.0.0.1:%d" % port, "--workers", "1"])
            self.assertEqual(proc.returncode, 1, proc)
        finally:
            busy.close()

    def test_unknown_flag_fails(self):
        proc = run_ferry(["--root", self.root, "--listen", "127.0.0.1:0", "--no-such-flag"])
        self.assertNotEqual(proc.returncode, 0, proc)
        self.assertNotIn("listening on", proc.stdout + proc.stderr)

    # --- running servers ---

    def test_connections_are_spread_over_the_workers(self):
        """Every worker serves connections: each has its own SO_REUSEPORT socket on Linux; where
        one port is not balanced over several sockets (Windows), the first worker accepts and
        hands the connections to all of them in turn. A bad request's debug line names the
        thread that read it."""
        config = '[log]\nerror_format = "json"\n'
        with Server(self.root, config, args=["--workers", "3", "--log-level", "debug"]) as srv:
            for _ in range(30):
                with srv.connect() as s:
                    s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nno colon here\r\n\r\n")
                    self.assertEqual(Reader(s).read_response().status, 400)
            self.assertIsNotNone(srv.wait_for_line(re.compile(r"bad request"), 5))
            threads = {json.loads(line)["thread"] for line in srv.lines if "bad request" in line}
            self.assertGreaterEqual(len(threads), 2, srv.lines)
            self.assertLessEqual(len(threads), 3)
            self.assertEqual(get(srv, "/").status, 200)

    def test_listen_port_zero_logs_real_port(self):
        with Server(self.root) as srv:
            self.assertNotEqual(srv.port, 0)
            self.assertEqual(srv.host, "127.0.0.1")
            line = next(l for l in srv.lines if LISTEN_RE.search(l))
            m = LOG_LINE_RE.match(line)
            self.assertIsNotNone(m, "log line format: %r" % line)
            self.assertEqual(int(m.group(1)), srv.port)
            resp = get(srv, "/")
            self.assertEqual(resp.status, 200)
            self.assertEqual(resp.body, b"<p>cli</p>\n")

    def test_two_listeners(self):
        # A second, fixed port (free a moment ago) next to the harness's port-0 listener.
        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        fixed = probe.getsockname()[1]
        probe.close()
        with Server(self.root, args=["--listen", "127.0.0.1:%d" % fixed]) as srv:
            first = next(i for i, l in enumerate(srv.lines) if LISTEN_RE.search(l))
            m = srv.wait_for_line(LISTEN_RE, 5, start=first + 1)
            self.assertIsNotNone(m, "second listener not logged")
            second_port = int(m.group(2))
            self.assertIn(fixed, (srv.port, second_port))
            self.assertNotEqual(second_port, srv.port)
            for port in (srv.port, second_port):
                with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
                    s.sendall(b"GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
                    data = b""
                    while True:
                        chunk = s.recv(65536)
                        if not chunk:
                            break
                        data += chunk
                self.assertTrue(data.startswith(b"HTTP/1.1 200 "), data[:100])
                self.assertTrue(data.endswith(b"<p>cli</p>\n"))

    def test_flags_override_config(self):
        busy = socket.socket()
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        try:
            config = ('root = "%s"\nworkers = 4\nserver_header = "from-config"\nlisten = ["127.0.0.1:%d"]\n'
                      '[log]\nlevel = "error"\n' % (os.path.join(self.tmp, "no-such-root"), busy.getsockname()[1]))
            # The harness adds --listen 127.0.0.1:0 --workers 1 --log-level info --root ROOT: the
            # server only starts (and logs its info line) if each flag replaced the file's value.
            with Server(self.root, config) as srv:
                self.assertNotEqual(srv.port, busy.getsockname()[1])
                self.assertEqual(len([l for l in srv.lines if LISTEN_RE.search(l)]), 1, srv.lines)
                resp = get(srv, "/")
                self.assertEqual(resp.status, 200)
                self.assertEqual(resp.body, b"<p>cli</p>\n")
                self.assertEqual(resp.header("Server"), "from-config")  # not overridden
        finally:
            busy.close()


if __name__ == "__main__":
    unittest.main()
