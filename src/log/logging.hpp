// The error log (spdlog) behind a small facade, so the rest of the code does not spell out
// spdlog's API and the sinks can change in one place.
#pragma once

#include <spdlog/spdlog.h>

#include <string>

#include "config/config.hpp"

namespace ferry::log {

// Sets up the error log from the config (level, target, text or JSON). Throws on a bad target.
void configure(const logging_config& cfg);
// Applies a new level after a reload (the error-log target changes only on restart).
void set_level(const std::string& level);

template <typename... Args>
void debug(spdlog::format_string_t<Args...> fmt, Args&&... args) {
  spdlog::debug(fmt, std::forward<Args>(args)...);
}
template <typename... Args>
void info(spdlog::format_string_t<Args...> fmt, Args&&... args) {
  spdlog::info(fmt, std::forward<Args>(args)...);
}
template <typename... Args>
void warn(spdlog::format_string_t<Args...> fmt, Args&&... args) {
  spdlog::warn(fmt, std::forward<Args>(args)...);
}
template <typename... Args>
void error(spdlog::format_string_t<Args...> fmt, Args&&... args) {
  spdlog::error(fmt, std::forward<Args>(args)...);
}

}  // namespace ferry::log
