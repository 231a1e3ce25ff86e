"""systemd integration: the unit files pass `systemd-analyze verify`; sd_notify messages
(READY=1, RELOADING=1 + READY=1 around SIGHUP, STOPPING=1) reach a NOTIFY_SOCKET the test binds;
socket activation through `systemd-socket-activate` (unmatched sockets, sockets matching a
`listen` entry, an "https" socket served with TLS, malformed LISTEN_* variables); and dropping
root to `user`/`group` (only when the tests run as root)."""

import os
import re
import shutil
import signal
import socket
import ssl
import stat
import subprocess
import tempfile
import threading
import time
import unittest

import ferry_harness
from ferry_harness import LISTEN_RE, Reader, Server, build_request, get, has_module, make_root, run_ferry, toml_string

SOCKET_ACTIVATE = shutil.which("systemd-socket-activate")
SYSTEMD_ANALYZE = shutil.which("systemd-analyze")
SETPRIV = shutil.which("setpriv")
CONFIG_DIR = os.path.join(ferry_harness.SOURCE_DIR, "config")
INSTALLED_BIN = "/usr/local/bin/ferry"
FILES = {"index.html": "<p>activated</p>\n", "a.txt": "alpha\n"}


def ferry_bin():
    return os.path.abspath(ferry_harness.FERRY_BIN)


def free_port():
    """A port that was free a moment ago (the caller retries if it is taken meanwhile)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def world_readable(root):
    """make_root's directory is 0700: let an unprivileged ferry read it."""
    for base, dirs, files in os.walk(root):
        os.chmod(base, 0o755)
        for name in files:
            os.chmod(os.path.join(base, name), 0o644)


class NotifyReceiver:
    """A datagram socket standing in for systemd's $NOTIFY_SOCKET (a path, or "@name")."""

    def __init__(self, abstract=False):
        self.dir = tempfile.mkdtemp(prefix="ferry-notify-")
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        if abstract:
            name = "ferry-test-notify-%d-%d" % (os.getpid(), time.monotonic_ns())
            self.sock.bind("\0" + name)
            self.address = "@" + name
        else:
            self.address = os.path.join(self.dir, "notify")
            self.sock.bind(self.address)

    def next(self, timeout=10.0):
        """The next message as a dict of its assignments (None after `timeout`)."""
        self.sock.settimeout(timeout)
        try:
            data = self.sock.recv(65536)
        except socket.timeout:
            return None
        fields = {}
        for line in data.decode("utf-8").split("\n"):
            if line:
                key, _, value = line.partition("=")
                fields[key] = value
        return fields

    def nothing_pending(self):
        self.sock.settimeout(0.2)
        try:
            self.sock.recv(65536)
            return False
        except socket.timeout:
            return True

    def close(self):
        self.sock.close()
        shutil.rmtree(self.dir, ignore_errors=True)


def monotonic_usec():
    return time.clock_gettime_ns(time.CLOCK_MONOTONIC) // 1000


# ---------------------------------------------------------------------------------------------

@unittest.skipIf(SYSTEMD_ANALYZE is None, "systemd-analyze is not installed")
class UnitFilesTest(unittest.TestCase):
    """`systemd-analyze verify` checks that ExecStart's binary exists, and /usr/local/bin/ferry
    is not installed here: the units are verified as copies whose /usr/local/bin/ferry is
    rewritten to the binary under test (what `cmake --install` also does for another prefix).
    Documentation=man:ferry(8) is resolved against docs/ferry.8."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="ferry-units-")
        self.units = sorted(n for n in os.listdir(CONFIG_DIR) if n.endswith((".service", ".socket")))
        self.manpath = os.path.join(self.tmp, "man")
        man_page = os.path.join(ferry_harness.SOURCE_DIR, "docs", "ferry.8")
        if os.path.exists(man_page):
            os.makedirs(os.path.join(self.manpath, "man8"))
            shutil.copy(man_page, os.path.join(self.manpath, "man8", "ferry.8"))

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def read(self, name):
        with open(os.path.join(CONFIG_DIR, name)) as f:
            return f.read()

    def copy_units(self, directory, edit=lambda name, text: text):
        os.makedirs(directory, exist_ok=True)
        paths = []
        for name in self.units:
            text = self.read(name).replace(INSTALLED_BIN, ferry_bin())
            path = os.path.join(directory, name)
            with open(path, "w") as f:
                f.write(edit(name, text))
            paths.append(path)
        return paths

    def verify(self, paths):
        """Runs the check; returns (exit code, diagnostics that concern these units)."""
        env = dict(os.environ, MANPATH=self.manpath, SYSTEMD_LOG_COLOR="0")
        args = [SYSTEMD_ANALYZE, "verify"]
        if not os.path.isdir(self.manpath):
            args.append("--man=no")
        out = subprocess.run(args + paths, capture_output=True, text=True, timeout=60, env=env, cwd=self.tmp)
        names = tuple(os.path.basename(p) for p in paths)
        lines = [l for l in (out.stdout + out.stderr).splitlines() if any(n in l for n in names)]
        return out.returncode, lines

    def test_units_verify_cleanly(self):
        self.assertIn("ferry.service", self.units)
        self.assertIn("ferry.socket", self.units)
        code, lines = self.verify(self.copy_units(os.path.join(self.tmp, "ok")))
        self.assertEqual((code, lines), (0, []))

    def test_the_check_sees_mistakes(self):
        """An unknown key is only a warning to systemd, so diagnostics count as failures too."""
        def misspell(name, text):
            return text.replace("LockPersonality=", "LockPersonalty=") if name == "ferry.service" else text
        code, lines = self.verify(self.copy_units(os.path.join(self.tmp, "bad"), misspell))
        self.assertTrue(any("LockPersonalty" in l for l in lines), lines)
        code, lines = self.verify(self.copy_units(os.path.join(self.tmp, "nobin"),
                                                  lambda n, t: t.replace(ferry_bin(), "/nonexistent/ferry")))
        self.assertNotEqual((code, lines), (0, []))

    def test_service_contents(self):
        text = self.read("ferry.service")
        for line in ["Type=notify", "NotifyAccess=main",
                     "ExecStart=/usr/local/bin/ferry --config /etc/ferry/ferry.toml",
                     "ExecReload=/bin/kill -HUP $MAINPID", "KillSignal=SIGTERM", "Restart=on-failure",
                     "RestartPreventExitStatus=2", "DynamicUser=yes", "ProtectSystem=strict",
                     "NoNewPrivileges=yes", "CapabilityBoundingSet=CAP_NET_BIND_SERVICE",
                     "AmbientCapabilities=CAP_NET_BIND_SERVICE", "LimitNOFILE=1048576"]:
            self.assertIn("\n" + line + "\n", text)
        # The stop timeout outlasts ferry's default shutdown_grace (10 s).
        m = re.search(r"\nTimeoutStopSec=(\d+)s\n", text)
        self.assertIsNotNone(m)
        self.assertGreater(int(m.group(1)), 10)

    def test_socket_addresses_are_what_ferry_binds(self):
        text = self.read("ferry.socket")
        streams = re.findall(r"^ListenStream=(.*)$", text, re.M)
        self.assertEqual(streams, ["0.0.0.0:80", "[::]:80"])
        self.assertIn("\nBindIPv6Only=ipv6-only\n", text)  # ferry binds IPv6 sockets IPv6-only
        self.assertIn("\nService=ferry.service\n", text)
        self.assertIn("\nFileDescriptorName=http\n", text)


# ---------------------------------------------------------------------------------------------

class NotifyTest(unittest.TestCase):

    def setUp(self):
        self.root = make_root(FILES)
        self.receiver = NotifyReceiver()
        self.servers = []

    def tearDown(self):
        for srv in self.servers:
            if srv.proc.poll() is None:
                srv.proc.kill()
            srv.stop()
        self.receiver.close()
        shutil.rmtree(self.root, ignore_errors=True)

    def start(self, notify_socket, config="", expect_errors=()):
        env = dict(os.environ, NOTIFY_SOCKET=notify_socket)
        srv = Server(self.root, 'root = "%s"\n%s' % (self.root, config), env=env, expect_errors=expect_errors)
        self.servers.append(srv)
        return srv

    def expect(self, key, receiver=None):
        msg = (receiver or self.receiver).next()
        self.assertIsNotNone(msg, "no %s message" % key)
        self.assertEqual(msg.get(key), "1", msg)
        return msg

    def test_ready_reload_and_stopping(self):
        srv = self.start(self.receiver.address)
        ready = self.expect("READY")
        self.assertEqual(ready.get("MAINPID"), str(srv.proc.pid))
        self.assertIn("serving %s on http://127.0.0.1:%d" % (self.root, srv.port), ready.get("STATUS", ""))
        self.assertEqual(get(srv, "/a.txt").body, b"alpha\n")  # ready means serving

        before = monotonic_usec()
        srv.signal(signal.SIGHUP)
        reloading = self.expect("RELOADING")
        after = monotonic_usec()
        self.assertTrue(before <= int(reloading["MONOTONIC_USEC"]) <= after, (before, reloading, after))
        ready = self.expect("READY")
        self.assertIn("serving", ready.get("STATUS", ""))
        self.assertIsNotNone(srv.wait_for_line("configuration reloaded"))

        self.assertEqual(srv.stop(), 0)
        stopping = self.expect("STOPPING")
        self.assertIn("in-flight", stopping.get("STATUS", ""))
        self.assertEqual(srv.unexpected_errors(), [])

    def test_failed_reload_still_ends_with_ready(self):
        srv = self.start(self.receiver.address, expect_errors=[r"reload failed"])
        self.expect("READY")
        with open(srv.config_path, "w") as f:
            f.write("workers = \"many\"\n")
        srv.signal(signal.SIGHUP)
        self.expect("RELOADING")
        ready = self.expect("READY")
        self.assertIn("reload failed", ready.get("STATUS", ""))
        self.assertEqual(get(srv).status, 200)
        self.assertEqual(srv.stop(), 0)
        self.expect("STOPPING")

    def test_abstract_socket_and_sigquit(self):
        receiver = NotifyReceiver(abstract=True)
        try:
            srv = self.start(receiver.address)
            self.expect("READY", receiver)
            self.assertEqual(srv.stop(signal.SIGQUIT), 0)
            self.expect("STOPPING", receiver)
        finally:
            receiver.close()

    def test_one_ready_per_start(self):
        srv = self.start(self.receiver.address)
        self.expect("READY")
        self.assertTrue(self.receiver.nothing_pending())
        self.assertEqual(srv.stop(), 0)

    def test_a_broken_notify_socket_does_not_stop_ferry(self):
        srv = self.start("/nonexistent-ferry-dir/notify")
        self.assertIsNotNone(srv.wait_for_line(r"\[warning\] NOTIFY_SOCKET=/nonexistent-ferry-dir/notify"))
        self.assertEqual(get(srv).status, 200)
        srv.signal(signal.SIGHUP)
        self.assertIsNotNone(srv.wait_for_line("configuration reloaded"))
        self.assertEqual(get(srv).status, 200)
        self.assertEqual(srv.stop(), 0)
        # Said once, not on every message.
        self.assertEqual(len([l for l in srv.lines if "[warning]" in l and "notify" in l.lower()]), 1, srv.lines)


# ---------------------------------------------------------------------------------------------

class ActivatedServer(Server):
    """ferry started by `systemd-socket-activate -l 127.0.0.1:PORT`, which binds the port, waits
    for the first connection and then execs ferry with the socket as fd 3 (same pid). Lines,
    errors and stopping work as for the harness's Server."""

    def __init__(self, root, port, config=None, fdname=None, notify=None, expect_errors=(), workers=2):
        self.root = root
        self.workdir = tempfile.mkdtemp(prefix="ferry-test-")
        cmd = [SOCKET_ACTIVATE, "-l", "127.0.0.1:%d" % port]
        if fdname:
            cmd.append("--fdname=" + fdname)
        if notify:
            cmd += ["-E", "NOTIFY_SOCKET=" + notify]
        cmd += [ferry_bin(), "--workers", str(workers), "--log-level", "info", "--root", root]
        if config is not None:
            self.config_path = os.path.join(self.workdir, "ferry.toml")
            with open(self.config_path, "w") as f:
                f.write(config)
            cmd += ["--config", self.config_path]
        self.expect_errors = [re.compile(e) for e in expect_errors]
        self.lines = []
        self._lines_cond = threading.Condition()
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        self._reader = threading.Thread(target=self._read_output, daemon=True)
        self._reader.start()
        self.host = "127.0.0.1"
        self.port = port
        self.tls_port = port
        self.redirect_port = None
        if self.wait_for_line(r"Listening on 127\.0\.0\.1:%d as 3" % port, ferry_harness.START_TIMEOUT) is None:
            self.proc.kill()
            self.proc.wait()
            self._reader.join(5)
            self.proc.stdout.close()
            shutil.rmtree(self.workdir, ignore_errors=True)
            raise OSError("systemd-socket-activate did not listen:\n" + "\n".join(self.lines))


@unittest.skipIf(SOCKET_ACTIVATE is None, "systemd-socket-activate is not installed")
class SocketActivationTest(unittest.TestCase):

    def setUp(self):
        self.root = make_root(FILES)
        self.servers = []

    def tearDown(self):
        for srv in self.servers:
            if srv.proc.poll() is None:
                srv.proc.kill()
            srv.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    def activate(self, config_for_port, **kw):
        """Starts ActivatedServer on a free port; `config_for_port(port)` gives the config."""
        for _ in range(5):
            port = free_port()
            try:
                srv = ActivatedServer(self.root, port, 'root = "%s"\n%s' % (self.root, config_for_port(port)), **kw)
            except OSError:
                continue  # the port was taken between free_port() and the bind: another one
            self.servers.append(srv)
            return srv
        self.fail("no free port for systemd-socket-activate")

    def assert_inherited_listener(self, srv, port):
        m = srv.wait_for_line(r"listening on http://127\.0\.0\.1:%d \(inherited fd 3\)" % port)
        self.assertIsNotNone(m, "\n".join(srv.lines))

    def test_unmatched_socket_is_served_as_plain_http(self):
        # The configured listener is port 0 (never matches): ferry binds it itself as well.
        srv = self.activate(lambda port: 'listen = ["127.0.0.1:0"]\n', fdname="web")
        resp = get(srv, "/a.txt")  # this first connection is what makes ferry start
        self.assertEqual((resp.status, resp.body), (200, b"alpha\n"))
        self.assert_inherited_listener(srv, srv.port)
        self.assertIsNotNone(srv.wait_for_line(
            r'socket activation: fd 3 \(127\.0\.0\.1:%d, "web"\) matches no configured listener; '
            r"serving plaintext HTTP" % srv.port))
        own = srv.wait_for_line(r"listening on http://127\.0\.0\.1:(\d+)$")
        self.assertIsNotNone(own, "\n".join(srv.lines))
        self.assertNotEqual(int(own.group(1)), srv.port)
        for _ in range(8):  # every worker accepts on the shared socket
            self.assertEqual(get(srv).status, 200)
        self.assertEqual(srv.stop(), 0)
        self.assertEqual(srv.unexpected_errors(), [])

    def test_socket_matching_a_listen_entry_replaces_binding(self):
        # systemd-socket-activate's socket has no SO_REUSEPORT: had ferry bound the address
        # itself, that bind would fail and ferry would exit 1.
        receiver = NotifyReceiver()
        try:
            srv = self.activate(lambda port: 'listen = ["127.0.0.1:%d"]\n' % port, notify=receiver.address)
            self.assertEqual(get(srv).body, b"<p>activated</p>\n")
            self.assert_inherited_listener(srv, srv.port)
            self.assertIsNotNone(srv.wait_for_line(
                r"socket activation: fd 3 \(127\.0\.0\.1:%d\) is the configured listener "
                r"http://127\.0\.0\.1:%d" % (srv.port, srv.port)))
            self.assertEqual(len([l for l in srv.lines if LISTEN_RE.search(l)]), 1, srv.lines)
            ready = receiver.next()
            self.assertEqual(ready.get("READY"), "1", ready)
            self.assertEqual(ready.get("MAINPID"), str(srv.proc.pid))
            # A reload keeps the inherited socket.
            srv.signal(signal.SIGHUP)
            self.assertEqual(receiver.next().get("RELOADING"), "1")
            self.assertEqual(receiver.next().get("READY"), "1")
            self.assertEqual(get(srv).status, 200)
            self.assertEqual(srv.stop(), 0)
            self.assertEqual(receiver.next().get("STOPPING"), "1")
            self.assertEqual(srv.unexpected_errors(), [])
        finally:
            receiver.close()

    @unittest.skipUnless(has_module("tls"), "built without TLS")
    def test_https_named_socket_is_served_with_tls(self):
        from tls_certs import CertificateAuthority
        ca = CertificateAuthority()
        try:
            cert, key = ca.issue("a", ["localhost"])
            config = '[tls]\nlisten = ["127.0.0.1:0"]\ncertificates = [{ cert = %s, key = %s }]\n' % (
                toml_string(cert), toml_string(key))
            srv = self.activate(lambda port: 'listen = ["127.0.0.1:0"]\n' + config, fdname="https")
            ctx = ssl.create_default_context(cafile=ca.cert)
            with ctx.wrap_socket(socket.create_connection(("127.0.0.1", srv.port), timeout=10),
                                 server_hostname="localhost") as s:
                s.sendall(build_request("GET", "/a.txt", headers=[("Host", "localhost"), ("Connection", "close")]))
                resp = Reader(s).read_response()
            self.assertEqual((resp.status, resp.body), (200, b"alpha\n"))
            self.assertIsNotNone(srv.wait_for_line(
                r"listening on https://127\.0\.0\.1:%d \(inherited fd 3\)" % srv.port))
            self.assertEqual(srv.stop(), 0)
            self.assertEqual(srv.unexpected_errors(), [])
        finally:
            shutil.rmtree(ca.dir, ignore_errors=True)

    @unittest.skipUnless(has_module("tls"), "built without TLS")
    def test_socket_matching_redirect_listen_redirects_whatever_its_name(self):
        from tls_certs import CertificateAuthority
        ca = CertificateAuthority()
        try:
            cert, key = ca.issue("a", ["localhost"])
            srv = self.activate(lambda port: 'listen = ["127.0.0.1:0"]\n[tls]\nlisten = ["127.0.0.1:0"]\n'
                                'redirect_listen = ["127.0.0.1:%d"]\ncertificates = [{ cert = %s, key = %s }]\n'
                                % (port, toml_string(cert), toml_string(key)), fdname="https")
            resp = get(srv, "/a.txt")
            self.assertEqual(resp.status, 308, resp)
            self.assertTrue(resp.header("Location", "").startswith("https://localhost:"), resp)
            self.assertIsNotNone(srv.wait_for_line(
                r"listening on http://127\.0\.0\.1:%d \(redirects to https\) \(inherited fd 3\)" % srv.port))
            self.assertEqual(srv.stop(), 0)
            self.assertEqual(srv.unexpected_errors(), [])
        finally:
            shutil.rmtree(ca.dir, ignore_errors=True)

    def test_https_named_socket_without_tls_refuses_to_start(self):
        srv = self.activate(lambda port: 'listen = ["127.0.0.1:0"]\n', fdname="https",
                            expect_errors=[r"no \[tls\] is configured"])
        try:
            socket.create_connection(("127.0.0.1", srv.port), timeout=5).close()
        except OSError:
            pass
        self.assertEqual(srv.proc.wait(10), 1)
        self.assertIsNotNone(srv.wait_for_line(r'inherited socket "https" .* but no \[tls\] is configured'))

    def run_with_listen_env(self, assignments):
        """Runs ferry with LISTEN_* set for its own pid (sh's $$ survives the exec)."""
        shell = "%s exec %s --root %s --listen 127.0.0.1:0 --workers 1" % (assignments, ferry_bin(), self.root)
        proc = subprocess.Popen(["/bin/sh", "-c", shell], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True)
        return proc

    def test_malformed_listen_variables_refuse_to_start(self):
        for assignments, message in [("LISTEN_PID=$$ LISTEN_FDS=two", "LISTEN_FDS=two is not a number"),
                                     ("LISTEN_PID=$$ LISTEN_FDS=99999", "more than 1024"),
                                     ("LISTEN_PID=$$ LISTEN_FDS=1 LISTEN_FDNAMES=a:b", "LISTEN_FDNAMES has 2"),
                                     ("LISTEN_PID=x LISTEN_FDS=1", "LISTEN_PID=x is not a process id"),
                                     ("LISTEN_PID=$$ LISTEN_FDS=1", "inherited fd 3: ")]:
            with self.subTest(assignments):
                proc = self.run_with_listen_env(assignments)
                out, _ = proc.communicate(timeout=10)
                self.assertEqual(proc.returncode, 1, out)
                self.assertIn(message, out)

    def test_listen_variables_for_another_process_are_ignored(self):
        proc = self.run_with_listen_env("LISTEN_PID=1 LISTEN_FDS=1")
        try:
            line = ""
            while "listening on" not in line:
                line = proc.stdout.readline()
                self.assertNotEqual(line, "", "ferry stopped")
            self.assertNotIn("inherited", line)
        finally:
            proc.send_signal(signal.SIGTERM)
            out, _ = proc.communicate(timeout=15)
        self.assertEqual(proc.returncode, 0, out)


# ---------------------------------------------------------------------------------------------

def passwd_ids(name):
    import pwd
    entry = pwd.getpwnam(name)
    return entry.pw_uid, entry.pw_gid


def status_ids(pid):
    """(uids, gids, groups) from /proc/PID/status."""
    fields = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            key, _, value = line.partition(":")
            fields[key] = value.split()
    return ([int(x) for x in fields["Uid"]], [int(x) for x in fields["Gid"]],
            sorted(int(x) for x in fields.get("Groups", [])))


@unittest.skipUnless(os.geteuid() == 0, "dropping privileges needs root")
class PrivilegeDropTest(unittest.TestCase):

    def setUp(self):
        self.root = make_root(FILES)
        world_readable(self.root)
        self.servers = []
        try:
            self.nobody = passwd_ids("nobody")
        except KeyError:
            self.skipTest("no user nobody")

    def tearDown(self):
        for srv in self.servers:
            if srv.proc.poll() is None:
                srv.proc.kill()
            srv.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    def config(self, extra):
        return 'root = "%s"\nlisten = ["127.0.0.1:0"]\n%s' % (self.root, extra)

    def test_runs_as_the_configured_user_and_still_serves(self):
        # The notify socket sits in a root-only directory: ferry connected to it while still
        # root, so STOPPING=1 arrives after the drop.
        receiver = NotifyReceiver()
        try:
            srv = Server(self.root, self.config('user = "nobody"\n'), env=dict(os.environ, NOTIFY_SOCKET=receiver.address))
            self.servers.append(srv)
            self.assertEqual(receiver.next().get("READY"), "1")
            uid, gid = self.nobody
            uids, gids, groups = status_ids(srv.proc.pid)
            self.assertEqual(uids, [uid] * 4)
            self.assertEqual(gids, [gid] * 4)
            self.assertNotIn(0, groups)
            self.assertIsNotNone(srv.wait_for_line(r"running as nobody \(uid %d, gid %d\)" % (uid, gid)))
            self.assertEqual(get(srv, "/a.txt").body, b"alpha\n")
            self.assertEqual(srv.stop(), 0)
            self.assertEqual(receiver.next().get("STOPPING"), "1")
            self.assertEqual(srv.unexpected_errors(), [])
        finally:
            receiver.close()

    def test_group_option_and_a_reload_that_changes_the_user(self):
        import grp
        try:
            group_id = grp.getgrnam("nogroup").gr_gid
        except KeyError:
            self.skipTest("no group nogroup")
        srv = Server(self.root, self.config('user = "nobody"\ngroup = "nogroup"\n'))
        self.servers.append(srv)
        self.assertEqual(status_ids(srv.proc.pid)[1], [group_id] * 4)
        # Readable by nobody, so the reload can read it; the change itself needs a restart.
        os.chmod(srv.workdir, 0o755)
        with open(srv.config_path, "w") as f:
            f.write(self.config('user = "root"\n'))
        os.chmod(srv.config_path, 0o644)
        srv.signal(signal.SIGHUP)
        self.assertIsNotNone(srv.wait_for_line(r"\[warning\] reload: user and group changes take effect on restart"))
        self.assertIsNotNone(srv.wait_for_line("configuration reloaded"))
        self.assertEqual(status_ids(srv.proc.pid)[0], [self.nobody[0]] * 4)
        self.assertEqual(get(srv).status, 200)
        self.assertEqual(srv.stop(), 0)
        self.assertEqual(srv.unexpected_errors(), [])

    def test_unknown_user_or_group_exits_2(self):
        workdir = tempfile.mkdtemp(prefix="ferry-test-")
        try:
            for extra, name in [('user = "ferry-no-such-user"\n', "ferry-no-such-user"),
                                ('user = "nobody"\ngroup = "ferry-no-such-group"\n', "ferry-no-such-group")]:
                with self.subTest(name):
                    path = os.path.join(workdir, "ferry.toml")
                    with open(path, "w") as f:
                        f.write(self.config(extra))
                    for extra_args in ([], ["--check-config"]):
                        out = run_ferry(["--config", path] + extra_args)
                        self.assertEqual(out.returncode, 2, out)
                        self.assertIn('"%s" does not exist' % name, out.stderr)
        finally:
            shutil.rmtree(workdir, ignore_errors=True)

    @unittest.skipIf(SETPRIV is None, "setpriv is not installed")
    def test_user_set_but_not_root_warns_and_serves(self):
        uid, gid = self.nobody
        workdir = tempfile.mkdtemp(prefix="ferry-test-")
        os.chmod(workdir, 0o755)
        path = os.path.join(workdir, "ferry.toml")
        with open(path, "w") as f:
            f.write(self.config('user = "nobody"\n'))
        os.chmod(path, 0o644)
        proc = subprocess.Popen([SETPRIV, "--reuid=%d" % uid, "--regid=%d" % gid, "--clear-groups", ferry_bin(),
                                 "--config", path, "--workers", "1"],
                                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            lines = []
            while not any("listening on" in l for l in lines):
                line = proc.stdout.readline()
                self.assertNotEqual(line, "", "ferry stopped:\n" + "".join(lines))
                lines.append(line)
            self.assertTrue(any('[warning] user "nobody" is set but ferry is not running as root' in l for l in lines),
                            lines)
        finally:
            proc.send_signal(signal.SIGTERM)
            out, _ = proc.communicate(timeout=15)
            shutil.rmtree(workdir, ignore_errors=True)
        self.assertEqual(proc.returncode, 0, out)


if __name__ == "__main__":
    unittest.main()
