#include "config/config_changes.hpp"

#include <algorithm>
#include <sstream>

namespace ferry {
namespace {

// FNV-1a: a summary, not a security boundary (a collision would only hide a change's name).
std::uint64_t digest(std::string_view text) {
  std::uint64_t hash = 0xcbf29ce484222325ULL;
  for (const char c : text) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 0x100000001b3ULL;
  }
  return hash;
}

void append_list(std::string& out, std::string_view label, const std::vector<std::string_view>& names) {
  if (names.empty()) return;
  if (!out.empty()) out += "; ";
  out += label;
  out += ": ";
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i != 0) out += ", ";
    out += names[i];
  }
}

}  // namespace

config_digests digest_config_sections(const toml::table& document) {
  config_digests out;
  for (const auto& [key, node] : document) {
    std::ostringstream text;
    node.visit([&](const auto& value) { text << toml::toml_formatter(value); });
    out.emplace_back(std::string(key.str()), digest(text.str()));
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string describe_config_changes(const config_digests& before, const config_digests& after) {
  std::vector<std::string_view> changed, added, removed;
  auto b = before.begin();
  auto a = after.begin();
  while (b != before.end() || a != after.end()) {
    if (a == after.end() || (b != before.end() && b->first < a->first)) {
      removed.push_back((b++)->first);
    } else if (b == before.end() || a->first < b->first) {
      added.push_back((a++)->first);
    } else {
      if (a->second != b->second) changed.push_back(a->first);
      ++a;
      ++b;
    }
  }
  std::string out;
  append_list(out, "changed", changed);
  append_list(out, "added", added);
  append_list(out, "removed", removed);
  return out.empty() ? "no changes" : out;
}

}  // namespace ferry
