// Config problems as `file:line: what is wrong`. Loading collects every problem it finds, then
// throws config_error with all of them (exceptions are for start-up only).
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <toml++/toml.h>

namespace ferry {

class config_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class config_error_sink {
 public:
  explicit config_error_sink(std::string file) : file_(std::move(file)) {}
  // Records a problem at the position of `node` (or without a line when it has none).
  void report(const toml::node& node, std::string_view what);
  void report(const toml::source_region& where, std::string_view what);
  void report(std::string_view what);  // not tied to a TOML node (e.g. a command-line flag)
  bool empty() const { return messages_.empty(); }
  const std::vector<std::string>& messages() const { return messages_; }
  // Throws config_error with all messages, one per line, when any were reported.
  void throw_if_any() const;

 private:
  std::string file_;
  std::vector<std::string> messages_;
};

}  // namespace ferry
