#include "modules/rate_limit/rate_limit_config.hpp"

#include <charconv>
#include <set>

#include "config/config_checks.hpp"
#include "config/toml_reader.hpp"
#include "config/toml_values.hpp"
#include "modules/rate_limit/rate_limit_headers.hpp"

namespace ferry {
namespace {

constexpr std::int64_t second_ns = 1'000'000'000;

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

void read_key(toml_table_reader& reader, limit_rule& rule) {
  std::string key = "client_address";
  if (!reader.read("key", key)) return;
  constexpr std::string_view header_prefix = "header:";
  if (key == "client_address") {
    rule.key = limit_key_kind::client_address;
  } else if (key == "principal") {
    rule.key = limit_key_kind::principal;
  } else if (key.starts_with(header_prefix) && is_http_token(std::string_view(key).substr(header_prefix.size()))) {
    rule.key = limit_key_kind::header;
    rule.header = lower(std::string_view(key).substr(header_prefix.size()));
  } else {
    reader.errors().report(*reader.table().get("key"),
                           reader.key_path("key") + " = " + quote_for_message(key) +
                               ": must be \"client_address\", \"principal\" or \"header:NAME\"");
  }
}

void read_limit(const toml::table& table, const std::string& path, config_error_sink& errors,
                std::set<std::string>& names, rate_limit_settings& out) {
  toml_table_reader reader(table, path, errors);
  limit_rule rule;
  if (table.get("name") == nullptr) {
    errors.report(table, path + ": missing 'name'");
  } else if (reader.read("name", rule.name)) {
    if (rule.name.empty() || rule.name.size() > 64 || !is_valid_policy_name(rule.name) ||
        rule.name.find_first_of("\"\\ ") != std::string::npos) {
      errors.report(*table.get("name"), reader.key_path("name") + " = " + quote_for_message(rule.name) +
                                            ": must be 1 to 64 printable characters without spaces, '\"' or '\\'");
    } else if (!names.insert(rule.name).second) {
      errors.report(*table.get("name"), reader.key_path("name") + " = " + quote_for_message(rule.name) +
                                            ": another limit has this name");
    }
  }
  rule.vhost = "*";
  if (reader.read("vhost", rule.vhost)) {
    rule.vhost = lower(rule.vhost);
    if (rule.vhost.empty()) errors.report(*table.get("vhost"), reader.key_path("vhost") + ": must not be empty");
  }
  std::string glob = "/**";
  if (reader.read("path", glob)) {
    const std::string problem = check_path_glob(glob);
    if (!problem.empty()) {
      errors.report(*table.get("path"), reader.key_path("path") + " = " + quote_for_message(glob) + ": " + problem);
    }
  }
  rule.path = path_glob(glob);
  rule.every_path = glob == "/**";
  read_key(reader, rule);
  std::string rate;
  if (table.get("rate") == nullptr) {
    errors.report(table, path + ": missing 'rate'");
  } else if (reader.read("rate", rate) && !parse_rate(rate, rule.requests, rule.period_ns)) {
    errors.report(*table.get("rate"), reader.key_path("rate") + " = " + quote_for_message(rate) +
                                          ": must be N/s, N/m, N/h or N/d with N from 1 to 1000000000");
  }
  std::int64_t burst = rule.requests;
  reader.read_integer("burst", 1, 1'000'000'000, burst);
  reader.report_unknown_keys();
  rule.policy = gcra_policy::per_period(rule.requests, rule.period_ns, burst);
  append_rate_limit_policy(rule.policy_header, rule.name, rule.requests, rule.period_ns);
  out.limits.push_back(std::move(rule));
}

}  // namespace

bool parse_rate(std::string_view text, std::int64_t& requests, std::int64_t& period_ns) {
  const std::size_t slash = text.find('/');
  if (slash == std::string_view::npos || slash == 0) return false;
  std::int64_t count = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + slash, count);
  if (error != std::errc() || end != text.data() + slash || count < 1 || count > 1'000'000'000) return false;
  const std::string_view unit = text.substr(slash + 1);
  std::int64_t period = 0;
  if (unit == "s") {
    period = second_ns;
  } else if (unit == "m") {
    period = 60 * second_ns;
  } else if (unit == "h") {
    period = 3600 * second_ns;
  } else if (unit == "d") {
    period = 86'400 * second_ns;
  } else {
    return false;
  }
  requests = count;
  period_ns = period;
  return true;
}

std::optional<rate_limit_settings> parse_rate_limit_config(const toml::table& table, config_error_sink& errors) {
  const std::size_t before = errors.messages().size();
  toml_table_reader reader(table, "rate_limit", errors);
  rate_limit_settings settings;
  reader.read_integer("max_keys", 1'000, 100'000'000, settings.max_keys);
  reader.read_integer("ipv4_prefix", 1, 32, settings.prefixes.v4);
  reader.read_integer("ipv6_prefix", 1, 128, settings.prefixes.v6);
  reader.read("headers", settings.headers);
  std::set<std::string> names;
  if (const toml::node* node = reader.take("limits")) {
    const std::string path = reader.key_path("limits");
    if (const toml::array* array = expect_array(*node, path, errors)) {
      for (std::size_t i = 0; i < array->size(); ++i) {
        const std::string item = path + "[" + std::to_string(i) + "]";
        if (const toml::table* entry = expect_table(*array->get(i), item, errors)) {
          read_limit(*entry, item, errors, names, settings);
        }
      }
    }
  }
  reader.report_unknown_keys();
  if (errors.messages().size() != before) return std::nullopt;
  return settings;
}

}  // namespace ferry
