// How hard one worker's event loop is pressed, judged once per tick from what the worker already
// measures for admission control (the mean delay of its loop, and whether requests wait for a
// slot), so the request path reads a level and never a clock. On-the-fly compression is the
// one cost a static-file server can shed without refusing anyone: under `high` pressure it runs
// at the codecs' cheapest level, under `severe` pressure it is skipped (identity, or a sidecar,
// which costs nothing to send).
//
// The level rises at once, as soon as a tick shows more pressure, and falls one step at a time
// only after calm_ticks ticks in a row each showed less: a loop that is busy one tick in two
// stays at its level instead of flapping, and coming out of overload passes through `high`.
// Pure bookkeeping: no I/O, no clock reads, unit-tested without a worker.
#pragma once

#include <chrono>
#include <cstdint>

namespace ferry {

enum class cpu_pressure_level : std::uint8_t { none = 0, high = 1, severe = 2 };

class cpu_pressure {
 public:
  // Calmer ticks in a row (100 ms each) before the level steps down one: one second.
  static constexpr unsigned calm_ticks = 10;
  // `severe` once the loop delay is this many times the latency target.
  static constexpr unsigned severe_factor = 4;

  // The level one tick's measurements show, without hysteresis: `high` when the mean loop
  // delay is above the admission latency target; `severe` when it is at least severe_factor
  // times the target, or above the target while requests wait for an admission slot (the
  // adaptive limit is already holding work back and the loop still falls behind).
  static cpu_pressure_level judge(std::chrono::microseconds loop_delay, std::chrono::microseconds target,
                                  bool requests_waiting);

  // Feeds one tick's measurements (see judge) and returns the level now in force.
  cpu_pressure_level observe(std::chrono::microseconds loop_delay, std::chrono::microseconds target,
                             bool requests_waiting);

  cpu_pressure_level level() const { return level_; }

  // What the request path did because of the level, since the worker started (for /metrics):
  // responses compressed at the cheap level instead of the configured one, and responses sent
  // without the on-the-fly compression they would otherwise have had.
  void count_lowered() { ++lowered_; }
  void count_skipped() { ++skipped_; }
  std::uint64_t lowered() const { return lowered_; }
  std::uint64_t skipped() const { return skipped_; }

 private:
  cpu_pressure_level level_ = cpu_pressure_level::none;
  unsigned calm_ = 0;  // ticks in a row that showed less than level_
  std::uint64_t lowered_ = 0;
  std::uint64_t skipped_ = 0;
};

}  // namespace ferry
