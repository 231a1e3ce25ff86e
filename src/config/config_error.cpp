#include "config/config_error.hpp"

namespace ferry {

void config_error_sink::report(const toml::source_region& where, std::string_view what) {
  std::string line = file_.empty() ? std::string("<config>") : file_;
  if (where.begin.line != 0) {
    line += ':';
    line += std::to_string(where.begin.line);
  }
  line += ": ";
  line += what;
  messages_.push_back(std::move(line));
}

void config_error_sink::report(const toml::node& node, std::string_view what) {
  report(node.source(), what);
}

void config_error_sink::report(std::string_view what) {
  report(toml::source_region{}, what);
}

void config_error_sink::throw_if_any() const {
  if (messages_.empty()) return;
  std::string all;
  for (const auto& m : messages_) {
    if (!all.empty()) all += '\n';
    all += m;
  }
  throw config_error(all);
}

}  // namespace ferry
