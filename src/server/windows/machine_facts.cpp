// Windows: the CPUs of the process's affinity mask, no cgroups, and the C runtime's limit on
// open files (sockets are not C runtime descriptors and have no such limit).
#include <windows.h>

#include <bit>
#include <cstdio>

#include "server/runtime_tuning.hpp"

namespace ferry {

namespace {

// The most _setmaxstdio accepts: 8192 with the Universal CRT, 2048 with the older msvcrt.dll
// that mingw-w64 links by default.
constexpr int crt_file_limits[] = {8192, 2048};

}  // namespace

machine_facts read_machine_facts() {
  machine_facts facts;
  DWORD_PTR process = 0;
  DWORD_PTR system = 0;
  if (::GetProcessAffinityMask(::GetCurrentProcess(), &process, &system) && process != 0) {
    facts.affinity_cpus = static_cast<unsigned>(std::popcount(static_cast<std::uint64_t>(process)));
  }
  facts.cpus_source = "GetProcessAffinityMask";
  facts.fd_soft = static_cast<std::uint64_t>(::_getmaxstdio());
  facts.fd_hard = facts.fd_soft;  // known once raise_fd_limit found what the runtime accepts
  facts.fd_source = "C runtime open-file limit";
  return facts;
}

bool raise_fd_limit(machine_facts& facts) {
  for (const int limit : crt_file_limits) {
    if (::_setmaxstdio(limit) < 0) continue;
    facts.fd_soft = facts.fd_hard = static_cast<std::uint64_t>(::_getmaxstdio());
    return true;
  }
  return false;
}

}  // namespace ferry
