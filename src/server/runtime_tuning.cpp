#include "server/runtime_tuning.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace ferry {
namespace {

// A cached file costs its entry (~200 bytes) plus its body when small enough to be kept in
// memory (up to 8 KiB): budget the worst case.
constexpr std::uint64_t cache_entry_bytes = 8 * 1024 + 256;
// The share of a cgroup memory limit the open-file caches of all workers may take together.
constexpr std::uint64_t cache_memory_share = 8;
constexpr std::size_t min_cache_entries = 64;

std::string mebibytes(std::uint64_t bytes) {
  char text[32];
  std::snprintf(text, sizeof text, "%.0f MiB", static_cast<double>(bytes) / (1024.0 * 1024.0));
  return text;
}

std::string cpus_text(double cpus) {
  char text[32];
  std::snprintf(text, sizeof text, "%.2f", cpus);
  return text;
}

}  // namespace

runtime_tuning derive_tuning(unsigned configured_workers, std::size_t configured_open_file_cache,
                             const machine_facts& facts) {
  runtime_tuning t;
  const auto& cgroup = facts.cgroup;

  if (configured_workers != 0) {
    t.workers = configured_workers;
    t.lines.push_back({"workers", std::to_string(t.workers), "configured"});
  } else {
    t.workers = std::max(1u, facts.affinity_cpus);
    std::string source = std::to_string(facts.affinity_cpus) + " CPUs available (" + facts.cpus_source + ")";
    if (cgroup.cpus) {
      // A fractional quota rounds up: 1.5 CPUs keep two workers busy part of the time.
      const auto quota = static_cast<unsigned>(std::max(1.0, std::ceil(*cgroup.cpus - 1e-9)));
      if (quota < t.workers) {
        t.workers = quota;
        source = "cgroup CPU quota " + cpus_text(*cgroup.cpus) + " (" + cgroup.cpu_source + ")";
      }
    }
    t.lines.push_back({"workers", std::to_string(t.workers), source});
  }

  t.open_file_cache = configured_open_file_cache;
  std::string cache_source = "configured (files.open_file_cache)";
  if (configured_open_file_cache != 0 && cgroup.memory_bytes) {
    const std::uint64_t per_worker = *cgroup.memory_bytes / cache_memory_share / t.workers / cache_entry_bytes;
    const std::size_t fitting = std::max<std::size_t>(min_cache_entries, static_cast<std::size_t>(per_worker));
    if (fitting < configured_open_file_cache) {
      t.open_file_cache = fitting;
      cache_source = "lowered to fit 1/" + std::to_string(cache_memory_share) + " of the cgroup memory limit";
    }
  }
  t.lines.push_back({"open_file_cache", std::to_string(t.open_file_cache) + " per worker", cache_source});

  t.lines.push_back({"cpu_quota", cgroup.cpus ? cpus_text(*cgroup.cpus) : "none",
                     cgroup.cpus ? cgroup.cpu_source : "no cgroup CPU limit"});
  t.lines.push_back({"memory_limit", cgroup.memory_bytes ? mebibytes(*cgroup.memory_bytes) : "none",
                     cgroup.memory_bytes ? cgroup.memory_source : "no cgroup memory limit"});
  t.lines.push_back({"open_files", std::to_string(facts.fd_soft),
                     facts.fd_soft == facts.fd_hard
                         ? facts.fd_source + ", soft limit raised to the hard limit"
                         : facts.fd_source + " soft limit (hard " + std::to_string(facts.fd_hard) + ")"});
  return t;
}

std::string format_tuning(const runtime_tuning& tuning) {
  std::size_t name_width = 0;
  std::size_t value_width = 0;
  for (const auto& line : tuning.lines) {
    name_width = std::max(name_width, line.name.size());
    value_width = std::max(value_width, line.value.size());
  }
  std::string out;
  for (const auto& line : tuning.lines) {
    out += line.name;
    out.append(name_width - line.name.size() + 2, ' ');
    out += line.value;
    out.append(value_width - line.value.size() + 2, ' ');
    out += line.source;
    out += '\n';
  }
  return out;
}

}  // namespace ferry
