// The CPU and memory a container (or systemd slice) grants this process, from its cgroup:
// v2 (cpu.max, memory.max) or v1 (cpu.cfs_quota_us / cpu.cfs_period_us, memory.limit_in_bytes).
// Every level from the process's cgroup up to the root is read and the tightest limit wins, as
// the kernel enforces it. Containers often see 64 CPUs in /proc while granted two; sizing
// workers by the core count would then oversubscribe the quota and add latency.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace ferry {

struct cgroup_limits {
  std::optional<double> cpus;                 // quota / period, e.g. 1.5
  std::string cpu_source;                     // the file it came from
  std::optional<std::uint64_t> memory_bytes;  // hard memory limit
  std::string memory_source;
};

// Reads /proc/self/cgroup and the cgroup files beneath `root` ("" = the real file system;
// tests pass a directory holding proc/self/cgroup and sys/fs/cgroup/...). Missing or unreadable
// files mean "no limit"; never throws.
cgroup_limits read_cgroup_limits(const std::string& root = "");

}  // namespace ferry
