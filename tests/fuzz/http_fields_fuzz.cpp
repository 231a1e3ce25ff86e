// Fuzzes the readers of request fields that decide what a response is: the first byte picks
// the reader, the rest is its input. Any broken invariant traps.
//   0  HTTP dates: a parsed date (from year 1) formats as IMF-fixdate and parses back to the
//      same time
//   1  Accept-Encoding: the choice is identity or one of the codings offered
//   2  conditionals: the input's lines are If-Match, If-None-Match, If-Modified-Since,
//      If-Unmodified-Since and If-Range (an empty line: absent); 304 only for GET and HEAD,
//      none of them: proceed, and If-Range holds only for the exact strong tag or the exact
//      date (whitespace around either aside)
//   3  authority: a valid one's host lies inside it
#include <array>
#include <cstddef>
#include <cstdint>
#include <ctime>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "fuzz_support.hpp"
#include "http/accept_encoding.hpp"
#include "http/authority.hpp"
#include "http/conditional.hpp"
#include "http/http_date.hpp"

namespace {

using ferry::fuzz::check;

void fuzz_date(std::string_view input) {
  // RFC 850's two-digit years resolve against "now": a fixed one keeps runs reproducible.
  constexpr std::time_t now = 1798761600;  // 2027-01-01
  const std::optional<std::time_t> parsed = ferry::parse_http_date(input, now);
  if (!parsed) return;
  // Year 0000 parses (four digits), but IMF-fixdate's formatting starts at 0001.
  constexpr std::time_t year_one = -62135596800;  // 0001-01-01T00:00:00Z
  if (*parsed < year_one) return;
  char text[ferry::http_date_length + 1] = {};
  ferry::format_http_date(*parsed, text);
  check(text[ferry::http_date_length] == '\0');
  const std::string_view formatted(text, ferry::http_date_length);
  check(ferry::parse_http_date(formatted, now) == parsed);
  check(ferry::parse_http_date(input, now) == parsed);
}

void fuzz_accept_encoding(std::string_view input) {
  static constexpr std::array<std::string_view, 3> offered = {"br", "zstd", "gzip"};
  for (std::size_t count = 0; count <= offered.size(); ++count) {
    const std::span<const std::string_view> available(offered.data(), count);
    const std::string_view chosen = ferry::choose_encoding(input, available);
    bool known = chosen.empty();
    for (const std::string_view coding : available) known = known || chosen == coding;
    check(known);
  }
}

std::optional<std::string_view> present(std::string_view line) {
  return line.empty() ? std::nullopt : std::optional<std::string_view>(line);
}

void fuzz_conditionals(std::string_view input) {
  const std::vector<std::string_view> lines = ferry::fuzz::lines_of(input, 5);
  ferry::conditional_headers headers;
  headers.if_match = present(lines[0]);
  headers.if_none_match = present(lines[1]);
  headers.if_modified_since = present(lines[2]);
  headers.if_unmodified_since = present(lines[3]);
  ferry::validators current;
  current.etag = "\"5f1c-2a\"";
  current.last_modified = 1764000000;  // 2025-11-24 16:00:00 UTC
  check(ferry::evaluate_preconditions(headers, current, false) != ferry::precondition::not_modified);
  const ferry::precondition for_get = ferry::evaluate_preconditions(headers, current, true);
  // Without any condition, the request proceeds.
  if (!headers.if_match && !headers.if_none_match && !headers.if_modified_since && !headers.if_unmodified_since) {
    check(for_get == ferry::precondition::proceed);
  }
  std::string_view if_range = lines[4];
  if (ferry::if_range_matches(if_range, current)) {
    // Optional whitespace around a field value is not part of it (RFC 9110 §5.5).
    while (!if_range.empty() && (if_range.front() == ' ' || if_range.front() == '\t')) if_range.remove_prefix(1);
    while (!if_range.empty() && (if_range.back() == ' ' || if_range.back() == '\t')) if_range.remove_suffix(1);
    check(if_range == current.etag || ferry::parse_http_date(if_range) == current.last_modified);
  }
}

void fuzz_authority(std::string_view input) {
  if (!ferry::is_valid_authority(input)) return;
  const std::string_view host = ferry::authority_host(input);
  check(host.empty() || (host.data() >= input.data() && host.data() + host.size() <= input.data() + input.size()));
  check(host.find_first_of("@/ \t\r\n") == std::string_view::npos);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::string_view input(reinterpret_cast<const char*>(data + 1), size - 1);
  switch (data[0] % 4) {
    case 0:
      fuzz_date(input);
      break;
    case 1:
      fuzz_accept_encoding(input);
      break;
    case 2:
      fuzz_conditionals(input);
      break;
    default:
      fuzz_authority(input);
      break;
  }
  return 0;
}
