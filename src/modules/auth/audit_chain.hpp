// Tamper evidence for audit files: a hash chain. Each line starts with
//   {"prev":"<64 lower-case hex>",
// the SHA-256 of the previous line's exact bytes (without its '\n'). The first line of a chain
// carries audit_chain_seed (64 zeros). Editing, deleting, inserting or reordering lines breaks
// the link of the line after the change, which verify_audit_chain reports.
//
// What a chain cannot show on its own: lines cut off the end (the last line has no successor),
// or a whole file rewritten with a fresh chain. For that, record last_hash() elsewhere (ferry
// logs it at shutdown and on reopen) and compare it with the verifier's last_hash.
#pragma once

#include <cstdint>
#include <istream>
#include <string>
#include <string_view>

namespace ferry {

inline constexpr std::string_view audit_chain_seed =
    "0000000000000000000000000000000000000000000000000000000000000000";

// Lower-case hex SHA-256 of `bytes`.
std::string sha256_hex(std::string_view bytes);

class audit_chain {
 public:
  // Continue after a line whose hash is `previous_hash` (64 lower-case hex): the seed for a new
  // file, or sha256_hex(last line) when appending to an existing one.
  explicit audit_chain(std::string_view previous_hash = audit_chain_seed) : last_(previous_hash) {}

  // Appends the chained line for `event` (one JSON object, "{...}", no newline) to `out`, without
  // a newline, and moves the chain on past it. An event that is not an object is wrapped as
  // {"prev":"...","event":"invalid"} rather than producing a line verify would refuse.
  void link(std::string_view event, std::string& out);

  const std::string& last_hash() const { return last_; }

 private:
  std::string last_;
};

struct audit_chain_result {
  bool ok = false;
  std::uint64_t lines = 0;     // lines read (all of them when ok)
  std::uint64_t bad_line = 0;  // 1-based number of the first line that breaks the chain; 0 when ok
  std::string error;           // why that line is bad
  std::string last_hash;       // sha256_hex of the last good line (the seed for an empty file)
};

struct audit_chain_verify_options {
  // Require the first line's prev to be the seed. Off for a rotated file whose chain continues
  // from an earlier file: the first line's prev is then taken on trust (compare it with the
  // previous file's last_hash).
  bool from_seed = true;
  std::uint64_t max_line_bytes = 16u << 20;  // longer lines are refused, so memory stays bounded
};

// Reads the whole stream. Every line must start with the prev field, be a single line ending in
// '}' and '\n' (a missing final newline means a torn write), and carry the right hash.
audit_chain_result verify_audit_chain(std::istream& in, const audit_chain_verify_options& options = {});

}  // namespace ferry
