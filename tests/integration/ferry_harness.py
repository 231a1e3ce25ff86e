"""Runs the real ferry binary on 127.0.0.1 (port 0) for integration tests.

A test starts a server with a document root it builds itself, talks to it with raw sockets
(or curl), and stops it. The server's error log is read: lines at error or critical level make
the test fail unless the test said it expects them (nginx-tests style)."""

import atexit
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import unittest

FERRY_BIN = os.environ.get("FERRY_BIN", os.path.join(os.path.dirname(__file__), "../../build/test-gcc/ferry"))
SOURCE_DIR = os.environ.get("FERRY_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "../.."))
LISTEN_RE = re.compile(r"listening on http://(\d+\.\d+\.\d+\.\d+|\[[0-9a-fA-F:]+\]):(\d+)")
TLS_LISTEN_RE = re.compile(r"listening on https://(\d+\.\d+\.\d+\.\d+|\[[0-9a-fA-F:]+\]):(\d+)")
REDIRECT_LISTEN_RE = re.compile(r"listening on http://[^ ]*:(\d+) \(redirects to https\)")
SERVING_RE = re.compile(r"serving .* with \d+ worker")
BAD_LOG_RE = re.compile(r"\[(error|critical)\]")
START_TIMEOUT = 10.0
# A Windows build run under wine (FERRY_WINDOWS=1, set by the integration.windows.* tests).
WINDOWS = os.environ.get("FERRY_WINDOWS") == "1"
# How a test asks ferry to drain and stop: SIGTERM; on Windows SIGINT, which wine delivers as
# the console's Ctrl-C, the event a Windows ferry drains on.
STOP_SIGNAL = signal.SIGINT if WINDOWS else signal.SIGTERM

# Every temporary file and directory a test process makes through tempfile goes below one
# directory, removed when the process ends: a test that fails half-way leaves nothing in /tmp.
# World-searchable, so that a server which dropped privileges still reaches a root below it.
SESSION_TMP = tempfile.mkdtemp(prefix="ferry-it-")
os.chmod(SESSION_TMP, 0o755)
tempfile.tempdir = SESSION_TMP
atexit.register(shutil.rmtree, SESSION_TMP, True)


class Server:
    """A running ferry. Use as a context manager or call stop()."""

    def __init__(self, root, config=None, args=(), expect_errors=(), env=None, cli_listen=True):
        self.root = root
        self.workdir = tempfile.mkdtemp(prefix="ferry-test-")
        # cli_listen=False: the config's `listen` applies (and a reload may change it).
        cmd = [FERRY_BIN] + (["--listen", "127.0.0.1:0"] if cli_listen else [])
        # One worker unless the test asks for more (the flag would override the file's key).
        if "--workers" not in args and not (config and re.search(r"^workers\s*=", config, re.M)):
            cmd += ["--workers", "1"]
        if "--log-level" not in args:
            cmd += ["--log-level", "info"]
        if root is not None:
            cmd += ["--root", root]
        if config is not None:
            self.config_path = os.path.join(self.workdir, "ferry.toml")
            with open(self.config_path, "w") as f:
                f.write(config)
            cmd += ["--config", self.config_path]
        cmd += list(args)
        self.expect_errors = [re.compile(e) for e in expect_errors]
        self.lines = []
        self._lines_cond = threading.Condition()
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, env=env)
        self._reader = threading.Thread(target=self._read_output, daemon=True)
        self._reader.start()
        m = self.wait_for_line(LISTEN_RE, START_TIMEOUT)
        if m is None:
            self.proc.kill()
            raise RuntimeError("ferry did not start:\n" + "\n".join(self.lines))
        self.host = m.group(1).strip("[]")
        self.port = int(m.group(2))
        # TLS listeners are announced after the plaintext ones, before the "serving" line.
        self.tls_port = None
        self.redirect_port = None
        if self.wait_for_line(SERVING_RE, START_TIMEOUT) is not None:
            m = self.wait_for_line(TLS_LISTEN_RE, 0)
            if m is not None:
                self.tls_port = int(m.group(2))
            m = self.wait_for_line(REDIRECT_LISTEN_RE, 0)
            if m is not None:
                self.redirect_port = int(m.group(1))

    def _read_output(self):
        for raw in self.proc.stdout:
            line = raw.decode("utf-8", "replace").rstrip("\n")
            with self._lines_cond:
                self.lines.append(line)
                self._lines_cond.notify_all()

    def wait_for_line(self, pattern, timeout=5.0, start=0):
        """Waits until an output line (from index `start`) matches; returns the match or None."""
        if isinstance(pattern, str):
            pattern = re.compile(pattern)
        deadline = time.monotonic() + timeout
        with self._lines_cond:
            while True:
                for line in self.lines[start:]:
                    m = pattern.search(line)
                    if m:
                        return m
                left = deadline - time.monotonic()
                if left <= 0 or (self.proc.poll() is not None and not self._reader.is_alive()):
                    return None
                self._lines_cond.wait(min(left, 0.1))

    def connect(self, timeout=5.0):
        s = socket.create_connection((self.host, self.port), timeout=timeout)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return s

    def url(self, path="/"):
        return "http://%s:%d%s" % (self.host, self.port, path)

    def signal(self, sig):
        self.proc.send_signal(sig)

    def stop(self, sig=STOP_SIGNAL, timeout=15.0):
        """Stops the server; returns its exit code. Fails on unexpected error-log lines."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise AssertionError("ferry did not stop within %.0fs" % timeout)
        self._reader.join(5)
        self.proc.stdout.close()
        shutil.rmtree(self.workdir, ignore_errors=True)
        return self.proc.returncode

    def unexpected_errors(self):
        return [l for l in self.lines if BAD_LOG_RE.search(l)
                and not any(e.search(l) for e in self.expect_errors)]

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        code = self.stop()
        if exc[0] is None:
            bad = self.unexpected_errors()
            if bad:
                raise AssertionError("unexpected error-log lines:\n" + "\n".join(bad))
            if code != 0:
                raise AssertionError("ferry exited with %s" % code)
        return False


class Response:
    def __init__(self, status, reason, version, headers, body):
        self.status = status
        self.reason = reason
        self.version = version
        self.headers = headers  # list of (name, value), names as sent
        self.body = body

    def header(self, name, default=None):
        name = name.lower()
        for k, v in self.headers:
            if k.lower() == name:
                return v
        return default

    def header_all(self, name):
        name = name.lower()
        return [v for k, v in self.headers if k.lower() == name]

    def __repr__(self):
        return "<Response %d %r %d bytes>" % (self.status, self.headers, len(self.body))


class Reader:
    """Reads HTTP/1.x responses from a socket, keeping leftover bytes for pipelining."""

    def __init__(self, sock):
        self.sock = sock
        self.buf = b""

    def _fill(self):
        data = self.sock.recv(65536)
        if not data:
            raise ConnectionError("connection closed")
        self.buf += data

    def read_until(self, marker):
        while marker not in self.buf:
            self._fill()
        i = self.buf.index(marker) + len(marker)
        out, self.buf = self.buf[:i], self.buf[i:]
        return out

    def read_exact(self, n):
        while len(self.buf) < n:
            self._fill()
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def read_response(self, head_request=False):
        head = self.read_until(b"\r\n\r\n").decode("latin-1")
        lines = head.split("\r\n")
        version, status, reason = (lines[0].split(" ", 2) + [""])[:3]
        headers = []
        for line in lines[1:]:
            if line:
                k, v = line.split(":", 1)
                headers.append((k, v.strip()))
        resp = Response(int(status), reason, version, headers, b"")
        if head_request or resp.status in (204, 304) or 100 <= resp.status < 200:
            return resp
        te = resp.header("Transfer-Encoding")
        cl = resp.header("Content-Length")
        if te is not None and te.lower() == "chunked":
            body = b""
            while True:
                size_line = self.read_until(b"\r\n")
                size = int(size_line.split(b";")[0].strip(), 16)
                if size == 0:
                    self.read_until(b"\r\n")  # no trailers are sent
                    break
                body += self.read_exact(size)
                self.read_exact(2)
            resp.body = body
        elif cl is not None:
            resp.body = self.read_exact(int(cl))
        else:
            while True:
                try:
                    self._fill()
                except ConnectionError:
                    break
            resp.body, self.buf = self.buf, b""
        return resp

    def closed(self, timeout=5.0):
        """True when the peer closes with no further bytes (pending bytes count as not closed)."""
        if self.buf:
            return False
        self.sock.settimeout(timeout)
        try:
            data = self.sock.recv(1)
        except (ConnectionResetError, BrokenPipeError):
            return True
        except socket.timeout:
            return False
        return data == b""


def request(server, raw, head_request=False, timeout=5.0, port=None):
    """Sends raw bytes on a fresh connection (to `port`, default the server's), returns
    (response, reader)."""
    s = server.connect(timeout) if port is None else socket.create_connection((server.host, port), timeout)
    s.sendall(raw)
    r = Reader(s)
    return r.read_response(head_request=head_request), r


def get(server, path="/", headers=(), method="GET", version="HTTP/1.1", port=None):
    """A one-shot request with Connection: close; returns the Response."""
    lines = ["%s %s %s" % (method, path, version), "Host: localhost"]
    lines += ["%s: %s" % h for h in headers]
    lines += ["Connection: close", "", ""]
    resp, r = request(server, "\r\n".join(lines).encode("latin-1"), head_request=(method == "HEAD"), port=port)
    r.sock.close()
    return resp


def make_root(files):
    """Creates a temporary document root from {relative path: bytes or str}; returns its path."""
    root = tempfile.mkdtemp(prefix="ferry-root-")
    for rel, content in files.items():
        path = os.path.join(root, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        if content is None:
            os.makedirs(path, exist_ok=True)
            continue
        mode = "wb" if isinstance(content, bytes) else "w"
        with open(path, mode) as f:
            f.write(content)
    return root


class FerryTestCase(unittest.TestCase):
    """Base class: self.root from `files`, self.server started per class with `config`/`args`."""

    files = {"index.html": "<!doctype html><title>hi</title>hello\n"}
    config = None
    args = ()
    expect_errors = ()

    @classmethod
    def setUpClass(cls):
        cls.root = make_root(cls.files)
        cls.server = Server(cls.root, cls.config, cls.args, cls.expect_errors)

    @classmethod
    def tearDownClass(cls):
        code = cls.server.stop()
        shutil.rmtree(cls.root, ignore_errors=True)
        bad = cls.server.unexpected_errors()
        if bad:
            raise AssertionError("unexpected error-log lines:\n" + "\n".join(bad))
        if code != 0:
            raise AssertionError("ferry exited with %s" % code)


# ---- helpers for the static-file tests (test_paths, test_ranges, test_encodings, ...) ----

_modules_cache = None


def ferry_modules():
    """The set of modules `ferry --version` lists on its "modules: ..." line (empty if none).
    Raises when there is no such line: a run that could not ask must not skip tests quietly."""
    global _modules_cache
    if _modules_cache is None:
        proc = run_ferry(["--version"])
        lines = [l for l in proc.stdout.splitlines() if l.startswith("modules:")]
        if not lines:
            raise RuntimeError("no modules line in --version output: %r" % proc)
        _modules_cache = set(lines[0][len("modules:"):].split()) - {"none"}
    return _modules_cache


# ---- server process memory ----

def _status_kib(pid, field):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise AssertionError("no %s in /proc/%d/status" % (field, pid))


def rss_kib(pid):
    """VmRSS of the process in KiB."""
    return _status_kib(pid, "VmRSS")


def reset_peak_rss(pid):
    """Resets VmHWM to the current RSS (writes 5 to clear_refs); False where that is not allowed."""
    try:
        with open("/proc/%d/clear_refs" % pid, "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def peak_rss_kib(pid):
    """VmHWM (peak RSS since start or since reset_peak_rss) in KiB."""
    return _status_kib(pid, "VmHWM")


def metric(text, family, **labels):
    """The value of one sample in a Prometheus text exposition, or None."""
    wanted = ",".join('%s="%s"' % (k, v) for k, v in labels.items())
    series = "%s{%s}" % (family, wanted) if labels else family
    for line in text.splitlines():
        if line.startswith(series + " "):
            return float(line.split(" ")[1])
    return None


def sanitized_binary():
    """AddressSanitizer keeps freed memory in quarantine (up to 256 MiB): RSS says nothing then."""
    try:
        with open(FERRY_BIN, "rb") as f:
            return b"__asan_init" in f.read()
    except OSError:
        return False


def has_module(name):
    return name in ferry_modules()


def toml_string(text):
    """A TOML basic string for `text` (JSON string escapes are valid TOML)."""
    import json
    return json.dumps(text)


def exchange(server, requests, timeout=5.0):
    """Sends (method, path, headers) requests one after another on one keep-alive connection
    (the last with Connection: close); returns their Responses. A response carrying body bytes
    it should not (e.g. a 304 with a body) makes the next one fail to parse."""
    s = server.connect(timeout)
    r = Reader(s)
    out = []
    try:
        for i, (method, path, headers) in enumerate(requests):
            lines = ["%s %s HTTP/1.1" % (method, path), "Host: localhost"]
            lines += ["%s: %s" % h for h in headers]
            if i == len(requests) - 1:
                lines.append("Connection: close")
            s.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
            out.append(r.read_response(head_request=(method == "HEAD")))
    finally:
        s.close()
    return out


class PreparedFerryTestCase(FerryTestCase):
    """FerryTestCase with a hook to change the document root (symlinks, mtimes) before start."""

    @classmethod
    def prepare_root(cls, root):
        pass

    @classmethod
    def setUpClass(cls):
        cls.root = make_root(cls.files)
        cls.prepare_root(cls.root)
        cls.server = Server(cls.root, cls.config, cls.args, cls.expect_errors)


# --- Shared helpers for the protocol tests (added by hF; keep signatures stable) ---

# RFC 9110 section 5.6.7: IMF-fixdate, e.g. "Sun, 06 Nov 1994 08:49:37 GMT".
IMF_FIXDATE_RE = re.compile(r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} "
                            r"(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} "
                            r"\d{2}:\d{2}:\d{2} GMT$")


def send_queue_of(local_port, remote_port):
    """Bytes queued in the kernel for the loopback TCP socket local_port -> remote_port
    (tx_queue of /proc/net/tcp), or None when there is no such socket."""
    with open("/proc/net/tcp") as f:
        next(f)
        for line in f:
            fields = line.split()
            local, remote, queues = fields[1], fields[2], fields[4]
            if int(local.split(":")[1], 16) == local_port and int(remote.split(":")[1], 16) == remote_port:
                return int(queues.split(":")[0], 16)
    return None


def build_request(method="GET", target="/", version="HTTP/1.1", headers=(("Host", "localhost"),),
                  body=b""):
    """Raw request bytes: request line, headers as given (nothing added), blank line, body."""
    head = "%s %s %s\r\n" % (method, target, version)
    head += "".join("%s: %s\r\n" % h for h in headers)
    head += "\r\n"
    return head.encode("latin-1") + body


def read_all_responses(reader, heads=()):
    """Reads responses until the peer closes; `heads` holds the indexes of HEAD requests.
    A socket timeout (no EOF) propagates as socket.timeout."""
    out = []
    while True:
        if not reader.buf:
            try:
                reader._fill()
            except ConnectionError:
                return out
        out.append(reader.read_response(head_request=(len(out) in heads)))


def run_ferry(args, timeout=10.0, env=None):
    """Runs the binary to completion (e.g. --version, --check-config); returns CompletedProcess
    with text stdout/stderr. Raises subprocess.TimeoutExpired if it does not exit in time."""
    return subprocess.run([FERRY_BIN] + list(args), stdin=subprocess.DEVNULL, capture_output=True,
                          text=True, timeout=timeout, env=env)


def assert_error_response(tc, resp, status):
    """Checks the contract for generated errors: status, text/plain body "<code> <reason>\\n"."""
    tc.assertEqual(resp.status, status, resp)
    tc.assertEqual(resp.header("Content-Type"), "text/plain; charset=utf-8", resp)
    tc.assertEqual(resp.body, ("%d %s\n" % (status, resp.reason)).encode("latin-1"), resp)
    tc.assertEqual(resp.header("Content-Length"), str(len(resp.body)), resp)


def request_once(server, raw, head_request=False, timeout=5.0):
    """Sends raw bytes on a fresh connection, reads one response, closes; returns it."""
    resp, r = request(server, raw, head_request=head_request, timeout=timeout)
    r.sock.close()
    return resp
