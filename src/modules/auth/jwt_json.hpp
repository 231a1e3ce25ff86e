// A small strict JSON (RFC 8259) parser for JOSE headers, JWT claims and JWKS files. No JSON
// library is installed (scripts/install-deps.sh), and tokens are attacker-controlled, so this
// one refuses everything the RFC leaves open: duplicate member names (RFC 7515 §4 lets a JWS
// parser refuse them; two parsers picking different duplicates is a known bypass), invalid
// UTF-8, lone surrogates in \u escapes, a byte-order mark, trailing content, numbers that
// overflow a double. Depth and size are bounded, parsing is linear in the input apart from one
// O(n log n) sort per object for the duplicate check, and nothing throws except std::bad_alloc.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace ferry {

struct json_member;

struct json_value {
  enum class kind { null, boolean, number, string, array, object };

  kind type = kind::null;
  bool boolean = false;
  double number = 0;
  std::string text;                  // kind::string, decoded UTF-8
  std::vector<json_value> items;     // kind::array
  std::vector<json_member> members;  // kind::object, in document order, names unique

  bool is_string() const { return type == kind::string; }
  bool is_number() const { return type == kind::number; }
  bool is_array() const { return type == kind::array; }
  bool is_object() const { return type == kind::object; }

  // The member named `name` of an object, or nullptr (also for non-objects).
  const json_value* find(std::string_view name) const;
};

struct json_member {
  std::string name;
  json_value value;
};

struct json_limits {
  std::size_t max_bytes = 64 * 1024;
  // Nesting of arrays and objects: the top-level object is depth 1.
  std::size_t max_depth = 8;
};

// Parses exactly one JSON value spanning all of `text` (surrounding whitespace allowed).
// False, with `out` unspecified, when the text is not strict JSON or exceeds `limits`.
bool json_parse(std::string_view text, const json_limits& limits, json_value& out);

}  // namespace ferry
