"""A throwaway redis-server for the integration tests: 127.0.0.1 on a free port, no persistence,
its own temporary directory; stopped, paused (SIGSTOP), resumed, killed and restarted on the same
port on request. `command()` is a minimal RESP client (plain TCP or TLS) to look at or prepare
its data. Everything is bounded in time."""

import os
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import threading
import time

REDIS_BIN = os.environ.get("REDIS_SERVER", "/usr/bin/redis-server")
READY_TIMEOUT = 10.0


def available():
    return os.access(REDIS_BIN, os.X_OK)


def free_port():
    """A port the kernel just handed out and released (redis-server cannot take port 0)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RedisServer:
    """redis-server on 127.0.0.1. `password`: --requirepass. `tls`: dict with cert, key, ca
    (and optional auth_clients "yes"/"no"/"optional"); the port is then a TLS port only."""

    def __init__(self, password=None, tls=None, port=None, extra_args=()):
        self.password = password
        self.tls = tls
        self.extra_args = list(extra_args)
        self.dir = tempfile.mkdtemp(prefix="ferry-redis-")
        self.proc = None
        self.paused = False
        self.lines = []
        self._fixed_port = port is not None
        self.port = port
        self.start()

    # ---- process control ----

    def _command_line(self):
        cmd = [REDIS_BIN, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", self.dir,
               "--daemonize", "no", "--logfile", "", "--loglevel", "notice", "--databases", "4"]
        if self.tls is None:
            cmd += ["--port", str(self.port)]
        else:
            cmd += ["--port", "0", "--tls-port", str(self.port), "--tls-cert-file", self.tls["cert"],
                    "--tls-key-file", self.tls["key"], "--tls-ca-cert-file", self.tls["ca"],
                    "--tls-auth-clients", self.tls.get("auth_clients", "no")]
        if self.password is not None:
            cmd += ["--requirepass", self.password]
        return cmd + self.extra_args

    def start(self):
        """Starts redis-server (again, on the same port after kill()); retries on a port taken
        meanwhile when the port was picked here."""
        assert self.proc is None or self.proc.poll() is not None, "redis-server already running"
        same_port = self._fixed_port or self.proc is not None
        for _ in range(10):
            if self.port is None:
                self.port = free_port()
            if self._spawn():
                return
            if same_port:
                time.sleep(0.2)  # wait for the port rather than move
            else:
                self.port = None  # taken meanwhile: another one
        raise RuntimeError("redis-server did not start on port %s:\n%s" % (self.port, "\n".join(self.lines[-20:])))

    def _spawn(self):
        self.lines = []
        ready = threading.Event()
        proc = subprocess.Popen(self._command_line(), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT)

        def read():
            for raw in proc.stdout:
                line = raw.decode("utf-8", "replace").rstrip("\n")
                self.lines.append(line)
                if "Ready to accept connections" in line:
                    ready.set()
            ready.set()  # exited

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        ready.wait(READY_TIMEOUT)
        if proc.poll() is None and any("Ready to accept connections" in l for l in self.lines):
            self.proc = proc
            self._reader = reader
            self.paused = False
            return True
        if proc.poll() is None:
            proc.kill()
        proc.wait(5)
        reader.join(2)
        return False

    def pause(self):
        """SIGSTOP: connections stay open, nothing is answered (the kernel still accepts)."""
        self.proc.send_signal(signal.SIGSTOP)
        self.paused = True

    def resume(self):
        self.proc.send_signal(signal.SIGCONT)
        self.paused = False

    def kill(self):
        """SIGKILL, as a crash: every connection is reset; the data is gone."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
        self._close_output()
        self.paused = False

    def _close_output(self):
        if self.proc is not None and not self.proc.stdout.closed:
            self._reader.join(2)
            self.proc.stdout.close()

    def restart(self):
        """A new redis-server on the same port (empty)."""
        self.kill()
        self.start()

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            if self.paused:
                self.resume()
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self._close_output()
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
        return False

    # ---- a minimal RESP client ----

    def command(self, *args, timeout=5.0, password=None, client_cert=None, db=0):
        """Runs one command on a fresh connection (AUTH first when the server has a password,
        SELECT when `db` is not 0); returns the reply: int, bytes, list, None; an error reply
        raises RedisError."""
        raw = socket.create_connection(("127.0.0.1", self.port), timeout=timeout)
        sock = raw
        try:
            if self.tls is not None:
                ctx = ssl.create_default_context(cafile=self.tls["ca"])
                ctx.check_hostname = False
                cert = client_cert or self.tls.get("client")
                if cert is not None:
                    ctx.load_cert_chain(*cert)
                sock = ctx.wrap_socket(raw, server_hostname="localhost")
            reader = _RespReader(sock)
            password = password if password is not None else self.password
            if password is not None:
                sock.sendall(encode_command("AUTH", password))
                reader.reply()
            if db:
                sock.sendall(encode_command("SELECT", db))
                reader.reply()
            sock.sendall(encode_command(*args))
            return reader.reply()
        finally:
            sock.close()

    def keys(self, pattern, db=0):
        """Every key matching `pattern` (SCAN, so a big database is not blocked)."""
        cursor, out = b"0", []
        while True:
            cursor, batch = self.command("SCAN", cursor, "MATCH", pattern, "COUNT", "1000", db=db)
            out += batch
            if cursor == b"0":
                return sorted(out)


class RedisError(Exception):
    pass


def encode_command(*args):
    parts = [b"*%d\r\n" % len(args)]
    for a in args:
        b = a if isinstance(a, bytes) else str(a).encode()
        parts.append(b"$%d\r\n%s\r\n" % (len(b), b))
    return b"".join(parts)


class _RespReader:
    def __init__(self, sock):
        self.sock = sock
        self.buf = b""

    def _line(self):
        while b"\r\n" not in self.buf:
            data = self.sock.recv(65536)
            if not data:
                raise ConnectionError("redis closed the connection")
            self.buf += data
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def _exact(self, n):
        while len(self.buf) < n + 2:
            data = self.sock.recv(65536)
            if not data:
                raise ConnectionError("redis closed the connection")
            self.buf += data
        out, self.buf = self.buf[:n], self.buf[n + 2:]
        return out

    def reply(self):
        line = self._line()
        kind, rest = line[:1], line[1:]
        if kind == b"+":
            return rest
        if kind == b"-":
            raise RedisError(rest.decode("utf-8", "replace"))
        if kind == b":":
            return int(rest)
        if kind == b"$":
            n = int(rest)
            return None if n < 0 else self._exact(n)
        if kind == b"*":
            n = int(rest)
            return None if n < 0 else [self.reply() for _ in range(n)]
        raise RedisError("unexpected reply %r" % line)
