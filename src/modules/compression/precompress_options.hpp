// The command line of `ferry precompress ROOT [options]` as plain values. Parsing is pure (no
// file system access), so every usage error is unit-testable.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ferry {

inline constexpr std::uint64_t precompress_default_min_size = 256;
inline constexpr unsigned precompress_max_jobs = 1024;

struct precompress_options {
  std::string root;
  bool check = false;  // list what a run would change; write nothing
  bool force = false;  // rebuild sidecars that are up to date too
  bool quiet = false;  // print errors only
  std::vector<std::string_view> codings;  // "br", "zstd", "gzip": a subset, in that order
  unsigned jobs = 1;
  std::uint64_t min_size = precompress_default_min_size;
};

struct precompress_args {
  std::optional<precompress_options> options;  // empty: usage error (or help) below
  std::string error;                           // usage error; empty with --help
  bool help = false;
};

// The codings this binary can write, in the order the report lists them: "br", "zstd" (only
// when built with libzstd), "gzip". Views of static strings.
std::span<const std::string_view> precompress_codings();

// Reads the arguments after `precompress`. `default_jobs` is used without --jobs (0 counts
// as 1). Options take their value as the next argument or after '=' ("--jobs=4").
precompress_args parse_precompress_args(const std::vector<std::string>& args, unsigned default_jobs);

// One line per option, for --help and usage errors.
std::string_view precompress_usage();

}  // namespace ferry
