#include "http/request.hpp"

namespace ferry {

namespace {
constexpr char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }
}  // namespace

bool iequals_same_size(const char* a, const char* b, std::size_t size) {
  for (std::size_t i = 0; i < size; ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

std::string_view request::find_header(std::string_view name, bool* found) const {
  for (const auto& h : headers_) {
    if (iequals(h.name, name)) {
      if (found) *found = true;
      return h.value;
    }
  }
  if (found) *found = false;
  return {};
}

void request::clear() {
  auto kept = std::move(headers_);
  kept.clear();
  *this = request{};
  headers_ = std::move(kept);
}

}  // namespace ferry
