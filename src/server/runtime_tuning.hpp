// What ferry derives from the machine at start (and again on reload) rather than from the
// configuration: the worker count from the CPUs it may run on and the cgroup CPU quota, the
// open-file cache size from the cgroup memory limit, and the file-descriptor limit, raised to
// the hard limit. `ferry --print-tuning` prints every value and where it came from.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "server/cgroup_limits.hpp"

namespace ferry {

// Read per operating system (server/posix/machine_facts.cpp, server/windows/...).
struct machine_facts {
  unsigned affinity_cpus = 1;  // CPUs this process may run on
  std::string cpus_source = "sched_getaffinity";
  cgroup_limits cgroup;
  std::uint64_t fd_soft = 0;  // the open-file limit
  std::uint64_t fd_hard = 0;
  std::string fd_source = "RLIMIT_NOFILE";
};

struct tuning_line {
  std::string name;
  std::string value;
  std::string source;
};

struct runtime_tuning {
  unsigned workers = 1;
  std::size_t open_file_cache = 0;  // entries per worker
  std::vector<tuning_line> lines;   // for --print-tuning, in a fixed order
};

// What this process may use now. Never throws.
machine_facts read_machine_facts();

// Raises the soft RLIMIT_NOFILE to the hard limit (busy servers need more than the usual 1024
// descriptors; nginx needs worker_rlimit_nofile for this). Updates `facts`; false when the
// kernel refused.
bool raise_fd_limit(machine_facts& facts);

// `workers` and `open_file_cache` as configured (workers 0 = derive it). Pure: tests pass facts.
runtime_tuning derive_tuning(unsigned configured_workers, std::size_t configured_open_file_cache,
                             const machine_facts& facts);

// The lines aligned in columns, one per value.
std::string format_tuning(const runtime_tuning& tuning);

}  // namespace ferry
