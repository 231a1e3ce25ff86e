#include "modules/http2/flood_guard.hpp"

#include <algorithm>

namespace ferry {

token_rate::token_rate(std::uint32_t capacity, std::chrono::nanoseconds period)
    : token_ns(static_cast<std::uint64_t>(std::max<std::int64_t>(period.count(), 1))), refill_per_ns(capacity) {
  capacity_ns = token_ns * capacity;
}

void token_bucket::refill(const token_rate& rate, std::chrono::nanoseconds elapsed) {
  if (elapsed.count() <= 0) return;
  const auto ns = static_cast<std::uint64_t>(elapsed.count());
  const std::uint64_t room = rate.capacity_ns - level_ns_;
  // ns * rate may overflow after a long idle time; the bucket is simply full then.
  if (rate.refill_per_ns != 0 && ns >= room / rate.refill_per_ns + 1) {
    level_ns_ = rate.capacity_ns;
  } else {
    level_ns_ += ns * rate.refill_per_ns;
  }
}

bool token_bucket::take(const token_rate& rate) {
  if (level_ns_ < rate.token_ns) return false;
  level_ns_ -= rate.token_ns;
  return true;
}

void token_bucket::credit(const token_rate& rate, std::uint32_t count) {
  const std::uint64_t room = rate.capacity_ns - level_ns_;
  const std::uint64_t add = rate.token_ns * count;
  level_ns_ = add >= room ? rate.capacity_ns : level_ns_ + add;
}

std::string_view flood_kind_name(flood_kind kind) {
  switch (kind) {
    case flood_kind::client_reset: return "RST_STREAM";
    case flood_kind::provoked_reset: return "provoked stream reset";
    case flood_kind::empty_frame: return "empty frame";
    case flood_kind::priority: return "PRIORITY";
    case flood_kind::window_update: return "WINDOW_UPDATE";
    case flood_kind::control_frame: return "SETTINGS/PING";
  }
  return "frame";
}

token_rate flood_guard::rate(flood_kind kind) const {
  switch (kind) {
    case flood_kind::client_reset:
      return {limits_.reset_burst,
              std::chrono::nanoseconds(std::chrono::seconds(1)) * limits_.reset_burst / limits_.reset_rate};
    case flood_kind::provoked_reset: return {limits_.max_provoked_resets, limits_.window};
    case flood_kind::empty_frame: return {limits_.max_empty_frames, limits_.window};
    case flood_kind::priority: return {limits_.max_priority_frames, limits_.window};
    case flood_kind::window_update: return {limits_.max_window_updates, limits_.window};
    case flood_kind::control_frame: return {limits_.max_control_frames, limits_.window};
  }
  return {0, std::chrono::seconds(1)};  // not reached: every kind is above
}

flood_guard::flood_guard(const http2_flood_limits& limits, flood_time now)
    : limits_(limits),
      buckets_{token_bucket(rate(flood_kind::client_reset)), token_bucket(rate(flood_kind::provoked_reset)),
               token_bucket(rate(flood_kind::empty_frame)), token_bucket(rate(flood_kind::priority)),
               token_bucket(rate(flood_kind::window_update)), token_bucket(rate(flood_kind::control_frame))},
      last_(now) {}

bool flood_guard::count(flood_kind kind, flood_time now) {
  if (now > last_) {
    for (std::size_t k = 0; k < kinds; ++k) buckets_[k].refill(rate(static_cast<flood_kind>(k)), now - last_);
    last_ = now;
  }
  return buckets_[static_cast<std::size_t>(kind)].take(rate(kind));
}

void flood_guard::data_frame_sent() {
  buckets_[static_cast<std::size_t>(flood_kind::window_update)].credit(rate(flood_kind::window_update), 2);
}

}  // namespace ferry
