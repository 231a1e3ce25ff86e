// What the fuzz targets share: a check that traps, and splitting one input into fields.
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

namespace ferry::fuzz {

// A broken invariant: libFuzzer records the input that led here.
inline void check(bool condition) {
  if (!condition) __builtin_trap();
}

// The first `count` lines of `input` ('\n'-separated); missing ones are empty.
inline std::vector<std::string_view> lines_of(std::string_view input, std::size_t count) {
  std::vector<std::string_view> lines;
  while (lines.size() < count) {
    const std::size_t end = input.find('\n');
    lines.push_back(input.substr(0, end));
    if (end == std::string_view::npos) break;
    input.remove_prefix(end + 1);
  }
  lines.resize(count);
  return lines;
}

}  // namespace ferry::fuzz
