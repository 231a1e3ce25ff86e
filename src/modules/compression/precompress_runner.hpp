// `ferry precompress`'s work: walks ROOT and brings the sidecars of every selected file up to
// date on a pool of threads, one file per job. The walk feeds a bounded queue, so memory and
// open directories stay bounded however large the tree is.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "modules/compression/precompress_options.hpp"
#include "modules/compression/precompress_sidecar.hpp"
#include "modules/compression/precompress_walk.hpp"

namespace ferry {

struct precompress_coding_totals {
  std::string_view coding;
  std::uint64_t written = 0;
  std::uint64_t up_to_date = 0;
  std::uint64_t not_smaller = 0;
  std::uint64_t removed = 0;
  std::uint64_t not_regular = 0;
  std::uint64_t missing = 0;  // --check
  std::uint64_t stale = 0;    // --check
  std::uint64_t failed = 0;
  // Sizes of the files whose sidecars were written (--check: would be written), and of those
  // sidecars.
  std::uint64_t bytes_before = 0;
  std::uint64_t bytes_after = 0;
};

struct precompress_totals {
  walk_counts walk;
  std::uint64_t below_min_size = 0;  // selected files smaller than --min-size
  std::uint64_t errors = 0;          // unreadable directories and files, failed sidecars
  std::vector<precompress_coding_totals> codings;  // in options.codings order
  std::vector<std::string> listing;  // --check: "missing PATH" / "stale PATH", sorted by PATH
  unsigned threads = 0;              // worker threads that ran

  bool changes_pending() const;  // --check found a missing or stale sidecar
};

// ROOT joined with a path below it, for output: "dist" + "css/a.css" → "dist/css/a.css".
// Control characters and backslashes become "\xNN", so every path stays on one line.
std::string precompress_display_path(std::string_view root, std::string_view relative);

// Runs over the tree under the open directory `root_fd`. `problem` gets one line per error
// or warning as it happens ("dist/a.css: reading: Permission denied"), one call at a time.
precompress_totals run_precompress(int root_fd, const precompress_options& options,
                                   const std::function<void(std::string_view line)>& problem);

}  // namespace ferry
