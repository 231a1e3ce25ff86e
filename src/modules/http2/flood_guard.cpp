#include "modules/http2/flood_guard.hpp"

#include <algorithm>
#include <utility>

namespace ferry {

token_bucket::token_bucket(std::uint32_t capacity, std::chrono::nanoseconds period,
                           std::chrono::steady_clock::time_point now)
    : capacity_ns_(0), token_ns_(0), level_ns_(0), refill_per_ns_(capacity), last_(now) {
  const auto period_ns = static_cast<std::uint64_t>(std::max<std::int64_t>(period.count(), 1));
  token_ns_ = period_ns;
  capacity_ns_ = period_ns * capacity;
  level_ns_ = capacity_ns_;
}

void token_bucket::refill(std::chrono::steady_clock::time_point now) {
  if (now <= last_) return;
  const auto elapsed = static_cast<std::uint64_t>((now - last_).count());
  last_ = now;
  const std::uint64_t room = capacity_ns_ - level_ns_;
  // elapsed * rate may overflow after a long idle time; the bucket is simply full then.
  if (refill_per_ns_ != 0 && elapsed >= room / refill_per_ns_ + 1) {
    level_ns_ = capacity_ns_;
  } else {
    level_ns_ += elapsed * refill_per_ns_;
  }
}

bool token_bucket::take(std::chrono::steady_clock::time_point now) {
  refill(now);
  if (level_ns_ < token_ns_) return false;
  level_ns_ -= token_ns_;
  return true;
}

void token_bucket::credit(std::uint32_t count) {
  const std::uint64_t room = capacity_ns_ - level_ns_;
  const std::uint64_t add = token_ns_ * count;
  level_ns_ = add >= room ? capacity_ns_ : level_ns_ + add;
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

flood_guard::flood_guard(const http2_flood_limits& limits, http2_clock clock)
    : clock_(std::move(clock)),
      client_resets_(limits.reset_burst,
                     std::chrono::nanoseconds(std::chrono::seconds(1)) * limits.reset_burst / limits.reset_rate,
                     clock_()),
      provoked_resets_(limits.max_provoked_resets, limits.window, clock_()),
      empty_frames_(limits.max_empty_frames, limits.window, clock_()),
      priority_frames_(limits.max_priority_frames, limits.window, clock_()),
      window_updates_(limits.max_window_updates, limits.window, clock_()),
      control_frames_(limits.max_control_frames, limits.window, clock_()) {}

bool flood_guard::count(flood_kind kind) {
  const auto now = clock_();
  switch (kind) {
    case flood_kind::client_reset: return client_resets_.take(now);
    case flood_kind::provoked_reset: return provoked_resets_.take(now);
    case flood_kind::empty_frame: return empty_frames_.take(now);
    case flood_kind::priority: return priority_frames_.take(now);
    case flood_kind::window_update: return window_updates_.take(now);
    case flood_kind::control_frame: return control_frames_.take(now);
  }
  return true;
}

void flood_guard::data_frame_sent() { window_updates_.credit(2); }

}  // namespace ferry
