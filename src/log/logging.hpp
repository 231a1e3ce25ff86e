// The error log (spdlog) behind a small facade, so the rest of the code does not spell out
// spdlog's API and the sinks can change in one place.
#pragma once

#include <spdlog/spdlog.h>

#include <string>

#include "config/config.hpp"
#include "http/request_identity.hpp"

namespace ferry::log {

// While one is alive on a thread, that thread's error-log lines carry the request's id and
// trace (text: " request_id=… trace_id=… span_id=…", JSON: fields of those names). Workers
// open one around each step of a request; scopes nest (the inner one wins until it ends).
class request_scope {
 public:
  explicit request_scope(const request_identity& identity);
  ~request_scope();
  request_scope(const request_scope&) = delete;
  request_scope& operator=(const request_scope&) = delete;

 private:
  const request_identity* previous_;
};

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
