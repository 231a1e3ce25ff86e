#include <sched.h>
#include <sys/resource.h>

#include <algorithm>
#include <thread>

#include "server/runtime_tuning.hpp"

namespace ferry {

machine_facts read_machine_facts() {
  machine_facts facts;
#ifdef __linux__
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) == 0) facts.affinity_cpus = static_cast<unsigned>(std::max(1, CPU_COUNT(&set)));
#else
  facts.affinity_cpus = std::max(1u, std::thread::hardware_concurrency());
  facts.cpus_source = "hardware_concurrency";
#endif
  facts.cgroup = read_cgroup_limits();
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0) {
    facts.fd_soft = limit.rlim_cur;
    facts.fd_hard = limit.rlim_max;
  }
  return facts;
}

bool raise_fd_limit(machine_facts& facts) {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return false;
  if (limit.rlim_cur < limit.rlim_max) {
    const rlim_t before = limit.rlim_cur;
    limit.rlim_cur = limit.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &limit) != 0) {
      limit.rlim_cur = before;
      return false;
    }
  }
  facts.fd_soft = limit.rlim_cur;
  facts.fd_hard = limit.rlim_max;
  return true;
}

}  // namespace ferry
