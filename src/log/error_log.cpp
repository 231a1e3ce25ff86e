#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>

#include "http/text_escape.hpp"
#include "log/logging.hpp"

namespace ferry::log {

namespace {

// %* in the JSON pattern: the message as the contents of a JSON string. Messages can carry
// request paths, so quotes, backslashes and control bytes must not break the line.
class json_escaped_message : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&, spdlog::memory_buf_t& dest) override {
    thread_local std::string escaped;
    escaped.clear();
    append_json_escaped(escaped, std::string_view(msg.payload.data(), msg.payload.size()));
    dest.append(escaped.data(), escaped.data() + escaped.size());
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<json_escaped_message>();
  }
};

}  // namespace

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
    auto formatter = std::make_unique<spdlog::pattern_formatter>(spdlog::pattern_time_type::utc);
    formatter->add_flag<json_escaped_message>('*').set_pattern(
        R"({"time":"%Y-%m-%dT%H:%M:%S.%eZ","level":"%l","thread":%t,"message":"%*"})");
    logger->set_formatter(std::move(formatter));
  } else {
    logger->set_pattern("[%Y-%m-%d %H:%M:%S.%e] [%l] %v");
  }
  logger->flush_on(spdlog::level::trace);
  spdlog::drop("ferry");
  spdlog::set_default_logger(logger);
  set_level(cfg.level);
}

}  // namespace ferry::log
