#include "modules/auth/credential_codec.hpp"

#include <array>
#include <cstdint>

#include "modules/auth/credential_crypto.hpp"

namespace ferry::credential {
namespace {

constexpr std::string_view standard_alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr std::string_view url_alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

constexpr std::uint8_t invalid = 0xff;

constexpr std::array<std::uint8_t, 256> make_table(std::string_view alphabet) {
  std::array<std::uint8_t, 256> table{};
  for (auto& entry : table) entry = invalid;
  for (std::size_t i = 0; i < alphabet.size(); ++i) {
    table[static_cast<unsigned char>(alphabet[i])] = static_cast<std::uint8_t>(i);
  }
  return table;
}

constexpr auto standard_table = make_table(standard_alphabet);
constexpr auto url_table = make_table(url_alphabet);

// Decoded bytes may be a password: wiped before a refusal drops them.
std::optional<std::string> refuse(std::string& partial) {
  partial.resize(partial.capacity());
  wipe(partial.data(), partial.size());
  return std::nullopt;
}

// Decodes `text` (no padding) with `table`. A final group of 2 or 3 characters carries 1 or 2
// bytes; its unused low bits must be zero (canonical form). A final group of 1 is invalid.
std::optional<std::string> decode_groups(std::string_view text, const std::array<std::uint8_t, 256>& table) {
  if (text.size() % 4 == 1) return std::nullopt;
  std::string out;
  out.reserve(text.size() / 4 * 3 + 2);
  std::uint32_t accumulator = 0;
  int bits = 0;
  for (const char c : text) {
    const std::uint8_t value = table[static_cast<unsigned char>(c)];
    if (value == invalid) return refuse(out);
    accumulator = (accumulator << 6) | value;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((accumulator >> bits) & 0xffU));
    }
  }
  // 2 leftover bits (after 3 characters) or 4 (after 2): they must be zero.
  if (bits > 0 && (accumulator & ((1U << bits) - 1U)) != 0) return refuse(out);
  return out;
}

std::string encode_groups(std::span<const unsigned char> bytes, std::string_view alphabet) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const std::uint32_t group = (std::uint32_t{bytes[i]} << 16) | (std::uint32_t{bytes[i + 1]} << 8) | bytes[i + 2];
    out.push_back(alphabet[(group >> 18) & 63U]);
    out.push_back(alphabet[(group >> 12) & 63U]);
    out.push_back(alphabet[(group >> 6) & 63U]);
    out.push_back(alphabet[group & 63U]);
  }
  const std::size_t rest = bytes.size() - i;
  if (rest == 1) {
    const std::uint32_t group = std::uint32_t{bytes[i]} << 16;
    out.push_back(alphabet[(group >> 18) & 63U]);
    out.push_back(alphabet[(group >> 12) & 63U]);
  } else if (rest == 2) {
    const std::uint32_t group = (std::uint32_t{bytes[i]} << 16) | (std::uint32_t{bytes[i + 1]} << 8);
    out.push_back(alphabet[(group >> 18) & 63U]);
    out.push_back(alphabet[(group >> 12) & 63U]);
    out.push_back(alphabet[(group >> 6) & 63U]);
  }
  return out;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

}  // namespace

std::string encode_base64url(std::span<const unsigned char> bytes) { return encode_groups(bytes, url_alphabet); }

std::optional<std::string> decode_base64url(std::string_view text) { return decode_groups(text, url_table); }

std::optional<std::string> decode_base64(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  std::size_t padding = 0;
  while (padding < 2 && padding < text.size() && text[text.size() - 1 - padding] == '=') ++padding;
  // "=" anywhere else (including a third one at the end) is not in the table: refused below.
  return decode_groups(text.substr(0, text.size() - padding), standard_table);
}

bool decode_hex(std::string_view text, std::span<unsigned char> out) {
  if (text.size() != out.size() * 2) return false;
  for (std::size_t i = 0; i < out.size(); ++i) {
    const int high = hex_value(text[2 * i]);
    const int low = hex_value(text[2 * i + 1]);
    if (high < 0 || low < 0) return false;
    out[i] = static_cast<unsigned char>((high << 4) | low);
  }
  return true;
}

}  // namespace ferry::credential
