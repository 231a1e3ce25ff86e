// What `ferry precompress` prints when it is done: pure formatting of the run's totals.
#pragma once

#include <cstdint>
#include <string>

#include "modules/compression/precompress_options.hpp"
#include "modules/compression/precompress_runner.hpp"

namespace ferry {

// "812 B", "1.5 KiB", "3.2 MiB", "1.0 GiB" (one decimal from KiB on).
std::string format_byte_size(std::uint64_t bytes);

// The summary of a run that writes: the files scanned, one line per coding (sidecars written,
// up to date, not smaller, removed; bytes before and after and the saving for those written),
// then errors, threads and the elapsed time. Ends with a newline.
std::string format_precompress_report(const precompress_options& options, const precompress_totals& totals,
                                      double seconds);

// The one-line summary of a --check run. Ends with a newline.
std::string format_precompress_check_summary(const precompress_options& options,
                                             const precompress_totals& totals, double seconds);

}  // namespace ferry
