#include "modules/compression/precompress_report.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <string_view>

namespace ferry {
namespace {

std::string count(std::uint64_t n) { return std::to_string(n); }

std::string fixed1(double value) {
  std::array<char, 32> text{};
  std::snprintf(text.data(), text.size(), "%.1f", value);
  return text.data();
}

std::string coding_line(const precompress_coding_totals& t) {
  std::string line = "  ";
  line += t.coding;
  line.append(6 - std::min<std::size_t>(t.coding.size(), 5), ' ');
  line += "written " + count(t.written) + ", up to date " + count(t.up_to_date) + ", not smaller " +
          count(t.not_smaller) + ", removed " + count(t.removed);
  if (t.not_regular > 0) line += ", left alone " + count(t.not_regular);
  if (t.failed > 0) line += ", failed " + count(t.failed);
  if (t.written > 0) {
    line += ": " + format_byte_size(t.bytes_before) + " -> " + format_byte_size(t.bytes_after);
    if (t.bytes_before > 0) {
      const double saved = static_cast<double>(t.bytes_before - t.bytes_after) / static_cast<double>(t.bytes_before);
      line += ", " + fixed1(100.0 * saved) + " % saved";
    }
  }
  line += '\n';
  return line;
}

}  // namespace

std::string format_byte_size(std::uint64_t bytes) {
  if (bytes < 1024) return std::to_string(bytes) + " B";
  constexpr std::array<std::string_view, 4> units = {"KiB", "MiB", "GiB", "TiB"};
  double value = static_cast<double>(bytes) / 1024.0;
  std::size_t unit = 0;
  while (value >= 1024.0 && unit + 1 < units.size()) {
    value /= 1024.0;
    ++unit;
  }
  return fixed1(value) + " " + std::string(units[unit]);
}

std::string format_precompress_report(const precompress_options& options, const precompress_totals& totals,
                                      double seconds) {
  std::string out = "precompress " + precompress_display_path(options.root, "") + ": " +
                    count(totals.walk.files) + " files, " + count(totals.walk.compressible) + " compressible, " +
                    count(totals.below_min_size) + " below " + format_byte_size(options.min_size);
  if (totals.walk.links > 0) out += ", " + count(totals.walk.links) + " links not followed";
  out += '\n';
  for (const precompress_coding_totals& t : totals.codings) out += coding_line(t);
  out += "  " + count(totals.errors) + (totals.errors == 1 ? " error, " : " errors, ") + count(totals.threads) +
         (totals.threads == 1 ? " thread, " : " threads, ") + fixed1(seconds) + " s\n";
  return out;
}

std::string format_precompress_check_summary(const precompress_options& options,
                                             const precompress_totals& totals, double seconds) {
  std::uint64_t missing = 0;
  std::uint64_t stale = 0;
  for (const precompress_coding_totals& t : totals.codings) {
    missing += t.missing;
    stale += t.stale;
  }
  return "precompress --check " + precompress_display_path(options.root, "") + ": " + count(missing) +
         " missing, " + count(stale) + " stale, " + count(totals.errors) +
         (totals.errors == 1 ? " error (" : " errors (") + count(totals.walk.compressible) + " compressible files, " +
         fixed1(seconds) + " s)\n";
}

}  // namespace ferry
