#include "modules/auth/jwt_base64url.hpp"

#include <array>

namespace ferry {
namespace {

constexpr std::string_view alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

// 0..63 for alphabet characters, 255 for everything else.
constexpr std::array<std::uint8_t, 256> make_decode_table() {
  std::array<std::uint8_t, 256> table{};
  for (auto& entry : table) entry = 255;
  for (std::size_t i = 0; i < alphabet.size(); ++i) {
    table[static_cast<unsigned char>(alphabet[i])] = static_cast<std::uint8_t>(i);
  }
  return table;
}
constexpr auto decode_table = make_decode_table();

}  // namespace

bool base64url_decode(std::string_view text, std::string& out) {
  out.clear();
  // A length of 1 mod 4 cannot come from any byte string.
  if (text.size() % 4 == 1) return false;
  out.reserve(text.size() / 4 * 3 + 2);
  std::uint32_t bits = 0;
  int bit_count = 0;
  for (char c : text) {
    const std::uint8_t value = decode_table[static_cast<unsigned char>(c)];
    if (value == 255) return false;
    bits = (bits << 6) | value;
    bit_count += 6;
    if (bit_count >= 8) {
      bit_count -= 8;
      out.push_back(static_cast<char>(static_cast<std::uint8_t>(bits >> bit_count)));
      bits &= (1U << bit_count) - 1U;
    }
  }
  // Leftover bits (2 or 4) are padding bits: the canonical encoding sets them to zero.
  return bits == 0;
}

std::string base64url_encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() * 4 + 2) / 3);
  std::uint32_t bits = 0;
  int bit_count = 0;
  for (char c : bytes) {
    bits = (bits << 8) | static_cast<unsigned char>(c);
    bit_count += 8;
    while (bit_count >= 6) {
      bit_count -= 6;
      out.push_back(alphabet[(bits >> bit_count) & 63U]);
    }
    bits &= (1U << bit_count) - 1U;
  }
  if (bit_count > 0) out.push_back(alphabet[(bits << (6 - bit_count)) & 63U]);
  return out;
}

}  // namespace ferry
