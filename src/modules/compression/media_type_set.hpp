// The media types worth compressing: exact "type/subtype" entries and "type/*" wildcards,
// matched case-insensitively (RFC 9110 §8.3.1).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace ferry {

class media_type_set {
 public:
  // Whether `pattern` is "type/subtype" or "type/*" with RFC 9110 token characters and no
  // parameters. "*/*" is not accepted: it would compress already-compressed images and video.
  static bool valid_pattern(std::string_view pattern);

  // Adds a pattern that valid_pattern() accepted; others are ignored.
  void add(std::string_view pattern);

  // Whether `media_type` matches an entry. Parameters (";charset=…") and surrounding
  // whitespace are ignored, so a raw Content-Type value is safe to pass.
  bool contains(std::string_view media_type) const;

 private:
  // The patterns, lower case, in configuration order: a "type/*" entry as its "type/" prefix.
  struct matcher {
    std::string text;
    bool prefix = false;
  };
  std::vector<matcher> matchers_;
};

}  // namespace ferry
