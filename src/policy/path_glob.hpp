// Path globs for header rules: `*` matches within one segment (not '/'), `**` matches across
// segments (any characters, including '/'), `?` one character other than '/'. Everything else
// matches itself. Matching is linear in the path length times the number of stars (no
// exponential backtracking on hostile paths).
#pragma once

#include <string>
#include <string_view>

namespace ferry {

class path_glob {
 public:
  explicit path_glob(std::string pattern);
  bool matches(std::string_view path) const;
  const std::string& pattern() const { return pattern_; }

 private:
  std::string pattern_;
};

}  // namespace ferry
