"""GitHub workflows and the packages they make.

.github/workflows/ci.yml and release.yml are parsed (python3-yaml): each has its triggers and
jobs, each job a runner and steps, each action a pinned version; every script, Makefile target,
CMake preset, -DFERRY_* option and build directory a step names exists in the repository. CI
covers g++ with all modules, clang with sanitizers, the Release build, all modules off, macOS and
Windows (the last two allowed to fail, for stated reasons); a release builds x86_64 and arm64
tarballs and .debs and a multi-arch image from docker/Dockerfile.

When cpack and dpkg-deb are there, `cpack -G DEB` runs in a fresh build directory (configured
from the source tree, holding a copy of FERRY_BIN: the build directory in use is left alone)
and the .deb is inspected; the release tarball's install settings are installed and checked."""

import json
import os
import re
import shlex
import shutil
import subprocess
import tempfile
import unittest

from ferry_harness import SOURCE_DIR, has_module, run_ferry
from test_install import cmake_install, configured_copy, read

try:
    import yaml
except ImportError:  # Debian: python3-yaml (scripts/install-deps.sh installs it)
    yaml = None

SOURCE = os.path.realpath(SOURCE_DIR)
WORKFLOWS = os.path.join(SOURCE, ".github", "workflows")
UNITS = ("ferry.service", "ferry.socket")


def load_workflow(name):
    with open(os.path.join(WORKFLOWS, name)) as f:
        return yaml.safe_load(f)


def triggers(workflow):
    # YAML 1.1 reads the key `on` as the boolean true.
    return workflow.get("on", workflow.get(True))


def presets():
    with open(os.path.join(SOURCE, "CMakePresets.json")) as f:
        data = json.load(f)
    return {kind: {p["name"]: p for p in data.get(kind, [])}
            for kind in ("configurePresets", "buildPresets", "testPresets")}


def preset_binary_dir(known, name):
    """A configure preset's binaryDir relative to the source tree, following `inherits`."""
    preset = known["configurePresets"][name]
    while "binaryDir" not in preset and preset.get("inherits"):
        parent = preset["inherits"]
        preset = known["configurePresets"][parent if isinstance(parent, str) else parent[0]]
    binary_dir = preset.get("binaryDir", "")
    binary_dir = binary_dir.replace("${presetName}", name).replace("${sourceDir}/", "")
    return os.path.normpath(binary_dir)


def makefile_targets():
    """{target: recipe text} of the top-level Makefile."""
    targets, current = {}, None
    for line in read(os.path.join(SOURCE, "Makefile")).splitlines():
        m = re.match(r"^([A-Za-z0-9_.-]+)\s*:(?!=)", line)
        if m and not line.startswith("."):
            current = m.group(1)
            targets[current] = line + "\n"
        elif line.startswith("\t") and current:
            targets[current] += line + "\n"
        elif not line.strip():
            current = None
    return targets


def cmake_options():
    """Names declared with option() or set(... CACHE ...) in any CMakeLists.txt or cmake/ file."""
    names = set()
    for dirpath, dirnames, filenames in os.walk(SOURCE):
        dirnames[:] = [d for d in dirnames if d not in ("build", ".git")]
        for name in filenames:
            if name == "CMakeLists.txt" or name.endswith(".cmake"):
                text = read(os.path.join(dirpath, name))
                names.update(re.findall(r"option\(\s*([A-Z0-9_]+)", text))
                names.update(re.findall(r"set\(\s*([A-Z0-9_]+)\s[^)]*\bCACHE\b", text))
    return names


def steps_of(job):
    return job.get("steps") or []


def run_text(job):
    return "\n".join(s["run"] for s in steps_of(job) if "run" in s)


def uses_of(job):
    return [s["uses"] for s in steps_of(job) if "uses" in s]


def runners(job):
    """The runner labels a job may use, with a matrix expression expanded."""
    runs_on = job.get("runs-on")
    if isinstance(runs_on, list):
        return runs_on
    m = re.match(r"^\$\{\{\s*matrix\.([A-Za-z_-]+)\s*\}\}$", str(runs_on))
    if m:
        matrix = job.get("strategy", {}).get("matrix", {})
        values = [entry[m.group(1)] for entry in matrix.get("include", []) if m.group(1) in entry]
        values += matrix.get(m.group(1), [])
        return values
    return [runs_on]


def command_words(text):
    """Shell words of each command line in a run: block (continuations joined)."""
    text = text.replace("\\\n", " ").replace("`\n", " ")
    commands = []
    for line in text.splitlines():
        for part in re.split(r"&&|\|\||;|\|", line):
            part = part.strip()
            if not part or part.startswith("#"):
                continue
            try:
                commands.append(shlex.split(part, comments=True))
            except ValueError:
                commands.append(part.split())
    return commands


@unittest.skipIf(yaml is None, "python3-yaml is not installed")
class WorkflowTest(unittest.TestCase):

    def setUp(self):
        self.workflows = {}
        for name in ("ci.yml", "release.yml"):
            path = os.path.join(WORKFLOWS, name)
            self.assertTrue(os.path.isfile(path), ".github/workflows/%s is missing" % name)
            self.workflows[name] = load_workflow(name)

    def all_jobs(self):
        for name, workflow in self.workflows.items():
            for job_id, job in workflow["jobs"].items():
                yield "%s:%s" % (name, job_id), job

    def test_structure(self):
        for name, workflow in self.workflows.items():
            self.assertIsInstance(workflow, dict, name)
            self.assertIn("name", workflow, name)
            self.assertTrue(triggers(workflow), "%s has no triggers (on:)" % name)
            self.assertIsInstance(workflow.get("jobs"), dict, name)
            self.assertTrue(workflow["jobs"], name)
        for where, job in self.all_jobs():
            self.assertTrue(runners(job), "%s has no runs-on" % where)
            self.assertTrue(all(isinstance(r, str) and r for r in runners(job)), where)
            self.assertTrue(steps_of(job), "%s has no steps" % where)
            for step in steps_of(job):
                self.assertEqual(("run" in step) + ("uses" in step), 1, "%s: %r" % (where, step))
            needs = job.get("needs", [])
            for needed in [needs] if isinstance(needs, str) else needs:
                self.assertIn(needed, self.workflows[where.split(":")[0]]["jobs"], where)

    def test_actions_are_pinned(self):
        for where, job in self.all_jobs():
            for action in uses_of(job):
                self.assertRegex(action, r"^[\w.-]+/[\w./-]+@(v\d+(\.\d+)*|[0-9a-f]{40})$", where)

    def test_commands_name_what_exists(self):
        known = presets()
        targets = makefile_targets()
        options = cmake_options()
        for where, job in self.all_jobs():
            text = run_text(job)
            # Scripts of the repository that a step runs.
            for path in re.findall(r"(?<![\w/.$-])((?:scripts|docker|\.ci)/[\w.-]+)", text):
                full = os.path.join(SOURCE, path)
                self.assertTrue(os.path.isfile(full), "%s: %s does not exist" % (where, path))
                if path.endswith(".sh") or path.startswith(".ci/"):
                    self.assertTrue(os.access(full, os.X_OK), "%s: %s is not executable" % (where, path))
            for option in re.findall(r"-D(FERRY_[A-Z0-9_]+)=", text):
                self.assertIn(option, options, "%s: -D%s is no CMake option" % (where, option))
            configured = set()  # build directories this job configures
            for words in command_words(text):
                if not words:
                    continue
                tool = words[0]
                if tool == "cmake" and "--preset" in words:
                    preset = words[words.index("--preset") + 1]
                    kind = "buildPresets" if "--build" in words else "configurePresets"
                    self.assertIn(preset, known[kind], "%s: no %s %r" % (where, kind, preset))
                    if kind == "configurePresets":
                        configured.add(preset_binary_dir(known, preset))
                if tool == "cmake" and "-B" in words:
                    configured.add(os.path.normpath(words[words.index("-B") + 1]))
                if tool == "ctest" and "--preset" in words:
                    preset = words[words.index("--preset") + 1]
                    self.assertIn(preset, known["testPresets"], "%s: no test preset %r" % (where, preset))
                if tool == "make":
                    for target in words[1:]:
                        if target.startswith("-") or "=" in target:
                            continue
                        self.assertIn(target, targets, "%s: no Makefile target %r" % (where, target))
                        for preset in re.findall(r"cmake --preset (\S+)", targets[target]):
                            configured.add(preset_binary_dir(known, preset))
                if tool == "scripts/build-release.sh":
                    if "--build-dir" in words:
                        configured.add(os.path.normpath(words[words.index("--build-dir") + 1]))
                    else:
                        configured.add("build/release")
            # A build directory a step uses was configured by an earlier step of the same job.
            for used in re.findall(r"(?<![\w/.-])(build/[\w.-]+)", text):
                self.assertIn(used, configured, "%s: %s is not configured in this job" % (where, used))

    def test_ci_covers_the_build_matrix(self):
        jobs = self.workflows["ci.yml"]["jobs"]
        triggers_ci = triggers(self.workflows["ci.yml"])
        self.assertIn("pull_request", triggers_ci)
        self.assertIn("push", triggers_ci)

        def jobs_where(predicate):
            return [j for j in jobs.values() if predicate(j)]

        linux = jobs_where(lambda j: any("ubuntu" in r for r in runners(j)))
        for job in linux:
            self.assertNotIn("continue-on-error", job, "Linux jobs must fail the workflow")
            self.assertIn("scripts/install-deps.sh", run_text(job))
        self.assertTrue(jobs_where(lambda j: re.search(r"make test-gcc|--preset test-gcc", run_text(j))
                                   and j in linux), "no g++ job with every module")
        self.assertTrue(jobs_where(lambda j: re.search(r"--preset debug", run_text(j))
                                   and "clang++" in run_text(j) and j in linux),
                        "no clang Debug job (preset debug: ASan + UBSan)")
        self.assertEqual(presets()["configurePresets"]["debug"]["cacheVariables"].get("FERRY_SANITIZE"), "ON")
        self.assertTrue(jobs_where(lambda j: "scripts/build-release.sh" in run_text(j) and j in linux),
                        "no Release job")
        modules_off = presets()["configurePresets"]["test-clang"]["cacheVariables"]
        self.assertTrue(all(modules_off.get("FERRY_WITH_" + m) == "OFF"
                            for m in ("TLS", "HTTP2", "COMPRESSION", "AUTH", "RATE_LIMIT", "METRICS")))
        self.assertTrue(jobs_where(lambda j: re.search(r"make test-clang|--preset test-clang", run_text(j))
                                   and j in linux), "no job with all modules off")
        self.assertTrue(jobs_where(lambda j: re.search(r"make test-windows|--preset test-windows", run_text(j))
                                   and j in linux), "no Windows cross-build job (mingw-w64, tests under wine)")
        self.assertIn("toolchainFile", presets()["configurePresets"]["test-windows"])
        macos = jobs_where(lambda j: any(r.startswith("macos") for r in runners(j)))
        windows = jobs_where(lambda j: any(r.startswith("windows") for r in runners(j)))
        self.assertEqual(len(macos), 1)
        self.assertEqual(len(windows), 1)
        self.assertIn("scripts/install-deps.sh", run_text(macos[0]), "macOS takes the brew line from the script")
        self.assertIn("vcpkg", run_text(windows[0]))
        self.assertIs(windows[0].get("continue-on-error"), True)
        # ... and the file says why.
        raw = read(os.path.join(WORKFLOWS, "ci.yml"))
        windows_part = raw[raw.index("windows"):]
        self.assertRegex(windows_part, r"#.*sendfile")
        self.assertRegex(windows_part, r"#.*openat2")

    def test_release_makes_tarballs_deb_and_image(self):
        release = self.workflows["release.yml"]
        self.assertIn("v*", triggers(release)["push"]["tags"])
        jobs = release["jobs"]
        builders = [j for j in jobs.values() if "cpack -G DEB" in run_text(j)]
        self.assertEqual(len(builders), 1)
        builder = builders[0]
        arches = [e["arch"] for e in builder["strategy"]["matrix"]["include"]]
        self.assertEqual(sorted(arches), ["arm64", "x86_64"])
        self.assertIn("tar -C", run_text(builder))
        self.assertIn("scripts/build-release.sh", run_text(builder))
        self.assertIn("debian:bookworm", str(builder.get("container")))

        images = [j for j in jobs.values()
                  if any(u.startswith("docker/build-push-action@") for u in uses_of(j))]
        self.assertEqual(len(images), 1)
        image = images[0]
        actions = [u.split("@")[0] for u in uses_of(image)]
        for needed in ("docker/setup-qemu-action", "docker/setup-buildx-action", "docker/login-action"):
            self.assertIn(needed, actions)
        push = [s for s in steps_of(image) if s.get("uses", "").startswith("docker/build-push-action@")][0]
        settings = push["with"]
        self.assertEqual(settings["context"], ".")
        self.assertTrue(os.path.isfile(os.path.join(SOURCE, settings["file"])), settings["file"])
        platforms = [p.strip() for p in settings["platforms"].split(",")]
        self.assertIn("linux/amd64", platforms)
        self.assertIn("linux/arm64", platforms)
        self.assertEqual(image.get("permissions", {}).get("packages"), "write")


def project_version():
    return run_ferry(["--version"]).stdout.split("\n")[0].split()[1]


class PackageTest(unittest.TestCase):

    def setUp(self):
        self.tmp = os.path.realpath(tempfile.mkdtemp(prefix="ferry-package-"))

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def shipped_units(self):
        return [u for u in UNITS if os.path.isfile(os.path.join(SOURCE, "config", u))]

    def test_deb(self):
        missing = [t for t in ("cpack", "dpkg-deb", "dpkg-shlibdeps") if shutil.which(t) is None]
        if missing:
            self.skipTest("%s not installed" % ", ".join(missing))
        build = configured_copy(self, os.path.join(self.tmp, "build"))
        out = os.path.join(self.tmp, "dist")
        proc = subprocess.run(["cpack", "-G", "DEB", "--config", os.path.join(build, "CPackConfig.cmake"),
                               "-B", out], capture_output=True, text=True, timeout=120, cwd=self.tmp)
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        debs = [f for f in os.listdir(out) if f.endswith(".deb")]
        self.assertEqual(len(debs), 1, os.listdir(out))
        deb = os.path.join(out, debs[0])
        self.assertTrue(debs[0].startswith("ferry_%s_" % project_version()), debs[0])

        info = subprocess.run(["dpkg-deb", "-I", deb], capture_output=True, text=True, timeout=30)
        self.assertEqual(info.returncode, 0, info)
        fields = dict(re.findall(r"(?m)^ ([A-Za-z-]+): (.*)$", info.stdout))
        self.assertEqual(fields.get("Package"), "ferry", info.stdout)
        self.assertEqual(fields.get("Version"), project_version())
        self.assertTrue(fields.get("Maintainer"), info.stdout)
        depends = [d.strip().split()[0] for d in fields.get("Depends", "").split(",") if d.strip()]
        self.assertIn("libc6", depends, info.stdout)
        if has_module("tls"):
            self.assertIn("libssl3", depends, info.stdout)
        conffiles = subprocess.run(["dpkg-deb", "-I", deb, "conffiles"], capture_output=True, text=True,
                                   timeout=30)
        self.assertEqual(conffiles.stdout.split(), ["/etc/ferry/ferry.toml"], conffiles)

        contents = subprocess.run(["dpkg-deb", "-c", deb], capture_output=True, text=True, timeout=30)
        paths = {line.split()[-1] for line in contents.stdout.splitlines() if line.strip()}
        expected = {"./usr/bin/ferry", "./etc/ferry/ferry.toml", "./usr/share/man/man8/ferry.8",
                    "./usr/share/doc/ferry/LICENSE"}
        expected |= {"./lib/systemd/system/" + u for u in self.shipped_units()}
        self.assertFalse(expected - paths, contents.stdout)
        for path in paths:
            self.assertRegex(path, r"^\./(usr|etc|lib)/", "unexpected path in the package")
        self.assertFalse([p for p in paths if "/usr/local" in p], "the package installs under /usr")

        tree = os.path.join(self.tmp, "tree")
        subprocess.run(["dpkg-deb", "-x", deb, tree], check=True, timeout=60)
        proc = subprocess.run([tree + "/usr/bin/ferry", "--version"], capture_output=True, text=True, timeout=30)
        self.assertEqual(proc.returncode, 0, proc)
        self.assertEqual(proc.stdout, run_ferry(["--version"]).stdout)
        for unit in self.shipped_units():
            text = read(os.path.join(tree, "lib/systemd/system", unit))
            for m in re.finditer(r"(/[^\s\"=]*/s?bin/ferry)(?=[\s\"]|$)", text):
                self.assertEqual(m.group(1), "/usr/bin/ferry", unit)

    @unittest.skipIf(yaml is None, "python3-yaml is not installed")
    def test_release_tarball_layout(self):
        """The tarball step's install settings put everything under the one prefix."""
        if shutil.which("cmake") is None:
            self.skipTest("cmake is not on PATH")
        release = load_workflow("release.yml")
        text = "\n".join(run_text(j) for j in release["jobs"].values())
        calls = [w for w in command_words(text) if w and w[0] == "scripts/build-release.sh" and "install" in w]
        self.assertEqual(len(calls), 1, calls)
        words = calls[0]
        definitions = [w for w in words if w.startswith("-D")]
        prefix = words[words.index("--prefix") + 1]
        self.assertEqual(prefix, "/usr/local")
        build = configured_copy(self, os.path.join(self.tmp, "build"), *definitions)
        stage = os.path.join(self.tmp, "stage")
        cmake_install(self, build, stage, prefix)
        installed = []
        for dirpath, _, filenames in os.walk(stage):
            installed += [os.path.join(dirpath, f)[len(stage):] for f in filenames]
        outside = [p for p in installed if not p.startswith(prefix + "/")]
        self.assertFalse(outside, "the tarball would miss these: %s" % outside)
        for path in ("bin/ferry", "etc/ferry/ferry.toml", "share/man/man8/ferry.8"):
            self.assertIn(prefix + "/" + path, installed)
        for unit in self.shipped_units():
            unit_path = prefix + "/lib/systemd/system/" + unit
            self.assertIn(unit_path, installed)
            text = read(stage + unit_path)
            self.assertNotRegex(text, r"(?<![\w.-])/etc/ferry(?=[/\s\"]|$)")
            for m in re.finditer(r"(/[^\s\"=]*/s?bin/ferry)(?=[\s\"]|$)", text):
                self.assertEqual(m.group(1), prefix + "/bin/ferry", unit)


if __name__ == "__main__":
    unittest.main()
