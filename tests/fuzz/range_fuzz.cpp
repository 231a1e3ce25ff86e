// Range parsing on arbitrary input: the first 8 bytes pick the representation size, the next
// one max_ranges, the rest is the Range value. Any broken invariant traps.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "files/range_set.hpp"
#include "fuzz_support.hpp"

namespace {

using ferry::fuzz::check;

std::uint64_t read_size(const std::uint8_t* data) {
  std::uint64_t size = 0;
  for (int i = 0; i < 8; ++i) size = (size << 8) | data[i];
  // Mostly small sizes so that ranges in the input land inside and overlap; the top bit
  // keeps huge sizes (up to UINT64_MAX) reachable.
  return (size >> 63) != 0 ? size : size % 100000;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t length) {
  if (length < 9) return 0;
  const std::uint64_t size = read_size(data);
  const std::size_t max_ranges = data[8] % 40;
  const std::string_view header(reinterpret_cast<const char*>(data + 9), length - 9);

  const ferry::range_result result = ferry::parse_range(header, size, max_ranges);
  switch (result.outcome) {
    case ferry::range_outcome::whole:
    case ferry::range_outcome::unsatisfiable:
      check(result.ranges.empty());
      return 0;
    case ferry::range_outcome::partial:
      break;
  }
  check(!result.ranges.empty());
  check(result.ranges.size() <= max_ranges);
  std::uint64_t total = 0;
  for (std::size_t i = 0; i < result.ranges.size(); ++i) {
    const ferry::byte_range& r = result.ranges[i];
    check(r.first <= r.last);
    check(r.last < size);
    // Sorted, and a gap of at least one byte to the previous range (no overlap, no touching).
    if (i > 0) check(result.ranges[i - 1].last + 1 < r.first);
    total += r.length();
    check(total <= size);
  }

  // The multipart framing must add up for whatever ranges came out.
  const ferry::multipart_byteranges multipart("fuzzboundary", "text/plain", size, result.ranges);
  std::uint64_t framed = multipart.trailer().size();
  for (std::size_t i = 0; i < result.ranges.size(); ++i) {
    framed += multipart.part_header(i).size() + result.ranges[i].length();
  }
  check(framed == multipart.body_length());
  return 0;
}
