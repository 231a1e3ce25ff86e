#include "http/request_identity.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <random>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "http/request.hpp"
#include "http/response.hpp"

namespace ferry {

namespace {

constexpr char hex_digits[] = "0123456789abcdef";

bool id_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
         c == ':' || c == '@' || c == '+' || c == '/' || c == '=' || c == '-';
}

bool lower_hex(std::string_view text) {
  return std::all_of(text.begin(), text.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

bool all_zeros(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return c == '0'; });
}

int hex_value(char c) { return c <= '9' ? c - '0' : c - 'a' + 10; }

std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

}  // namespace

bool well_formed_request_id(std::string_view value) {
  return !value.empty() && value.size() <= max_request_id_length && std::all_of(value.begin(), value.end(), id_char);
}

// version "-" trace-id "-" parent-id "-" flags: 2 + 1 + 32 + 1 + 16 + 1 + 2 = 55 characters.
bool parse_traceparent(std::string_view value, std::array<char, 32>& trace_id, std::uint8_t& flags) {
  constexpr std::size_t v00_length = 55;
  if (value.size() < v00_length) return false;
  const std::string_view version = value.substr(0, 2);
  if (!lower_hex(version) || version == "ff") return false;
  if (version == "00" ? value.size() != v00_length : (value.size() > v00_length && value[v00_length] != '-')) {
    return false;
  }
  if (value[2] != '-' || value[35] != '-' || value[52] != '-') return false;
  const std::string_view trace = value.substr(3, 32);
  const std::string_view parent = value.substr(36, 16);
  const std::string_view flag_text = value.substr(53, 2);
  if (!lower_hex(trace) || !lower_hex(parent) || !lower_hex(flag_text)) return false;
  if (all_zeros(trace) || all_zeros(parent)) return false;
  std::memcpy(trace_id.data(), trace.data(), trace_id.size());
  flags = static_cast<std::uint8_t>(hex_value(flag_text[0]) * 16 + hex_value(flag_text[1]));
  return true;
}

id_generator::id_generator() {
  std::random_device seed;
  for (auto& word : state_) {
    word = (static_cast<std::uint64_t>(seed()) << 32) ^ seed();
  }
  if (std::all_of(state_.begin(), state_.end(), [](std::uint64_t w) { return w == 0; })) state_[0] = 1;
}

std::uint64_t id_generator::next() {
  const std::uint64_t result = rotl(state_[1] * 5, 7) * 9;
  const std::uint64_t t = state_[1] << 17;
  state_[2] ^= state_[0];
  state_[3] ^= state_[1];
  state_[1] ^= state_[2];
  state_[0] ^= state_[3];
  state_[2] ^= t;
  state_[3] = rotl(state_[3], 45);
  return result;
}

namespace {

#if defined(__SSE2__)
// Sixteen hex digits of `bits` in one 16-byte register: the bytes' high and low nibbles
// interleaved, then made digits ('0' + n, or 39 more from 10 on, giving 'a'..'f') all at once.
void put_sixteen_hex(char* out, std::uint64_t bits) {
  const __m128i bytes = _mm_cvtsi64_si128(static_cast<long long>(bits));
  const __m128i low_nibble = _mm_set1_epi8(0x0f);
  const __m128i nibbles = _mm_unpacklo_epi8(_mm_and_si128(_mm_srli_epi16(bytes, 4), low_nibble),
                                            _mm_and_si128(bytes, low_nibble));
  const __m128i letters = _mm_and_si128(_mm_cmpgt_epi8(nibbles, _mm_set1_epi8(9)), _mm_set1_epi8(39));
  const __m128i digits = _mm_add_epi8(_mm_add_epi8(nibbles, _mm_set1_epi8('0')), letters);
  _mm_storeu_si128(reinterpret_cast<__m128i*>(out), digits);
}
#else
// Sixteen hex digits of `bits`, eight at a time: each nibble is spread into a byte of its own,
// then made a digit ('0' + n, or 39 more from 10 on, giving 'a'..'f') in all eight bytes at
// once. The digits come out lowest nibble first, which for random bits is as good as any order.
void put_sixteen_hex(char* out, std::uint64_t bits) {
  for (int half = 0; half < 2; ++half, bits >>= 32) {
    std::uint64_t x = bits & 0xffffffffu;
    x = (x | (x << 16)) & 0x0000ffff0000ffffu;
    x = (x | (x << 8)) & 0x00ff00ff00ff00ffu;
    x = (x | (x << 4)) & 0x0f0f0f0f0f0f0f0fu;
    const std::uint64_t letters = ((x + 0x0606060606060606u) >> 4) & 0x0101010101010101u;
    x += 0x3030303030303030u + letters * 39;
    std::memcpy(out + 8 * half, &x, sizeof x);
  }
}
#endif

}  // namespace

// Three ids per request (request, span, trace): this was one of the costlier steps of a small
// response when it went a digit at a time.
void id_generator::fill_hex(char* out, std::size_t length) {
  std::uint64_t seen = 0;
  std::size_t i = 0;
  for (; i + 16 <= length; i += 16) {
    const std::uint64_t bits = next();
    seen |= bits;
    put_sixteen_hex(out + i, bits);
  }
  if (i < length) {
    char digits[16];
    put_sixteen_hex(digits, next());
    for (std::size_t j = 0; i + j < length; ++j) {
      out[i + j] = digits[j];
      seen |= static_cast<std::uint64_t>(digits[j] != '0');
    }
  }
  if (seen == 0 && length > 0) out[length - 1] = '1';  // all zeros is "no id" in Trace Context
}

void assign_request_identity(const request& req, const request_identity_options& options, id_generator& ids,
                             request_identity& out) {
  out.clear();
  bool id_needed = false;
  if (!options.header.empty()) {
    bool found = false;
    const std::string_view incoming = options.accept_incoming ? req.header(options.header, &found) : "";
    if (found && well_formed_request_id(incoming)) {
      std::memcpy(out.id_storage.data(), incoming.data(), incoming.size());
      out.id_length = static_cast<std::uint8_t>(incoming.size());
    } else {
      id_needed = true;
    }
  }
  if (options.trace_context) {
    out.traced = true;
    ids.fill_hex(out.span_id.data(), out.span_id.size());
    bool found = false;
    const std::string_view parent = req.header("traceparent", &found);
    if (found && parse_traceparent(parent, out.trace_id, out.trace_flags)) {
      out.trace_flags &= 1;  // only "sampled" is defined for version 00
    } else {
      ids.fill_hex(out.trace_id.data(), out.trace_id.size());
      out.trace_flags = 1;  // ferry logs every request: this part of the trace is recorded
      // A request that starts a trace is named by it: one id to look for, and one less to make.
      if (id_needed) {
        std::memcpy(out.id_storage.data(), out.trace_id.data(), out.trace_id.size());
        out.id_length = static_cast<std::uint8_t>(out.trace_id.size());
        id_needed = false;
      }
    }
  }
  if (id_needed) {
    ids.fill_hex(out.id_storage.data(), 32);
    out.id_length = 32;
  }
}

void add_request_identity_headers(const request_identity& identity, const request_identity_options& options,
                                  response& out) {
  if (identity.id_length > 0 && !options.header.empty()) out.set(options.header, identity.id());
  if (!identity.traced) return;
  std::array<char, 55> value;  // every byte written below
  char* p = value.data();
  *p++ = '0';
  *p++ = '0';
  *p++ = '-';
  p = std::copy(identity.trace_id.begin(), identity.trace_id.end(), p);
  *p++ = '-';
  p = std::copy(identity.span_id.begin(), identity.span_id.end(), p);
  *p++ = '-';
  *p++ = hex_digits[identity.trace_flags >> 4];
  *p++ = hex_digits[identity.trace_flags & 15];
  out.set("traceparent", std::string_view(value.data(), value.size()));
}

}  // namespace ferry
