#include "config/toml_reader.hpp"

#include <algorithm>
#include <limits>

#include "config/toml_values.hpp"

namespace ferry {

namespace {

bool is_bare_key(std::string_view key) {
  return !key.empty() && std::all_of(key.begin(), key.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
}

std::string quoted(std::string_view name) {
  return "'" + std::string(name) + "'";
}

void report_wrong_type(const toml::node& node, std::string_view name, std::string_view expected,
                       config_error_sink& errors) {
  errors.report(node, quoted(name) + " must be " + std::string(expected) + " (got " +
                          std::string(toml_type_name(node)) + ")");
}

template <class T>
std::string range_text(T min, T max, std::string (*format)(T)) {
  if (max == std::numeric_limits<T>::max()) return "at least " + format(min);
  return "between " + format(min) + " and " + format(max);
}

std::string integer_text(std::int64_t value) {
  return std::to_string(value);
}
std::string size_text(std::uint64_t value) {
  return format_size(value);
}
std::string duration_text(std::chrono::milliseconds value) {
  return format_duration(value);
}

}  // namespace

std::string_view toml_type_name(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::string: return "string";
    case toml::node_type::integer: return "integer";
    case toml::node_type::floating_point: return "float";
    case toml::node_type::boolean: return "boolean";
    case toml::node_type::date: return "date";
    case toml::node_type::time: return "time";
    case toml::node_type::date_time: return "date-time";
    case toml::node_type::array: return "array";
    case toml::node_type::table: return "table";
    case toml::node_type::none: break;
  }
  return "nothing";
}

std::string toml_key_path(std::string_view parent, std::string_view key) {
  std::string out(parent);
  if (!out.empty()) out += '.';
  out += is_bare_key(key) ? std::string(key) : quote_for_message(key);
  return out;
}

const std::string* expect_string(const toml::node& node, std::string_view name, config_error_sink& errors) {
  if (const auto* value = node.as_string()) return &value->get();
  report_wrong_type(node, name, "a string", errors);
  return nullptr;
}

const toml::table* expect_table(const toml::node& node, std::string_view name, config_error_sink& errors) {
  if (const auto* table = node.as_table()) return table;
  report_wrong_type(node, name, "a table", errors);
  return nullptr;
}

const toml::array* expect_array(const toml::node& node, std::string_view name, config_error_sink& errors) {
  if (const auto* array = node.as_array()) return array;
  report_wrong_type(node, name, "an array", errors);
  return nullptr;
}

bool read_size(const toml::node& node, std::string_view name, std::uint64_t min, std::uint64_t max,
               std::uint64_t& out, config_error_sink& errors) {
  std::uint64_t bytes = 0;
  if (const auto* integer = node.as_integer()) {
    if (integer->get() < 0) {
      errors.report(node,
                    quoted(name) + " must not be negative (got " + std::to_string(integer->get()) + ")");
      return false;
    }
    bytes = static_cast<std::uint64_t>(integer->get());
  } else if (const auto* text = node.as_string()) {
    const auto size = parse_size(text->get());
    if (!size) {
      errors.report(node,
                    quoted(name) + ": invalid size " + quote_for_message(text->get()) + ": " + size.error);
      return false;
    }
    bytes = size.value;
  } else {
    report_wrong_type(node, name, "a size (bytes, or a string such as \"8KiB\")", errors);
    return false;
  }
  if (bytes < min || bytes > max) {
    errors.report(node, quoted(name) + " must be " + range_text(min, max, size_text) + " (got " +
                            format_size(bytes) + ")");
    return false;
  }
  out = bytes;
  return true;
}

bool read_duration(const toml::node& node, std::string_view name, std::chrono::milliseconds min,
                   std::chrono::milliseconds max, std::chrono::milliseconds& out, config_error_sink& errors) {
  const auto* text = node.as_string();
  if (text == nullptr) {
    report_wrong_type(node, name, "a duration string such as \"30s\"", errors);
    return false;
  }
  const auto duration = parse_duration(text->get());
  if (!duration) {
    errors.report(
        node, quoted(name) + ": invalid duration " + quote_for_message(text->get()) + ": " + duration.error);
    return false;
  }
  if (duration.value < min || duration.value > max) {
    errors.report(node, quoted(name) + " must be " + range_text(min, max, duration_text) + " (got " +
                            format_duration(duration.value) + ")");
    return false;
  }
  out = duration.value;
  return true;
}

toml_table_reader::toml_table_reader(const toml::table& table, std::string path, config_error_sink& errors)
    : table_(table), path_(std::move(path)), errors_(errors) {}

const toml::node* toml_table_reader::take(std::string_view key) {
  const toml::node* node = table_.get(key);
  if (node != nullptr) taken_.emplace(key);
  return node;
}

bool toml_table_reader::read(std::string_view key, std::string& out) {
  const toml::node* node = take(key);
  if (node == nullptr) return false;
  const std::string* text = expect_string(*node, key_path(key), errors_);
  if (text == nullptr) return false;
  out = *text;
  return true;
}

bool toml_table_reader::read(std::string_view key, bool& out) {
  const toml::node* node = take(key);
  if (node == nullptr) return false;
  const auto* value = node->as_boolean();
  if (value == nullptr) {
    report_wrong_type(*node, key_path(key), "a boolean (true or false)", errors_);
    return false;
  }
  out = value->get();
  return true;
}

bool toml_table_reader::read_integer(std::string_view key, std::int64_t min, std::int64_t max,
                                     std::int64_t& out) {
  const toml::node* node = take(key);
  if (node == nullptr) return false;
  const auto* value = node->as_integer();
  if (value == nullptr) {
    report_wrong_type(*node, key_path(key), "an integer", errors_);
    return false;
  }
  if (value->get() < min || value->get() > max) {
    errors_.report(*node, quoted(key_path(key)) + " must be " + range_text(min, max, integer_text) +
                              " (got " + std::to_string(value->get()) + ")");
    return false;
  }
  out = value->get();
  return true;
}

bool toml_table_reader::read_size(std::string_view key, std::uint64_t min, std::uint64_t max,
                                  std::uint64_t& out) {
  const toml::node* node = take(key);
  return node != nullptr && ferry::read_size(*node, key_path(key), min, max, out, errors_);
}

bool toml_table_reader::read_duration(std::string_view key, std::chrono::milliseconds min,
                                      std::chrono::milliseconds max, std::chrono::milliseconds& out) {
  const toml::node* node = take(key);
  return node != nullptr && ferry::read_duration(*node, key_path(key), min, max, out, errors_);
}

bool toml_table_reader::read_listen_addresses(std::string_view key, std::vector<listener_config>& out) {
  const toml::node* node = take(key);
  if (node == nullptr) return false;
  const auto* array = node->as_array();
  if (array == nullptr) {
    report_wrong_type(*node, key_path(key), "an array of listen addresses", errors_);
    return false;
  }
  std::vector<listener_config> addresses;
  bool ok = true;
  for (std::size_t i = 0; i < array->size(); ++i) {
    const toml::node& element = *array->get(i);
    std::string name = key_path(key) + "[" + std::to_string(i) + "]";
    std::string text;
    bool proxy_protocol = false;
    const toml::node* text_node = &element;
    if (const auto* string = element.as_string()) {
      text = string->get();
    } else if (const auto* table = element.as_table()) {
      // { address = "HOST:PORT", proxy_protocol = true }
      toml_table_reader entry(*table, name, errors_);
      const std::size_t problems = errors_.messages().size();
      text_node = entry.take("address");
      if (text_node == nullptr) errors_.report(*table, quoted(entry.key_path("address")) + " is required");
      entry.read("address", text);
      entry.read("proxy_protocol", proxy_protocol);
      entry.report_unknown_keys();
      if (errors_.messages().size() != problems) {
        ok = false;
        continue;
      }
      name = entry.key_path("address");
    } else {
      report_wrong_type(element, name, "a listen address (\"HOST:PORT\") or a table { address = \"HOST:PORT\", ... }",
                        errors_);
      ok = false;
      continue;
    }
    auto address = parse_listen_address(text);
    if (!address) {
      errors_.report(*text_node, quoted(name) + " = " + quote_for_message(text) + ": " + address.error);
      ok = false;
      continue;
    }
    const bool duplicate = std::any_of(addresses.begin(), addresses.end(), [&](const listener_config& seen) {
      return seen.host == address.value.host && seen.port == address.value.port;
    });
    if (duplicate) {
      errors_.report(*text_node, quoted(name) + " = " + quote_for_message(text) + ": listed twice");
      ok = false;
      continue;
    }
    address.value.proxy_protocol = proxy_protocol;
    addresses.push_back(std::move(address.value));
  }
  if (ok) out = std::move(addresses);
  return ok;
}

bool toml_table_reader::read(std::string_view key, std::vector<std::string>& out) {
  const toml::node* node = take(key);
  if (node == nullptr) return false;
  const auto* array = node->as_array();
  if (array == nullptr) {
    report_wrong_type(*node, key_path(key), "an array of strings", errors_);
    return false;
  }
  std::vector<std::string> values;
  bool ok = true;
  for (std::size_t i = 0; i < array->size(); ++i) {
    const toml::node& element = *array->get(i);
    if (const auto* text = element.as_string()) {
      values.push_back(text->get());
    } else {
      report_wrong_type(element, key_path(key) + "[" + std::to_string(i) + "]", "a string", errors_);
      ok = false;
    }
  }
  if (ok) out = std::move(values);
  return ok;
}

void toml_table_reader::report_bad_choice(const toml::node& node, std::string_view key, std::string_view got,
                                          std::string_view list) {
  errors_.report(node, quoted(key_path(key)) + " must be one of " + std::string(list) + " (got " +
                           quote_for_message(got) + ")");
}

void toml_table_reader::report_unknown_keys() {
  for (const auto& [key, node] : table_) {
    if (was_taken(key.str())) continue;
    errors_.report(key.source(), "unknown key " + quoted(key_path(key.str())));
  }
}

}  // namespace ferry
