#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>

#include "log/logging.hpp"

namespace ferry::log {

void set_level(const std::string& level) {
  spdlog::set_level(spdlog::level::from_str(level == "warn" ? "warning" : level));
}

void configure(const logging_config& cfg) {
  std::shared_ptr<spdlog::logger> logger;
  if (cfg.error_log == "stderr") {
    logger = spdlog::stderr_logger_mt("ferry");
  } else if (cfg.error_log == "stdout") {
    logger = spdlog::stdout_logger_mt("ferry");
  } else {
    logger = spdlog::basic_logger_mt("ferry", cfg.error_log);
  }
  if (cfg.error_format == log_format::json) {
    logger->set_pattern(R"({"time":"%Y-%m-%dT%H:%M:%S.%eZ","level":"%l","thread":%t,"message":"%v"})",
                        spdlog::pattern_time_type::utc);
  } else {
    logger->set_pattern("[%Y-%m-%d %H:%M:%S.%e] [%l] %v");
  }
  logger->flush_on(spdlog::level::trace);
  spdlog::drop("ferry");
  spdlog::set_default_logger(logger);
  set_level(cfg.level);
}

}  // namespace ferry::log
