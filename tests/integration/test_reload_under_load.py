"""SIGHUP under load: ten reloads while clients keep requesting over keep-alive connections,
fresh connections and (with the http2 module) one h2c connection. Not one request may fail or be
refused, open connections are never dropped, and every connection moves on to the new
configuration (a header rule's value names the generation)."""

import os
import re
import shutil
import signal
import socket
import threading
import time
import unittest

from ferry_harness import Reader, Server, build_request, has_module, make_root

RELOADS = 10
RELOAD_INTERVAL = 0.15
MAX_SECONDS = 20  # the whole run stops by itself


def config_for(generation):
    return '[[headers]]\npath = "/**"\nset = { X-Generation = "%d" }\n' % generation


class Load:
    """Client threads that record every generation they see and every failure."""

    def __init__(self, server):
        self.server = server
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.failures = []
        self.seen = {}  # client name -> generations in the order received

    def record(self, name, generation):
        with self.lock:
            self.seen.setdefault(name, []).append(generation)

    def fail(self, name, what):
        with self.lock:
            self.failures.append("%s: %s" % (name, what))

    def keep_alive_client(self, name):
        try:
            with socket.create_connection((self.server.host, self.server.port), timeout=5) as s:
                reader = Reader(s)
                while not self.stop.is_set():
                    s.sendall(build_request("GET", "/a.txt"))
                    resp = reader.read_response()
                    if resp.status != 200 or resp.header("connection") == "close":
                        self.fail(name, "status %s, connection %s" % (resp.status, resp.header("connection")))
                        return
                    self.record(name, int(resp.header("x-generation")))
        except OSError as e:
            self.fail(name, repr(e))

    def fresh_connection_client(self, name):
        while not self.stop.is_set():
            try:
                with socket.create_connection((self.server.host, self.server.port), timeout=5) as s:
                    s.sendall(build_request("GET", "/a.txt", headers=[("Host", "localhost"), ("Connection", "close")]))
                    resp = Reader(s).read_response()
                    if resp.status != 200:
                        self.fail(name, "status %s" % resp.status)
                        return
                    self.record(name, int(resp.header("x-generation")))
            except OSError as e:
                self.fail(name, repr(e))
                return

    def h2c_client(self, name):
        from protocol_clients import h2_exchange, open_h2
        try:
            sock, conn = open_h2(self.server, "h2c")
            with sock:
                while not self.stop.is_set():
                    resp = h2_exchange(sock, conn, [("GET", "/a.txt", [])])[0]
                    if resp.status != 200:
                        self.fail(name, "status %s" % resp.status)
                        return
                    self.record(name, int(resp.header("x-generation")))
        except (OSError, ConnectionError) as e:
            self.fail(name, repr(e))


class ReloadUnderLoadTest(unittest.TestCase):
    def setUp(self):
        self.root = make_root({"a.txt": "alpha\n"})
        self.server = Server(self.root, config_for(0))

    def tearDown(self):
        self.server.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    def test_ten_reloads_drop_nothing(self):
        load = Load(self.server)
        clients = [("keep-alive-1", load.keep_alive_client), ("keep-alive-2", load.keep_alive_client),
                   ("fresh", load.fresh_connection_client)]
        if has_module("http2"):
            clients.append(("h2c", load.h2c_client))
        threads = [threading.Thread(target=fn, args=(name,), daemon=True) for name, fn in clients]
        for t in threads:
            t.start()
        deadline = time.monotonic() + MAX_SECONDS
        reloaded = re.compile(r"configuration reloaded")
        try:
            for generation in range(1, RELOADS + 1):
                time.sleep(RELOAD_INTERVAL)
                with open(self.server.config_path, "w") as f:
                    f.write(config_for(generation))
                start = len(self.server.lines)
                self.server.signal(signal.SIGHUP)
                self.assertIsNotNone(self.server.wait_for_line(reloaded, 5, start), "reload %d" % generation)
            # Every client must see the last generation before the run ends.
            while time.monotonic() < deadline:
                with load.lock:
                    done = all(load.seen.get(name, [None])[-1] == RELOADS for name, _ in clients)
                if done or load.failures:
                    break
                time.sleep(0.05)
        finally:
            load.stop.set()
            for t in threads:
                t.join(10)
        self.assertEqual(load.failures, [])
        for name, _ in clients:
            with self.subTest(client=name):
                seen = load.seen.get(name, [])
                self.assertGreater(len(seen), RELOADS, "too few requests to overlap the reloads")
                self.assertEqual(seen, sorted(seen), "a connection went back to an older configuration")
                self.assertEqual(seen[-1], RELOADS)
        self.assertEqual(self.server.proc.poll(), None)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def listen_config(ports, generation):
    addresses = ", ".join('"127.0.0.1:%d"' % p for p in ports)
    return "listen = [%s]\n%s" % (addresses, config_for(generation))


class ListenersOnReloadTest(unittest.TestCase):
    """A reload opens the listeners the new configuration adds and closes those it drops;
    connections accepted on a dropped listener carry on; a listener that cannot be bound fails
    the whole reload."""

    def setUp(self):
        self.root = make_root({"a.txt": "alpha\n"})
        self.server = Server(self.root, listen_config([0], 0), cli_listen=False,
                             expect_errors=[r"reload failed"])

    def tearDown(self):
        self.server.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    def reload(self, text, expect):
        start = len(self.server.lines)
        with open(self.server.config_path, "w") as f:
            f.write(text)
        self.server.signal(signal.SIGHUP)
        self.assertIsNotNone(self.server.wait_for_line(re.compile(expect), 5, start), expect)

    def get(self, port, sock=None):
        if sock is None:
            with socket.create_connection((self.server.host, port), timeout=5) as s:
                return self.get(port, s)
        sock.sendall(build_request("GET", "/a.txt"))
        resp = Reader(sock).read_response()
        self.assertEqual(resp.status, 200)
        return int(resp.header("x-generation"))

    def test_listeners_follow_the_configuration(self):
        first = self.server.port
        added = free_port()
        # "127.0.0.1:0" is the same listener in both files: it keeps its port.
        self.reload(listen_config([0, added], 1), r"listening on http://127\.0\.0\.1:%d" % added)
        self.assertEqual(self.get(added), 1)
        self.assertEqual(self.get(first), 1)

        with socket.create_connection((self.server.host, added), timeout=5) as kept:
            self.assertEqual(self.get(added, kept), 1)
            self.reload(listen_config([0], 2), r"stopped listening on http://127\.0\.0\.1:%d" % added)
            self.wait_refused(added)
            self.assertEqual(self.get(added, kept), 2)  # accepted before: still served
        self.assertEqual(self.get(first), 2)

    def test_an_address_that_cannot_be_bound_fails_the_reload(self):
        with socket.socket() as taken:  # no SO_REUSEPORT: ferry cannot share it
            taken.bind(("127.0.0.1", 0))
            taken.listen()
            port = taken.getsockname()[1]
            self.reload(listen_config([0, port], 1), r"reload failed")
        self.assertEqual(self.get(self.server.port), 0)  # the old configuration, whole

    def wait_refused(self, port):
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            try:
                socket.create_connection((self.server.host, port), timeout=1).close()
            except ConnectionRefusedError:
                return
            except ConnectionResetError:
                pass  # queued on the listener as it closed: try again, it must come to refusing
            time.sleep(0.05)
        self.fail("port %d still accepts connections" % port)


if __name__ == "__main__":
    unittest.main()
