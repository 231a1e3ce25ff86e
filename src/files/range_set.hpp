// Byte ranges (RFC 9110 §14).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ferry {

struct byte_range {
  std::uint64_t first = 0;  // inclusive
  std::uint64_t last = 0;   // inclusive
  std::uint64_t length() const { return last - first + 1; }
};

enum class range_outcome {
  whole,          // no Range, unknown unit, invalid syntax, or too many ranges: send 200
  partial,        // send 206 with `ranges`
  unsatisfiable,  // send 416 with Content-Range: bytes */size
};

struct range_result {
  range_outcome outcome = range_outcome::whole;
  std::vector<byte_range> ranges;  // sorted, overlapping and adjacent ranges coalesced
};

// Parses a Range value against a representation of `size` bytes. Ranges that start past the
// end are dropped; if none is left the result is unsatisfiable. Ranges are coalesced when they
// overlap or touch (so the response is never larger than the file plus part headers); more than
// `max_ranges` ranges after parsing → whole.
range_result parse_range(std::string_view header, std::uint64_t size, std::size_t max_ranges);

// multipart/byteranges framing for a 206 with several ranges.
class multipart_byteranges {
 public:
  // `boundary` must be unique within the response (e.g. random hex); `content_type` and `size`
  // are the representation's.
  multipart_byteranges(std::string boundary, std::string_view content_type, std::uint64_t size,
                       const std::vector<byte_range>& ranges);
  // "multipart/byteranges; boundary=…"
  const std::string& content_type() const { return content_type_; }
  // The text before part i's bytes: "\r\n--B\r\nContent-Type: …\r\nContent-Range: …\r\n\r\n"
  // (the first part's leading CRLF is omitted).
  const std::string& part_header(std::size_t i) const { return part_headers_[i]; }
  // "\r\n--B--\r\n"
  const std::string& trailer() const { return trailer_; }
  // Total body length: all part headers, all range bytes, the trailer.
  std::uint64_t body_length() const { return body_length_; }

 private:
  std::string content_type_;
  std::vector<std::string> part_headers_;
  std::string trailer_;
  std::uint64_t body_length_ = 0;
};

}  // namespace ferry
