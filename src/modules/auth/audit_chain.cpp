#include "modules/auth/audit_chain.hpp"

#include <openssl/evp.h>

#include <array>
#include <span>

#include "http/text_escape.hpp"

namespace ferry {
namespace {

constexpr std::string_view prev_prefix = "{\"prev\":\"";
constexpr std::size_t hash_hex_length = 64;

bool is_lower_hex(std::string_view s) {
  for (const char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

// The line's claimed prev, or "" when the line does not start the way a chained line does.
std::string_view claimed_prev(std::string_view line) {
  if (line.size() < prev_prefix.size() + hash_hex_length + 2) return {};
  if (!line.starts_with(prev_prefix)) return {};
  const std::string_view hash = line.substr(prev_prefix.size(), hash_hex_length);
  if (!is_lower_hex(hash)) return {};
  const char after = line[prev_prefix.size() + hash_hex_length + 1];
  if (line[prev_prefix.size() + hash_hex_length] != '"' || (after != ',' && after != '}')) return {};
  return hash;
}

}  // namespace

std::string sha256_hex(std::string_view bytes) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  if (EVP_Digest(bytes.data(), bytes.size(), digest.data(), &length, EVP_sha256(), nullptr) != 1 || length != 32) {
    return std::string(audit_chain_seed);  // cannot happen with the default provider loaded
  }
  return encode_hex(std::span<const unsigned char>(digest.data(), length));
}

void audit_chain::link(std::string_view event, std::string& out) {
  const std::size_t start = out.size();
  out += prev_prefix;
  out += last_;
  out += '"';
  if (event.size() >= 2 && event.front() == '{' && event.back() == '}') {
    const std::string_view members = event.substr(1, event.size() - 2);
    if (!members.empty()) out += ',';
    out += members;
  } else {
    out += ",\"event\":\"invalid\"";
  }
  out += '}';
  last_ = sha256_hex(std::string_view(out).substr(start));
}

audit_chain_result verify_audit_chain(std::istream& in, const audit_chain_verify_options& options) {
  audit_chain_result result;
  std::string expected(audit_chain_seed);
  std::string line;
  std::streambuf* const buffer = in.rdbuf();
  const auto fail = [&](std::string_view why) {
    result.ok = false;
    result.bad_line = result.lines;
    result.error = why;
    result.last_hash = expected;  // the hash of the last good line
    return result;
  };
  while (true) {
    line.clear();
    // Read by hand rather than std::getline so that an endless line stops at the limit.
    bool newline = false;
    using traits = std::istream::traits_type;
    traits::int_type c;
    while (buffer != nullptr && (c = buffer->sbumpc()) != traits::eof()) {
      if (c == '\n') {
        newline = true;
        break;
      }
      line += static_cast<char>(c);
      if (line.size() > options.max_line_bytes) {
        ++result.lines;
        return fail("line too long");
      }
    }
    if (!newline && line.empty()) break;  // clean end of file
    ++result.lines;
    if (!newline) return fail("last line has no newline (torn write or truncated file)");
    const std::string_view prev = claimed_prev(line);
    if (prev.empty()) return fail("line does not start with {\"prev\":\"<sha256>\"");
    if (line.back() != '}') return fail("line does not end with '}'");
    if (result.lines == 1 && !options.from_seed) {
      expected = prev;
    }
    if (prev != expected) {
      return fail(result.lines == 1 ? "first line does not chain from the seed"
                                    : "prev does not match the previous line (edited, deleted, inserted or reordered)");
    }
    expected = sha256_hex(line);
  }
  result.ok = true;
  result.last_hash = expected;
  return result;
}

}  // namespace ferry
