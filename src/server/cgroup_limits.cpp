#include "server/cgroup_limits.hpp"

#include <charconv>
#include <fstream>
#include <sstream>
#include <string_view>
#include <vector>

namespace ferry {
namespace {

// A v1 memory limit at or above this means "unlimited" (the kernel reports a page-rounded
// LONG_MAX there).
constexpr std::uint64_t v1_unlimited = std::uint64_t{1} << 62;

std::optional<std::string> read_first_line(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  if (!in || !std::getline(in, line)) return std::nullopt;
  return line;
}

std::optional<std::int64_t> parse_integer(std::string_view text) {
  std::int64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

// "/a/b/c" -> "/a/b/c", "/a/b", "/a", "" (the cgroup root).
std::vector<std::string> levels(std::string path) {
  std::vector<std::string> out;
  while (!path.empty() && path != "/") {
    out.push_back(path);
    path.erase(path.rfind('/'));
  }
  out.emplace_back();
  return out;
}

void keep_tighter(cgroup_limits& out, double cpus, const std::string& source) {
  if (cpus <= 0) return;
  if (!out.cpus || cpus < *out.cpus) {
    out.cpus = cpus;
    out.cpu_source = source;
  }
}

void keep_tighter(cgroup_limits& out, std::uint64_t bytes, const std::string& source) {
  if (!out.memory_bytes || bytes < *out.memory_bytes) {
    out.memory_bytes = bytes;
    out.memory_source = source;
  }
}

void read_v2(const std::string& base, const std::string& path, cgroup_limits& out) {
  for (const std::string& level : levels(path)) {
    const std::string dir = base + level;
    // cpu.max: "max 100000" or "QUOTA PERIOD".
    if (auto line = read_first_line(dir + "/cpu.max")) {
      std::istringstream fields(*line);
      std::string quota;
      std::string period;
      fields >> quota >> period;
      const auto q = parse_integer(quota);
      const auto p = parse_integer(period);
      if (q && p && *q > 0 && *p > 0) keep_tighter(out, static_cast<double>(*q) / static_cast<double>(*p), dir + "/cpu.max");
    }
    if (auto line = read_first_line(dir + "/memory.max")) {
      if (const auto bytes = parse_integer(*line); bytes && *bytes > 0) {
        keep_tighter(out, static_cast<std::uint64_t>(*bytes), dir + "/memory.max");
      }
    }
  }
}

void read_v1_cpu(const std::string& base, const std::string& path, cgroup_limits& out) {
  for (const std::string& level : levels(path)) {
    const std::string dir = base + level;
    const auto quota = read_first_line(dir + "/cpu.cfs_quota_us");
    const auto period = read_first_line(dir + "/cpu.cfs_period_us");
    if (!quota || !period) continue;
    const auto q = parse_integer(*quota);
    const auto p = parse_integer(*period);
    if (q && p && *q > 0 && *p > 0) {
      keep_tighter(out, static_cast<double>(*q) / static_cast<double>(*p), dir + "/cpu.cfs_quota_us");
    }
  }
}

void read_v1_memory(const std::string& base, const std::string& path, cgroup_limits& out) {
  for (const std::string& level : levels(path)) {
    const std::string file = base + level + "/memory.limit_in_bytes";
    if (auto line = read_first_line(file)) {
      const auto bytes = parse_integer(*line);
      if (bytes && *bytes > 0 && static_cast<std::uint64_t>(*bytes) < v1_unlimited) {
        keep_tighter(out, static_cast<std::uint64_t>(*bytes), file);
      }
    }
  }
}

bool lists(std::string_view controllers, std::string_view name) {
  while (!controllers.empty()) {
    const std::size_t comma = controllers.find(',');
    if (controllers.substr(0, comma) == name) return true;
    if (comma == std::string_view::npos) break;
    controllers.remove_prefix(comma + 1);
  }
  return false;
}

}  // namespace

cgroup_limits read_cgroup_limits(const std::string& root) {
  cgroup_limits out;
  std::ifstream in(root + "/proc/self/cgroup");
  const std::string mount = root + "/sys/fs/cgroup";
  for (std::string line; std::getline(in, line);) {
    // "HIERARCHY-ID:CONTROLLERS:PATH"; v2 is "0::PATH".
    const std::size_t first = line.find(':');
    const std::size_t second = first == std::string::npos ? first : line.find(':', first + 1);
    if (second == std::string::npos) continue;
    const std::string_view controllers = std::string_view(line).substr(first + 1, second - first - 1);
    const std::string path = line.substr(second + 1);
    if (path.empty() || path.front() != '/' || path.find("/..") != std::string::npos) continue;
    if (line.compare(0, first, "0") == 0 && controllers.empty()) {
      // v2: the unified hierarchy at /sys/fs/cgroup (or /sys/fs/cgroup/unified in hybrid mode).
      read_v2(mount, path, out);
      read_v2(mount + "/unified", path, out);
    } else {
      if (lists(controllers, "cpu")) {
        read_v1_cpu(mount + "/cpu", path, out);
        read_v1_cpu(mount + "/cpu,cpuacct", path, out);
      }
      if (lists(controllers, "memory")) read_v1_memory(mount + "/memory", path, out);
    }
  }
  return out;
}

}  // namespace ferry
