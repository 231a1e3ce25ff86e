"""ferry --print-tuning: the worker count follows the CPUs the process may use (taskset) unless
configured, the descriptor limit is raised to the hard limit (prlimit), and every value names
its source. The cgroup parts are unit-tested on fake cgroup trees."""

import re
import shutil
import subprocess
import unittest

from ferry_harness import FERRY_BIN, WINDOWS


def tuning(*args, prefix=()):
    proc = subprocess.run([*prefix, FERRY_BIN, "--print-tuning", *args], capture_output=True, text=True, timeout=10)
    assert proc.returncode == 0, proc
    values = {}
    for line in proc.stdout.splitlines():
        name, value, source = re.match(r"^(\S+)\s+(.+?)\s{2,}(.+)$", line).groups()
        values[name] = (value, source)
    return values


class PrintTuningTest(unittest.TestCase):
    def test_lists_every_value_with_a_source(self):
        values = tuning()
        self.assertEqual(set(values), {"workers", "open_file_cache", "cpu_quota", "memory_limit", "open_files"})
        for name, (value, source) in values.items():
            self.assertTrue(value and source, name)

    @unittest.skipUnless(shutil.which("taskset"), "needs taskset")
    def test_workers_follow_the_cpus_the_process_may_use(self):
        value, source = tuning(prefix=("taskset", "-c", "0"))["workers"]
        if "cgroup" not in source:
            self.assertEqual(value, "1")
            self.assertIn("1 CPUs available", source)
        self.assertEqual(tuning("--workers", "3", prefix=("taskset", "-c", "0"))["workers"], ("3", "configured"))

    @unittest.skipUnless(shutil.which("prlimit"), "needs prlimit")
    @unittest.skipIf(WINDOWS, "RLIMIT_NOFILE does not apply: Windows reports the C runtime's open-file limit")
    def test_descriptor_limit_is_raised_to_the_hard_limit(self):
        value, source = tuning(prefix=("prlimit", "--nofile=256:4096"))["open_files"]
        self.assertEqual(value, "4096")
        self.assertIn("raised", source)


if __name__ == "__main__":
    unittest.main()
