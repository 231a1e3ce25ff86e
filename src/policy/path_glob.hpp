// Path globs for header rules: `*` matches within one segment (not '/'), `**` matches across
// segments (any characters, including '/'), `?` one character other than '/'. Everything else
// matches itself. As in gitignore, a `**` written as "/**/" may also stand for a single "/",
// so "/**/*.js" matches "/app.js" and "/a/**/b" matches "/a/b". Matching is linear in the path
// length times the pattern length (no exponential backtracking on hostile paths).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace ferry {

class path_glob {
 public:
  explicit path_glob(std::string pattern);
  bool matches(std::string_view path) const;
  const std::string& pattern() const { return pattern_; }

 private:
  enum class token_kind : unsigned char { literal, one_char, segment_star, any_star };
  struct token {
    token_kind kind;
    char ch;                 // for literal
    bool skips_next_slash;   // `**` written as "/**/": may also match the single "/" between
  };
  std::string pattern_;
  std::vector<token> tokens_;  // compiled once; matching only reads them
};

}  // namespace ferry
