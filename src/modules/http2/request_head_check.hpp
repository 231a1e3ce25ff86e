// What RFC 9113 §8.1-§8.3 require of a request's fields, checked one decoded field at a time:
// lower-case token names, values without NUL, CR, LF or other controls (§8.2.1), the four
// request pseudo-headers once each and before every regular field (§8.3), none of the
// connection-specific fields, te only as "trailers" (§8.2.2), one content-length of digits.
// A request that fails is malformed: a stream error PROTOCOL_ERROR (§8.1.1).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace ferry {

class request_head_check {
 public:
  // A field of the request head, in the order it came; false: malformed. `checked_before`: the
  // same name and value passed here before (an HPACK index the decoder marked), so only what
  // depends on this head's other fields is looked at: order, repetition, the length's value.
  bool field(std::string_view name, std::string_view value, bool checked_before = false);
  // The head is complete: the required pseudo-headers were there (§8.3.1) and :path has a
  // form the method allows.
  bool complete() const;
  // The declared content-length, if any.
  std::optional<std::uint64_t> content_length() const { return content_length_; }

  // A trailer field (§8.1): no pseudo-headers, and the same name and value rules.
  static bool trailer_field(std::string_view name, std::string_view value);

 private:
  bool pseudo_field(std::string_view name, std::string_view value, bool checked_before);

  enum pseudo : std::uint8_t { method = 1, scheme = 2, path = 4, authority = 8 };
  std::uint8_t seen_ = 0;
  bool regular_seen_ = false;
  bool connect_ = false;
  bool options_ = false;
  bool path_is_asterisk_ = false;
  std::optional<std::uint64_t> content_length_;
};

}  // namespace ferry
