#include "files/range_set.hpp"

#include <algorithm>
#include <optional>

#include "http/char_classes.hpp"

namespace ferry {

namespace {

// 19 digits always fit in 64 bits; anything longer is no real file offset.
constexpr std::size_t max_digits = 19;

using char_class::trim_ows;

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char c = a[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != b[i]) return false;
  }
  return true;
}

// 1*DIGIT, at most max_digits of them.
std::optional<std::uint64_t> parse_number(std::string_view text) {
  if (text.empty() || text.size() > max_digits) return std::nullopt;
  std::uint64_t value = 0;
  for (const char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return value;
}

enum class spec_status { ok, unsatisfiable, invalid };

// One range-spec: int-range ("first-[last]") or suffix-range ("-length"), resolved against
// `size`. `out` is set only for ok.
spec_status parse_spec(std::string_view spec, std::uint64_t size, byte_range& out) {
  const std::size_t dash = spec.find('-');
  if (dash == std::string_view::npos) return spec_status::invalid;
  if (dash == 0) {
    const auto length = parse_number(spec.substr(1));
    if (!length) return spec_status::invalid;
    // §14.1.3: a zero-length suffix selects nothing; an empty representation has no suffix.
    if (*length == 0 || size == 0) return spec_status::unsatisfiable;
    out.first = *length >= size ? 0 : size - *length;
    out.last = size - 1;
    return spec_status::ok;
  }
  const auto first = parse_number(spec.substr(0, dash));
  if (!first) return spec_status::invalid;
  const std::string_view last_text = spec.substr(dash + 1);
  std::uint64_t last = size == 0 ? 0 : size - 1;
  if (!last_text.empty()) {
    const auto parsed_last = parse_number(last_text);
    if (!parsed_last || *parsed_last < *first) return spec_status::invalid;
    last = std::min(last, *parsed_last);
  }
  if (*first >= size) return spec_status::unsatisfiable;
  out.first = *first;
  out.last = last;
  return spec_status::ok;
}

// Sorts and merges ranges that overlap or touch. `last` is below size <= UINT64_MAX, so
// `last + 1` cannot wrap.
void coalesce(std::vector<byte_range>& ranges) {
  std::sort(ranges.begin(), ranges.end(),
            [](const byte_range& a, const byte_range& b) { return a.first < b.first; });
  std::size_t kept = 0;
  for (std::size_t i = 1; i < ranges.size(); ++i) {
    if (ranges[i].first <= ranges[kept].last + 1) {
      ranges[kept].last = std::max(ranges[kept].last, ranges[i].last);
    } else {
      ranges[++kept] = ranges[i];
    }
  }
  ranges.resize(kept + 1);
}

}  // namespace

range_result parse_range(std::string_view header, std::uint64_t size, std::size_t max_ranges) {
  range_result result;  // whole unless everything below checks out
  header = trim_ows(header);
  const std::size_t equals = header.find('=');
  if (equals == std::string_view::npos || !iequals(header.substr(0, equals), "bytes")) {
    return result;
  }
  std::string_view set = header.substr(equals + 1);

  std::vector<byte_range> ranges;
  std::size_t specs = 0;
  while (true) {
    const std::size_t comma = set.find(',');
    const std::string_view spec = trim_ows(set.substr(0, comma));
    // Empty list elements are allowed by the list syntax (RFC 9110 §5.6.1.2) and cost nothing.
    if (!spec.empty()) {
      // Counted before dropping or merging, and we stop here, so a header with thousands of
      // tiny ranges costs at most max_ranges + 1 parses and no sort.
      if (++specs > max_ranges) return result;
      byte_range range;
      switch (parse_spec(spec, size, range)) {
        case spec_status::invalid: return result;
        case spec_status::unsatisfiable: break;
        case spec_status::ok: ranges.push_back(range); break;
      }
    }
    if (comma == std::string_view::npos) break;
    set.remove_prefix(comma + 1);
  }
  if (specs == 0) return result;  // "bytes=" or only commas: no range-spec at all

  if (ranges.empty()) {
    result.outcome = range_outcome::unsatisfiable;
    return result;
  }
  coalesce(ranges);
  result.outcome = range_outcome::partial;
  result.ranges = std::move(ranges);
  return result;
}

multipart_byteranges::multipart_byteranges(std::string boundary, std::string_view content_type,
                                           std::uint64_t size,
                                           const std::vector<byte_range>& ranges)
    : content_type_("multipart/byteranges; boundary=" + boundary) {
  const std::string size_text = std::to_string(size);
  part_headers_.reserve(ranges.size());
  for (std::size_t i = 0; i < ranges.size(); ++i) {
    std::string header;
    // Each part's bytes end with the CRLF that starts the next delimiter (§14.6), so it
    // belongs to the next part header (or the trailer), not to the first one.
    if (i > 0) header += "\r\n";
    header += "--";
    header += boundary;
    header += "\r\n";
    if (!content_type.empty()) {
      header += "Content-Type: ";
      header += content_type;
      header += "\r\n";
    }
    header += "Content-Range: bytes ";
    header += std::to_string(ranges[i].first);
    header += '-';
    header += std::to_string(ranges[i].last);
    header += '/';
    header += size_text;
    header += "\r\n\r\n";
    body_length_ += header.size() + ranges[i].length();
    part_headers_.push_back(std::move(header));
  }
  trailer_ = "\r\n--" + boundary + "--\r\n";
  body_length_ += trailer_.size();
}

}  // namespace ferry
