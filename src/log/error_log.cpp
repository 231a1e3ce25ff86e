#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>

#include "http/text_escape.hpp"
#include "log/logging.hpp"

namespace ferry::log {

namespace {

thread_local const request_identity* current_request = nullptr;

// %q in the text pattern adds " request_id=… trace_id=… span_id=…", %Q in the JSON pattern
// ,"request_id":"…","trace_id":"…","span_id":"…" — while a request_scope is open. Ids are
// well-formed by construction (no spaces, quotes or backslashes), so they go in as they are.
class request_fields : public spdlog::custom_flag_formatter {
 public:
  explicit request_fields(bool json) : json_(json) {}
  void format(const spdlog::details::log_msg&, const std::tm&, spdlog::memory_buf_t& dest) override {
    const request_identity* r = current_request;
    if (r == nullptr) return;
    append(dest, "request_id", r->id());
    append(dest, "trace_id", r->trace());
    append(dest, "span_id", r->span());
  }
  std::unique_ptr<custom_flag_formatter> clone() const override { return std::make_unique<request_fields>(json_); }

 private:
  void append(spdlog::memory_buf_t& dest, std::string_view name, std::string_view value) const {
    if (value.empty()) return;
    const std::string_view before = json_ ? ",\"" : " ";
    const std::string_view between = json_ ? "\":\"" : "=";
    for (const std::string_view part : {before, name, between, value}) dest.append(part.data(), part.data() + part.size());
    if (json_) dest.push_back('"');
  }
  bool json_;
};

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

request_scope::request_scope(const request_identity& identity) : previous_(current_request) {
  current_request = &identity;
}

request_scope::~request_scope() { current_request = previous_; }

void set_level(const std::string& level) {
  spdlog::set_level(spdlog::level::from_str(level == "warn" ? "warning" : level));
}

void configure(const logging_config& cfg) {
  std::shared_ptr<spdlog::logger> logger;
  spdlog::drop("ferry");  // configuring again replaces the logger
  if (cfg.error_log == "stderr") {
    logger = spdlog::stderr_logger_mt("ferry");
  } else if (cfg.error_log == "stdout") {
    logger = spdlog::stdout_logger_mt("ferry");
  } else {
    logger = spdlog::basic_logger_mt("ferry", cfg.error_log);
  }
  // Lines end in "\n" on every platform (spdlog's default is "\r\n" on Windows), so one parser
  // reads ferry's logs wherever they were written.
  if (cfg.error_format == log_format::json) {
    auto formatter = std::make_unique<spdlog::pattern_formatter>(spdlog::pattern_time_type::utc, "\n");
    formatter->add_flag<json_escaped_message>('*').add_flag<request_fields>('Q', true).set_pattern(
        R"({"time":"%Y-%m-%dT%H:%M:%S.%eZ","level":"%l","thread":%t,"message":"%*"%Q})");
    logger->set_formatter(std::move(formatter));
  } else {
    auto formatter = std::make_unique<spdlog::pattern_formatter>(spdlog::pattern_time_type::local, "\n");
    formatter->add_flag<request_fields>('q', false).set_pattern("[%Y-%m-%d %H:%M:%S.%e] [%l] %v%q");
    logger->set_formatter(std::move(formatter));
  }
  logger->flush_on(spdlog::level::trace);
  spdlog::set_default_logger(logger);
  set_level(cfg.level);
}

}  // namespace ferry::log
