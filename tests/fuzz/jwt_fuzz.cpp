// Fuzzes what the auth module reads from a token before any key is touched: the first byte
// picks the reader, the rest is its input. Any broken invariant traps.
//   0  base64url: a decoded text encodes back to exactly its input (one spelling per value)
//   1  JSON: a parsed value keeps the depth limit, unique member names and valid UTF-8
//   2  the compact token: a parsed one points into its text, with JSON objects for header and
//      claims and none of the header parameters that would let it pick its own key
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_support.hpp"
#include "modules/auth/jwt_base64url.hpp"
#include "modules/auth/jwt_json.hpp"
#include "modules/auth/jwt_token.hpp"

namespace {

using ferry::fuzz::check;

// UTF-8 as RFC 3629 allows it (no overlongs, no surrogates, nothing past U+10FFFF), written
// independently of the parser's own check.
bool valid_utf8(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
    const unsigned char lead = byte(i);
    std::size_t length = 0;
    std::uint32_t code = 0;
    if (lead < 0x80) {
      ++i;
      continue;
    }
    if (lead >= 0xc2 && lead <= 0xdf) {
      length = 2;
      code = lead & 0x1f;
    } else if (lead >= 0xe0 && lead <= 0xef) {
      length = 3;
      code = lead & 0x0f;
    } else if (lead >= 0xf0 && lead <= 0xf4) {
      length = 4;
      code = lead & 0x07;
    } else {
      return false;
    }
    if (i + length > text.size()) return false;
    for (std::size_t k = 1; k < length; ++k) {
      if ((byte(i + k) & 0xc0) != 0x80) return false;
      code = (code << 6) | (byte(i + k) & 0x3f);
    }
    const std::uint32_t smallest = length == 2 ? 0x80 : length == 3 ? 0x800 : 0x10000;
    if (code < smallest || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return false;
    i += length;
  }
  return true;
}

// The nesting of arrays and objects in `value` (a scalar is 0, the top-level object 1).
std::size_t depth_of(const ferry::json_value& value) {
  std::size_t deepest = 0;
  for (const auto& item : value.items) deepest = std::max(deepest, depth_of(item));
  for (const auto& member : value.members) deepest = std::max(deepest, depth_of(member.value));
  const bool container = value.is_array() || value.is_object();
  return deepest + (container ? 1 : 0);
}

void check_value(const ferry::json_value& value) {
  if (value.is_string()) check(valid_utf8(value.text));
  for (const auto& item : value.items) check_value(item);
  for (std::size_t i = 0; i < value.members.size(); ++i) {
    const auto& member = value.members[i];
    check(valid_utf8(member.name));
    for (std::size_t k = 0; k < i; ++k) check(value.members[k].name != member.name);
    check(value.find(member.name) == &member.value);
    check_value(member.value);
  }
}

bool inside(std::string_view view, std::string_view text) {
  return view.data() >= text.data() && view.data() + view.size() <= text.data() + text.size();
}

void fuzz_base64url(std::string_view input) {
  std::string decoded;
  if (!ferry::base64url_decode(input, decoded)) return;
  check(ferry::base64url_encode(decoded) == input);
}

void fuzz_json(std::string_view input) {
  ferry::json_limits limits;
  limits.max_bytes = 4096;
  limits.max_depth = 6;
  ferry::json_value value;
  if (!ferry::json_parse(input, limits, value)) return;
  check(input.size() <= limits.max_bytes);
  check(depth_of(value) <= limits.max_depth);
  check_value(value);
  ferry::json_value again;
  check(ferry::json_parse(input, limits, again));
  check(again.type == value.type && again.members.size() == value.members.size() &&
        again.items.size() == value.items.size());
}

void fuzz_token(std::string_view input) {
  ferry::jwt_parse_limits limits;
  limits.max_token_bytes = 2048;
  ferry::jwt_token token;
  const ferry::jwt_verdict verdict = ferry::jwt_parse_compact(input, limits, token);
  if (input.size() > limits.max_token_bytes) check(verdict == ferry::jwt_verdict::too_long);
  if (verdict != ferry::jwt_verdict::ok) return;
  check(token.header.is_object() && token.claims.is_object());
  check(depth_of(token.header) <= limits.max_json_depth && depth_of(token.claims) <= limits.max_json_depth);
  check_value(token.header);
  check_value(token.claims);
  // "header.payload" is the token up to its last dot, and the signature what follows it.
  check(inside(token.signing_input, input) && token.signing_input.data() == input.data());
  const std::size_t last_dot = input.rfind('.');
  check(token.signing_input.size() == last_dot);
  std::string signature;
  check(ferry::base64url_decode(input.substr(last_dot + 1), signature) && signature == token.signature);
  for (const char* forbidden : {"jwk", "jku", "x5u", "x5c", "crit"}) check(token.header.find(forbidden) == nullptr);
  if (token.kid) check(valid_utf8(*token.kid));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::string_view input(reinterpret_cast<const char*>(data + 1), size - 1);
  switch (data[0] % 3) {
    case 0:
      fuzz_base64url(input);
      break;
    case 1:
      fuzz_json(input);
      break;
    default:
      fuzz_token(input);
      break;
  }
  return 0;
}
