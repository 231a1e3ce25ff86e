// The fields of one HTTP/2 response in the form nghttp2 takes them: names lower-cased (RFC 9113
// §8.2.1), pseudo-headers, connection-specific fields (§8.2.2), names that are not tokens and
// values HTTP/2 may not carry (§8.2.1: NUL, CR, LF and other controls but HTAB, or whitespace
// at either end) dropped, content-length from the head, never-indexed flags set.
#pragma once

#include <nghttp2/nghttp2.h>

#include <cstddef>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "modules/http2_protocol.hpp"

namespace ferry {

// Writes `name` lower-cased to `out` (name.size() bytes); false when it is not a token.
bool lower_field_name(std::string_view name, char* out);
// Whether HTTP/2 may carry `value` as a field value.
bool valid_field_value(std::string_view value);

class response_fields {
 public:
  // The list for `head` (":status" first), valid until the next build(). nghttp2 copies what
  // it is given, so one object serves every response a thread makes.
  std::span<const nghttp2_nv> build(const http2_response_head& head);

 private:
  // Lower-cased names and numbers; sized before it is filled, so the pointers in nv_ stay
  // valid.
  std::unique_ptr<char[]> text_;
  std::size_t capacity_ = 0;
  std::vector<nghttp2_nv> nv_;
};

}  // namespace ferry
