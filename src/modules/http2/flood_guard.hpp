// Counters for the HTTP/2 frame floods that cost the server work per frame. Each kind of frame
// spends from a token bucket; a bucket that runs dry is a flood and the connection is cut off
// with GOAWAY ENHANCE_YOUR_CALM. Time comes from the caller (the session's injected clock), so
// tests need no sleeps.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string_view>

#include "modules/http2/http2_config.hpp"

namespace ferry {

using http2_clock = std::function<std::chrono::steady_clock::time_point()>;

using flood_time = std::chrono::steady_clock::time_point;

// How a bucket fills: `capacity` tokens at most, `capacity` more every `period`, spread evenly.
// Fixed point: one token is `period` units and every elapsed nanosecond adds `capacity` units,
// so refilling is exact integer arithmetic. Ranges keep capacity * period < 2^64.
struct token_rate {
  token_rate(std::uint32_t capacity, std::chrono::nanoseconds period);
  std::uint64_t capacity_ns;
  std::uint64_t token_ns;
  std::uint64_t refill_per_ns;
};

// A bucket's level: all a connection keeps per kind of frame (8 bytes). The rate comes with
// each call, from limits every connection shares, and the time from the caller, which keeps
// one clock for all its buckets.
class token_bucket {
 public:
  explicit token_bucket(const token_rate& rate) : level_ns_(rate.capacity_ns) {}
  // Adds what `elapsed` brings (never above capacity).
  void refill(const token_rate& rate, std::chrono::nanoseconds elapsed);
  // Takes one token; false when there was none.
  bool take(const token_rate& rate);
  // Gives `count` tokens back (never above capacity).
  void credit(const token_rate& rate, std::uint32_t count);

 private:
  std::uint64_t level_ns_;
};

enum class flood_kind : std::uint8_t {
  client_reset,
  provoked_reset,
  empty_frame,
  priority,
  window_update,
  control_frame,
};

std::string_view flood_kind_name(flood_kind kind);

class flood_guard {
 public:
  // `limits` must outlive the guard (the session's own copy of them).
  flood_guard(const http2_flood_limits& limits, flood_time now);
  // Counts one frame of `kind`; false: over the limit (the caller ends the connection).
  bool count(flood_kind kind, flood_time now);
  // A DATA frame was sent: the client may acknowledge it with two WINDOW_UPDATEs.
  void data_frame_sent();

 private:
  static constexpr std::size_t kinds = 6;
  static_assert(static_cast<std::size_t>(flood_kind::control_frame) + 1 == kinds, "a bucket per flood_kind");
  token_rate rate(flood_kind kind) const;

  const http2_flood_limits& limits_;
  std::array<token_bucket, kinds> buckets_;  // by flood_kind
  // When they were all last refilled: refilling every bucket at once gives each what
  // refilling it alone when it is counted would (a bucket's refill is linear up to its cap).
  flood_time last_;
};

}  // namespace ferry
