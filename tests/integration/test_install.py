"""Installation and the container image, without touching anything outside a temporary directory.

`cmake --install` of the build directory that holds FERRY_BIN, into a temporary DESTDIR: the
binary, ferry.toml, the systemd units (when config/ has them), the man page and the licence land
where docs/ferry.8 says; the installed binary runs and the installed ferry.toml passes
--check-config; an edited ferry.toml is never overwritten; FERRY_INSTALL_SYSCONFDIR and
FERRY_INSTALL_SYSTEMDUNITDIR redirect, and the units follow the prefix.

docker/Dockerfile is checked without a Docker engine: its build stage runs only the project's
scripts, the install step is run as the Dockerfile runs it and everything the runtime stage
copies exists in the result, COPY sources exist in the build context, the runtime stage is
non-root with a health check, docker/ferry.toml passes --check-config and serves, and the health
check script tells a 200 from anything else."""

import json
import os
import re
import shlex
import shutil
import socket
import subprocess
import tempfile
import tomllib
import unittest
from fnmatch import fnmatch

from ferry_harness import FERRY_BIN, SOURCE_DIR, Server, get, has_module, make_root, run_ferry

CMAKE = shutil.which("cmake")
BUILD_DIR = os.path.dirname(os.path.realpath(FERRY_BIN))
SOURCE = os.path.realpath(SOURCE_DIR)
UNITS = ("ferry.service", "ferry.socket")
TIMEOUT = 120


def cache_values(build_dir):
    """CMakeCache.txt as {name: value}."""
    values = {}
    with open(os.path.join(build_dir, "CMakeCache.txt")) as f:
        for line in f:
            m = re.match(r"^([A-Za-z_][A-Za-z0-9_.+-]*):[A-Z_]+=(.*)$", line.rstrip("\n"))
            if m:
                values[m.group(1)] = m.group(2)
    return values


def require_build_dir(tc):
    if CMAKE is None:
        tc.skipTest("cmake is not on PATH")
    if not os.path.isfile(os.path.join(BUILD_DIR, "CMakeCache.txt")):
        tc.skipTest("%s (the directory of FERRY_BIN) is not a CMake build directory" % BUILD_DIR)


def cmake_install(tc, build_dir, destdir, prefix):
    """`cmake --install` with DESTDIR; checks that every file it reports lies inside destdir."""
    env = dict(os.environ, DESTDIR=destdir)
    proc = subprocess.run([CMAKE, "--install", build_dir, "--prefix", prefix], env=env,
                          capture_output=True, text=True, timeout=TIMEOUT)
    tc.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
    installed = re.findall(r"^-- (?:Installing|Up-to-date): (.*)$", proc.stdout, re.M)
    tc.assertTrue(installed, proc.stdout)
    for path in installed:
        tc.assertTrue(path.startswith(destdir + "/"), "installed outside DESTDIR: %s" % path)
    return proc


def configured_copy(tc, build_dir, *definitions):
    """A fresh build directory configured from the source tree with `definitions`, holding a
    copy of FERRY_BIN where the ferry target puts it: installs and packages the real binary
    with other install settings, without touching the build directory in use. The module
    options follow FERRY_BIN's build, so no library that build did not need is looked for."""
    require_build_dir(tc)
    original = cache_values(BUILD_DIR)
    args = [CMAKE, "-S", SOURCE, "-B", build_dir, "-DFERRY_BUILD_TESTS=OFF", "-DFERRY_FUZZ=OFF",
            "-DCMAKE_BUILD_TYPE=Release"]
    if shutil.which("ninja"):
        args += ["-G", "Ninja"]
    for name, value in sorted(original.items()):
        if name.startswith("FERRY_WITH_"):
            args.append("-D%s=%s" % (name, value))
    args += list(definitions)
    proc = subprocess.run(args, capture_output=True, text=True, timeout=TIMEOUT)
    tc.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
    shutil.copy2(os.path.realpath(FERRY_BIN), os.path.join(build_dir, "ferry"))
    return build_dir


def read(path, mode="r"):
    with open(path, mode) as f:
        return f.read()


def destination(value, prefix):
    """An install directory as CMake resolves it: absolute, or relative to the prefix."""
    return value if os.path.isabs(value) else os.path.join(prefix, value)


def version_line():
    proc = run_ferry(["--version"])
    return proc.stdout


MODULES = ("tls", "http2", "compression", "auth", "rate_limit", "metrics")


def assert_config_checks(tc, ferry, config, root):
    """--check-config on `config`. A binary without a module must refuse that module's table
    (the shipped example has [compression], [http2], ...) rather than ignore it."""
    proc = subprocess.run([ferry, "--config", config, "--root", root, "--check-config"],
                          capture_output=True, text=True, timeout=30)
    tables = set(re.findall(r"(?m)^\[([a-z_0-9]+)\]", read(config)))
    absent = sorted(m for m in MODULES if m in tables and not has_module(m))
    if absent:
        tc.assertEqual(proc.returncode, 2, proc)
        for module in absent:
            tc.assertIn("module '%s' is not compiled into this binary" % module, proc.stderr)
        return
    tc.assertEqual(proc.returncode, 0, proc)
    tc.assertIn("configuration ok", proc.stdout)


class InstallTest(unittest.TestCase):

    def setUp(self):
        require_build_dir(self)
        self.tmp = os.path.realpath(tempfile.mkdtemp(prefix="ferry-install-"))
        self.root = make_root({"index.html": "<p>installed</p>\n"})
        self.cache = cache_values(BUILD_DIR)
        self.sysconfdir = self.cache.get("FERRY_INSTALL_SYSCONFDIR", "/etc/ferry")
        self.unitdir = self.cache.get("FERRY_INSTALL_SYSTEMDUNITDIR", "/lib/systemd/system")
        # GNUInstallDirs leaves these empty in the cache when they keep their defaults.
        self.mandir = self.cache.get("CMAKE_INSTALL_MANDIR") or "share/man"
        self.docdir = self.cache.get("CMAKE_INSTALL_DOCDIR") or "share/doc/ferry"

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)
        shutil.rmtree(self.root, ignore_errors=True)

    def install(self, build_dir=BUILD_DIR, prefix="/usr/local", name="dest"):
        destdir = os.path.join(self.tmp, name)
        cmake_install(self, build_dir, destdir, prefix)
        return destdir

    def in_dest(self, destdir, path):
        return destdir + path

    def shipped_units(self):
        return [u for u in UNITS if os.path.isfile(os.path.join(SOURCE, "config", u))]

    def test_files_land_where_documented(self):
        dest = self.install()
        prefix = "/usr/local"
        expected = [
            prefix + "/bin/ferry",
            destination(self.sysconfdir, prefix) + "/ferry.toml",
            destination(self.mandir, prefix) + "/man8/ferry.8",
            destination(self.docdir, prefix) + "/LICENSE",
        ] + [destination(self.unitdir, prefix) + "/" + u for u in self.shipped_units()]
        for path in expected:
            self.assertTrue(os.path.isfile(self.in_dest(dest, path)), "%s was not installed" % path)
        self.assertTrue(os.access(self.in_dest(dest, prefix + "/bin/ferry"), os.X_OK))
        self.assertEqual(read(self.in_dest(dest, destination(self.sysconfdir, prefix) + "/ferry.toml"), "rb"),
                         read(os.path.join(SOURCE, "config", "ferry.toml"), "rb"))
        # The man page documents these paths for the default settings.
        if self.sysconfdir == "/etc/ferry" and self.unitdir == "/lib/systemd/system":
            man = read(os.path.join(SOURCE, "docs", "ferry.8"))
            for path in ("/etc/ferry/ferry.toml", "/lib/systemd/system/ferry.service",
                         "/lib/systemd/system/ferry.socket", "/usr/local/bin"):
                self.assertIn(path, man)

    def test_installed_binary_runs(self):
        dest = self.install()
        proc = subprocess.run([dest + "/usr/local/bin/ferry", "--version"], capture_output=True,
                              text=True, timeout=30)
        self.assertEqual(proc.returncode, 0, proc)
        self.assertEqual(proc.stdout, version_line())
        self.assertRegex(proc.stdout, r"^ferry \d+\.\d+\.\d+\nmodules: ")

    def test_installed_config_passes_check(self):
        dest = self.install()
        config = self.in_dest(dest, destination(self.sysconfdir, "/usr/local") + "/ferry.toml")
        # --root: the shipped root is relative to the working directory of a deployment.
        assert_config_checks(self, dest + "/usr/local/bin/ferry", config, self.root)

    def test_installed_man_page(self):
        dest = self.install()
        page = self.in_dest(dest, destination(self.mandir, "/usr/local") + "/man8/ferry.8")
        text = read(page)
        self.assertEqual(text, read(os.path.join(SOURCE, "docs", "ferry.8")))
        for section in ("NAME", "SYNOPSIS", "DESCRIPTION", "OPTIONS", "SIGNALS", "EXIT STATUS",
                        "FILES", "SEE ALSO"):
            self.assertRegex(text, r"(?m)^\.SH \"?%s\"?$" % section)
        # The page names the version of the binary it ships with.
        version = version_line().split("\n")[0].split()[1]
        self.assertRegex(text, r'(?m)^\.TH FERRY 8 "[^"]*" "ferry %s"' % re.escape(version))
        # Every long option of --help is documented.
        options = text[text.index(".SH OPTIONS"):text.index(".SH SIGNALS")]
        help_text = run_ferry(["--help"]).stdout
        flags = set(re.findall(r"--([a-z][a-z-]+)", help_text))
        self.assertIn("check-config", flags)
        for flag in flags:
            self.assertIn("\\-\\-" + flag.replace("-", "\\-"), options, "--%s is not in OPTIONS" % flag)
        for sig in ("SIGHUP", "SIGTERM", "SIGINT", "SIGQUIT"):
            self.assertIn(sig, text)
        # It renders without warnings.
        if shutil.which("groff"):
            proc = subprocess.run(["groff", "-man", "-ww", "-z", page], capture_output=True, text=True,
                                  timeout=30)
            self.assertEqual((proc.returncode, proc.stderr), (0, ""))
        if shutil.which("man"):
            proc = subprocess.run(["man", "--warnings", "-l", page], capture_output=True, text=True,
                                  timeout=30, env=dict(os.environ, MANPAGER="cat", PAGER="cat"))
            self.assertEqual((proc.returncode, proc.stderr), (0, ""))

    def test_edited_config_is_kept(self):
        dest = self.install()
        config = self.in_dest(dest, destination(self.sysconfdir, "/usr/local") + "/ferry.toml")
        self.assertFalse(os.path.exists(config + ".new"), "a fresh install makes no ferry.toml.new")
        # Installing again over an unchanged file is a plain reinstall.
        self.install()
        self.assertFalse(os.path.exists(config + ".new"))
        with open(config, "a") as f:
            f.write("# edited by the administrator\n")
        edited = read(config, "rb")
        self.install()
        self.assertEqual(read(config, "rb"), edited)
        shipped = read(os.path.join(SOURCE, "config", "ferry.toml"), "rb")
        self.assertEqual(read(config + ".new", "rb"), shipped)

    def test_install_dirs_can_be_redirected(self):
        sysconfdir = "/opt/ferry-test/etc"
        build = configured_copy(self, os.path.join(self.tmp, "build"),
                                "-DFERRY_INSTALL_SYSCONFDIR=" + sysconfdir,
                                "-DFERRY_INSTALL_SYSTEMDUNITDIR=lib/systemd/system")
        dest = self.install(build, prefix="/opt/ferry")
        self.assertTrue(os.path.isfile(dest + "/opt/ferry/bin/ferry"))
        self.assertTrue(os.path.isfile(dest + sysconfdir + "/ferry.toml"))
        self.assertFalse(os.path.exists(dest + "/etc"), "nothing goes to /etc when redirected")
        self.assertTrue(os.path.isfile(dest + "/opt/ferry/share/man/man8/ferry.8"))
        for unit in self.shipped_units():
            path = dest + "/opt/ferry/lib/systemd/system/" + unit
            self.assertTrue(os.path.isfile(path), unit)
            text = read(path)
            # Every path to a ferry binary and to /etc/ferry follows the install settings.
            for m in re.finditer(r"(/[^\s\"=]*/s?bin/ferry)(?=[\s\"]|$)", text):
                self.assertEqual(m.group(1), "/opt/ferry/bin/ferry", unit)
            self.assertNotRegex(text, r"(?<![\w.-])/etc/ferry(?=[/\s\"]|$)", unit)
            if unit == "ferry.service":
                self.assertRegex(text, r"(?m)^ExecStart=\S*/opt/ferry/bin/ferry\b")

    def test_units_name_the_installed_binary(self):
        units = self.shipped_units()
        if not units:
            self.skipTest("config/ferry.service and config/ferry.socket do not exist yet")
        dest = self.install()
        for unit in units:
            text = read(self.in_dest(dest, destination(self.unitdir, "/usr/local") + "/" + unit))
            for m in re.finditer(r"(/[^\s\"=]*/s?bin/ferry)(?=[\s\"]|$)", text):
                self.assertEqual(m.group(1), "/usr/local/bin/ferry", unit)
            if "--config" in text:
                self.assertIn("--config " + destination(self.sysconfdir, "/usr/local") + "/ferry.toml", text)


# --- docker/Dockerfile ------------------------------------------------------------------------

DOCKERFILE = os.path.join(SOURCE, "docker", "Dockerfile")
PROJECT_SCRIPTS = ("scripts/install-deps.sh", "scripts/build-release.sh", "docker/runtime-packages.sh")
BUILD_TOOLS_RE = re.compile(r"\b(cmake|ctest|ninja|make|g\+\+|gcc|clang\+\+|clang|cc|c\+\+)\b")


class Instruction:
    def __init__(self, keyword, args, stage, line):
        self.keyword = keyword
        self.args = args
        self.stage = stage
        self.line = line

    def __repr__(self):
        return "Dockerfile:%d: %s %s" % (self.line, self.keyword, self.args)

    def flags_and_words(self):
        """COPY/ADD arguments: ({--flag: value}, [sources..., destination])."""
        flags, words = {}, []
        for word in shlex.split(self.args):
            m = re.match(r"^--([a-z-]+)(?:=(.*))?$", word)
            if m and not words:
                flags[m.group(1)] = m.group(2)
            else:
                words.append(word)
        return flags, words


def parse_dockerfile(path=DOCKERFILE):
    """Instructions with continuation lines joined and comments dropped; stage counts FROMs."""
    instructions = []
    stage = -1
    pending, start = "", 0
    with open(path) as f:
        for number, raw in enumerate(f, 1):
            line = raw.rstrip("\n")
            if not pending and (not line.strip() or line.lstrip().startswith("#")):
                continue
            if pending and line.lstrip().startswith("#"):
                continue  # comment lines inside a continued instruction
            if not pending:
                start = number
            if line.endswith("\\"):
                pending += line[:-1] + " "
                continue
            text = (pending + line).strip()
            pending = ""
            keyword, _, args = text.partition(" ")
            keyword = keyword.upper()
            if keyword == "FROM":
                stage += 1
            instructions.append(Instruction(keyword, args.strip(), stage, start))
    return instructions


def dockerignore_patterns():
    path = os.path.join(SOURCE, ".dockerignore")
    if not os.path.isfile(path):
        return []
    patterns = []
    for line in read(path).splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            patterns.append(line.strip("/"))
    return patterns


def ignored(relative, patterns):
    """Whether .dockerignore leaves `relative` (or a parent directory of it) out of the context."""
    parts = relative.strip("/").split("/")
    for i in range(1, len(parts) + 1):
        prefix = "/".join(parts[:i])
        for pattern in patterns:
            if pattern.startswith("!"):
                continue
            if fnmatch(prefix, pattern) or (pattern.startswith("**/") and fnmatch(parts[i - 1], pattern[3:])):
                return True
    return False


class DockerfileTest(unittest.TestCase):

    def setUp(self):
        self.assertTrue(os.path.isfile(DOCKERFILE), "docker/Dockerfile is missing")
        self.instructions = parse_dockerfile()
        self.froms = [i for i in self.instructions if i.keyword == "FROM"]
        self.last_stage = len(self.froms) - 1
        self.tmp = os.path.realpath(tempfile.mkdtemp(prefix="ferry-docker-"))

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def of_stage(self, stage, keyword):
        return [i for i in self.instructions if i.stage == stage and i.keyword == keyword]

    def build_stage_runs(self):
        return [i for i in self.instructions if i.keyword == "RUN" and i.stage < self.last_stage]

    def test_stages(self):
        self.assertGreaterEqual(len(self.froms), 2, self.froms)
        self.assertRegex(self.froms[0].args, r"^debian:bookworm AS build$")
        self.assertEqual(self.froms[-1].args.split()[0], "debian:bookworm-slim")

    def test_build_stage_runs_only_the_project_scripts(self):
        runs = self.build_stage_runs()
        self.assertTrue(runs)
        called = set()
        for run in runs:
            words = shlex.split(run.args)
            self.assertIn(words[0], PROJECT_SCRIPTS, "%r: the build stage runs only the project's scripts" % run)
            if BUILD_TOOLS_RE.search(run.args) or "configure" in words or "build" in words:
                self.assertEqual(words[0], "scripts/build-release.sh", run)
            path = os.path.join(SOURCE, words[0])
            self.assertTrue(os.path.isfile(path) and os.access(path, os.X_OK), "%s is not executable" % words[0])
            called.add(words[0])
        self.assertEqual(called, set(PROJECT_SCRIPTS))
        build = [r for r in runs if r.args.startswith("scripts/build-release.sh")]
        self.assertEqual(len(build), 1, build)
        for step in ("configure", "build", "install"):
            self.assertIn(step, shlex.split(build[0].args))

    def test_copy_sources_are_in_the_build_context(self):
        patterns = dockerignore_patterns()
        self.assertIn("build", patterns, ".dockerignore must keep build directories out")
        self.assertIn(".git", patterns)
        copies = [i for i in self.instructions if i.keyword in ("COPY", "ADD")]
        for copy in copies:
            flags, words = copy.flags_and_words()
            if "from" in flags:
                continue
            self.assertEqual(copy.keyword, "COPY", copy)
            for source in words[:-1]:
                self.assertTrue(os.path.exists(os.path.join(SOURCE, source)), "%r: %s does not exist" % (copy, source))
                if source != ".":
                    self.assertFalse(ignored(source, patterns), "%r: .dockerignore excludes %s" % (copy, source))
        # Everything the build needs is in the context.
        for needed in ("CMakeLists.txt", "CMakePresets.json", "src/main.cpp", "config/ferry.toml",
                       "docs/ferry.8", "scripts/build-release.sh", "LICENSE"):
            self.assertFalse(ignored(needed, patterns), needed)

    def test_build_stage_produces_what_the_runtime_copies(self):
        """Runs the Dockerfile's install step (the build directory of FERRY_BIN stands in for its
        configure and build steps) and its runtime-packages step, with /staging mapped to a
        temporary directory, then looks for every source of COPY --from=build."""
        require_build_dir(self)
        if not (shutil.which("dpkg-query") and shutil.which("ldd")):
            self.skipTest("dpkg-query or ldd is missing: not a Debian system")
        stage_dir = os.path.join(self.tmp, "staging")

        def mapped(path):
            self.assertTrue(path.startswith("/staging/") or path == "/staging", path)
            return stage_dir + path[len("/staging"):]

        for run in self.build_stage_runs():
            words = shlex.split(run.args)
            if words[0] == "scripts/build-release.sh":
                args = [os.path.join(SOURCE, words[0])]
                i = 1
                while i < len(words):
                    w = words[i]
                    if w == "--build-dir":
                        args += [w, BUILD_DIR]
                        i += 2
                    elif w == "--stage":
                        args += [w, mapped(words[i + 1])]
                        i += 2
                    elif w in ("configure", "build") or w.startswith("${") or w.startswith("-D"):
                        i += 1
                    else:
                        args.append(w)
                        i += 1
                self.assertIn("install", args)
                proc = subprocess.run(args, capture_output=True, text=True, timeout=TIMEOUT, cwd=SOURCE)
                self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
            elif words[0] == "docker/runtime-packages.sh":
                command = run.args.replace("/staging", stage_dir)
                proc = subprocess.run(["bash", "-c", command], capture_output=True, text=True,
                                      timeout=TIMEOUT, cwd=SOURCE)
                self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        copies = [i for i in self.of_stage(self.last_stage, "COPY") if "from" in i.flags_and_words()[0]]
        self.assertTrue(copies)
        for copy in copies:
            flags, words = copy.flags_and_words()
            self.assertEqual(flags["from"], "build", copy)
            for source in words[:-1]:
                self.assertTrue(os.path.exists(mapped(source)), "%r: the build stage makes no %s" % (copy, source))
        # The staged binary is stripped and runs.
        staged = [c.flags_and_words()[1] for c in copies if c.flags_and_words()[1][-1] == "/usr/bin/ferry"]
        self.assertEqual(len(staged), 1, copies)
        proc = subprocess.run([mapped(staged[0][0]), "--version"], capture_output=True, text=True, timeout=30)
        self.assertEqual(proc.stdout, version_line())
        packages = read(os.path.join(stage_dir, "runtime-packages.txt")).split()
        self.assertIn("libc6", packages)

    def test_runtime_stage(self):
        stage = self.last_stage
        users = self.of_stage(stage, "USER")
        self.assertEqual(len(users), 1, users)
        user = users[0].args.split(":")[0]
        self.assertNotIn(user, ("root", "0"))
        self.assertIn("8080", " ".join(i.args for i in self.of_stage(stage, "EXPOSE")).split())
        self.assertEqual([i.args for i in self.of_stage(stage, "STOPSIGNAL")], ["SIGTERM"])

        copies = {}
        for copy in self.of_stage(stage, "COPY"):
            flags, words = copy.flags_and_words()
            if "from" not in flags:
                copies[words[0]] = words[-1]
        self.assertEqual(copies.get("docker/ferry.toml"), "/etc/ferry/ferry.toml")
        self.assertIn("docker/healthcheck.sh", copies)

        entrypoint = json.loads(self.of_stage(stage, "ENTRYPOINT")[-1].args)
        self.assertEqual(entrypoint, ["/usr/bin/ferry", "--config", "/etc/ferry/ferry.toml"])

        checks = self.of_stage(stage, "HEALTHCHECK")
        self.assertEqual(len(checks), 1, checks)
        command = json.loads(checks[0].args[checks[0].args.index("CMD") + 3:].strip())
        self.assertEqual(command[0], copies["docker/healthcheck.sh"])
        self.assertEqual(command[1:], ["127.0.0.1", "8080", "/healthz"])

        runs = " ".join(i.args for i in self.of_stage(stage, "RUN"))
        self.assertIn("runtime-packages.txt", runs)
        self.assertIn("--no-install-recommends", runs)
        self.assertIn("rm -rf /var/lib/apt/lists/*", runs)
        self.assertNotRegex(runs, BUILD_TOOLS_RE)

    def test_container_config(self):
        path = os.path.join(SOURCE, "docker", "ferry.toml")
        with open(path, "rb") as f:
            config = tomllib.load(f)
        self.assertEqual(config["root"], "/srv/www")
        self.assertEqual(config["listen"], ["0.0.0.0:8080"])
        self.assertEqual(config["log"]["error_log"], "stderr")
        self.assertEqual(config["log"]["access_log"], "stdout")
        # docker stop sends SIGKILL after 10 s: the drain must end before.
        grace = config["timeouts"]["shutdown_grace"]
        self.assertRegex(grace, r"^\d+s$")
        self.assertLess(int(grace[:-1]), 10)
        root = make_root({})
        try:
            assert_config_checks(self, FERRY_BIN, path, root)
        finally:
            shutil.rmtree(root, ignore_errors=True)

    def healthcheck(self, *args):
        return subprocess.run(["bash", os.path.join(SOURCE, "docker", "healthcheck.sh")] + list(args),
                              capture_output=True, text=True, timeout=30)

    def test_container_config_serves_and_healthcheck_tells_200(self):
        root = make_root({"index.html": "<p>container</p>\n"})
        config = read(os.path.join(SOURCE, "docker", "ferry.toml"))
        try:
            # The harness replaces listen with 127.0.0.1:0 and root with the temporary one.
            with Server(root, config=config) as srv:
                self.assertEqual(get(srv, "/").status, 200)
                self.assertEqual(self.healthcheck("127.0.0.1", str(srv.port), "/").returncode, 0)
                proc = self.healthcheck("127.0.0.1", str(srv.port), "/missing")
                self.assertEqual(proc.returncode, 1, proc)
                self.assertIn("404", proc.stderr)
            # A closed port is unhealthy, not an error of the script.
            with socket.socket() as s:
                s.bind(("127.0.0.1", 0))
                port = s.getsockname()[1]
            proc = self.healthcheck("127.0.0.1", str(port), "/")
            self.assertEqual(proc.returncode, 1, proc)
        finally:
            shutil.rmtree(root, ignore_errors=True)

    def test_healthcheck_against_healthz(self):
        root = make_root({})
        try:
            with Server(root) as srv:
                if get(srv, "/healthz").status == 404:
                    self.skipTest("this ferry answers /healthz with 404: no health endpoints built in")
                proc = self.healthcheck("127.0.0.1", str(srv.port), "/healthz")
                self.assertEqual(proc.returncode, 0, proc)
        finally:
            shutil.rmtree(root, ignore_errors=True)

    def test_runtime_packages_follow_the_modules(self):
        if not (shutil.which("dpkg-query") and shutil.which("ldd")):
            self.skipTest("dpkg-query or ldd is missing: not a Debian system")
        proc = subprocess.run([os.path.join(SOURCE, "docker", "runtime-packages.sh"), FERRY_BIN],
                              capture_output=True, text=True, timeout=60)
        self.assertEqual(proc.returncode, 0, proc)
        packages = proc.stdout.split()
        self.assertEqual(packages, sorted(set(packages)))
        self.assertIn("libc6", packages)
        self.assertIn("libstdc++6", packages)
        by_module = {"tls": "libssl3", "compression": "libbrotli1"}
        for module, package in by_module.items():
            if has_module(module):
                self.assertIn(package, packages)
        # HTTP/2 (frames and HPACK) is ferry's own: the image needs no nghttp2.
        self.assertNotIn("libnghttp2-14", packages)
        if not any(has_module(m) for m in by_module):
            # The core alone needs none of the modules' libraries.
            self.assertFalse(set(by_module.values()) & set(packages), packages)
        self.assertFalse([p for p in packages if p.endswith("-dev")], packages)


if __name__ == "__main__":
    unittest.main()
