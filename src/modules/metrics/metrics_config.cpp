#include "modules/metrics/metrics_config.hpp"

#include <string>
#include <vector>

#include "config/config_checks.hpp"
#include "config/config_error.hpp"
#include "config/toml_reader.hpp"
#include "config/toml_values.hpp"

namespace ferry {
namespace {

bool is_path_char(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("-._~!$&'()*+,;=:@/").find(c) != std::string_view::npos;
}

void report_value(const toml::node& node, std::string_view name, std::string_view value, std::string_view problem,
                  config_error_sink& errors) {
  errors.report(node, "'" + std::string(name) + "' = " + quote_for_message(value) + ": " + std::string(problem));
}

void read_path(toml_table_reader& reader, std::string& out) {
  std::string value;
  if (!reader.read("path", value)) return;
  const std::string problem = check_metrics_path(value);
  if (!problem.empty()) {
    report_value(*reader.table().get("path"), reader.key_path("path"), value, problem, reader.errors());
    return;
  }
  out = std::move(value);
}

void read_allow(toml_table_reader& reader, cidr_list& out) {
  std::vector<std::string> entries;
  if (!reader.read("allow", entries)) return;
  const toml::array& array = *reader.table().get("allow")->as_array();
  std::vector<ip_network> networks;
  networks.reserve(entries.size());
  bool ok = true;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    auto network = parse_cidr(entries[i]);
    if (!network) {
      report_value(*array.get(i), reader.key_path("allow") + "[" + std::to_string(i) + "]", entries[i],
                   network.error, reader.errors());
      ok = false;
      continue;
    }
    networks.push_back(network.value);
  }
  if (ok) out = cidr_list(std::move(networks));
}

}  // namespace

std::string check_metrics_path(std::string_view path) {
  // The shared check first, for its wording on the common mistakes.
  std::string problem = check_file_path(path);
  if (!problem.empty()) return problem;
  if (path.find('?') != std::string_view::npos) return "must not contain '?' (the endpoint takes no query)";
  if (path.find('#') != std::string_view::npos) return "must not contain '#'";
  if (path.find('%') != std::string_view::npos) return "must be written decoded, without '%' escapes";
  if (path.find("//") != std::string_view::npos) return "must not contain empty segments (\"//\")";
  for (const char c : path) {
    if (!is_path_char(c)) return "may contain only letters, digits, '/' and -._~!$&'()*+,;=:@";
  }
  return {};
}

metrics_config parse_metrics_config(const toml::table* table, config_error_sink& errors) {
  metrics_config out;
  if (table == nullptr) return out;
  toml_table_reader reader(*table, "metrics", errors);
  reader.read("enabled", out.enabled);
  read_path(reader, out.path);
  read_allow(reader, out.allow);
  reader.read_listen_addresses("listen", out.listen);
  reader.report_unknown_keys();
  return out;
}

}  // namespace ferry
