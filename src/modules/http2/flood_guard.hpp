// Counters for the HTTP/2 frame floods that cost the server work per frame. Each kind of frame
// spends from a token bucket; a bucket that runs dry is a flood and the connection is cut off
// with GOAWAY ENHANCE_YOUR_CALM. Time comes from an injected clock so tests need no sleeps.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string_view>

#include "modules/http2/http2_config.hpp"

namespace ferry {

using http2_clock = std::function<std::chrono::steady_clock::time_point()>;

// `capacity` tokens at most, `capacity` more every `period`, spread evenly.
class token_bucket {
 public:
  token_bucket(std::uint32_t capacity, std::chrono::nanoseconds period, std::chrono::steady_clock::time_point now);
  // Takes one token; false when there was none.
  bool take(std::chrono::steady_clock::time_point now);
  // Gives `count` tokens back (never above capacity).
  void credit(std::uint32_t count);

 private:
  void refill(std::chrono::steady_clock::time_point now);

  // Fixed point: one token is `period` units and every elapsed nanosecond adds `capacity`
  // units, so refilling is exact integer arithmetic. Ranges keep capacity * period < 2^64.
  std::uint64_t capacity_ns_;
  std::uint64_t token_ns_;
  std::uint64_t level_ns_;
  std::uint64_t refill_per_ns_;
  std::chrono::steady_clock::time_point last_;
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
  flood_guard(const http2_flood_limits& limits, http2_clock clock);
  // Counts one frame of `kind`; false: over the limit (the caller ends the connection).
  bool count(flood_kind kind);
  // A DATA frame was sent: the client may acknowledge it with two WINDOW_UPDATEs.
  void data_frame_sent();

 private:
  http2_clock clock_;
  token_bucket client_resets_;
  token_bucket provoked_resets_;
  token_bucket empty_frames_;
  token_bucket priority_frames_;
  token_bucket window_updates_;
  token_bucket control_frames_;
};

}  // namespace ferry
