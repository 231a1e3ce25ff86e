#include "server/cpu_pressure.hpp"

namespace ferry {

cpu_pressure_level cpu_pressure::judge(std::chrono::microseconds loop_delay, std::chrono::microseconds target,
                                       bool requests_waiting) {
  if (loop_delay <= target) return cpu_pressure_level::none;
  // delay / f >= target is delay >= f × target for whole numbers, without overflowing.
  if (requests_waiting || loop_delay / severe_factor >= target) return cpu_pressure_level::severe;
  return cpu_pressure_level::high;
}

cpu_pressure_level cpu_pressure::observe(std::chrono::microseconds loop_delay, std::chrono::microseconds target,
                                         bool requests_waiting) {
  const cpu_pressure_level shown = judge(loop_delay, target, requests_waiting);
  if (shown >= level_) {
    level_ = shown;
    calm_ = 0;
  } else if (++calm_ >= calm_ticks) {
    level_ = static_cast<cpu_pressure_level>(static_cast<std::uint8_t>(level_) - 1);
    calm_ = 0;
  }
  return level_;
}

}  // namespace ferry
