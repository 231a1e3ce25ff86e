#include "modules/compression/media_type_set.hpp"

#include <algorithm>
#include <cstddef>

#include "http/char_classes.hpp"

namespace ferry {
namespace {

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

using char_class::is_token;

bool equal_ignoring_case(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(),
                                            [](char x, char y) { return lower(x) == lower(y); });
}

using char_class::trim_ows;

}  // namespace

bool media_type_set::valid_pattern(std::string_view pattern) {
  const std::size_t slash = pattern.find('/');
  if (slash == std::string_view::npos) return false;
  const std::string_view type = pattern.substr(0, slash);
  const std::string_view subtype = pattern.substr(slash + 1);
  if (!is_token(type) || type.find('*') != std::string_view::npos) return false;
  return subtype == "*" || (is_token(subtype) && subtype.find('*') == std::string_view::npos);
}

void media_type_set::add(std::string_view pattern) {
  if (!valid_pattern(pattern)) return;
  std::string entry(pattern);
  std::ranges::transform(entry, entry.begin(), lower);
  const bool prefix = entry.ends_with("/*");
  if (prefix) entry.pop_back();
  matchers_.push_back({std::move(entry), prefix});
}

bool media_type_set::contains(std::string_view media_type) const {
  media_type = trim_ows(media_type.substr(0, media_type.find(';')));
  const std::size_t slash = media_type.find('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 == media_type.size()) return false;
  for (const matcher& m : matchers_) {
    // Lengths first: most entries differ in length from the type asked about.
    if (m.prefix ? media_type.size() > m.text.size() && equal_ignoring_case(media_type.substr(0, m.text.size()), m.text)
                 : equal_ignoring_case(media_type, m.text)) {
      return true;
    }
  }
  return false;
}

}  // namespace ferry
