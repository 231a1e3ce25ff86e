#include "http/request.hpp"

namespace ferry {

namespace {
constexpr char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }
}  // namespace

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

std::string_view request::header(std::string_view name, bool* found) const {
  for (const auto& h : headers) {
    if (iequals(h.name, name)) {
      if (found) *found = true;
      return h.value;
    }
  }
  if (found) *found = false;
  return {};
}

void request::clear() {
  auto kept = std::move(headers);
  kept.clear();
  *this = request{};
  headers = std::move(kept);
}

}  // namespace ferry
