// Reading TOML tables into plain values, for the core loader and for modules' configure
// functions. Every problem goes to a config_error_sink with the line of the offending key or
// value; nothing throws, so one pass finds all problems.
#pragma once

#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <toml++/toml.h>

#include "config/config_error.hpp"
#include "config/listener_config.hpp"

namespace ferry {

// "string", "integer", "float", "boolean", "date", "time", "date-time", "array", "table".
std::string_view toml_type_name(const toml::node& node);

// `parent` + "." + `key` in TOML syntax: the key is quoted when it is not a bare key
// ("files.mime_types.\"tar gz\""). An empty parent gives the key alone.
std::string toml_key_path(std::string_view parent, std::string_view key);

// Node-level readers for values that are not directly under a key (array elements, inline
// table values). `name` is the dotted key used in messages. They return null/false and report
// when the node has the wrong type or value.
const std::string* expect_string(const toml::node& node, std::string_view name, config_error_sink& errors);
const toml::table* expect_table(const toml::node& node, std::string_view name, config_error_sink& errors);
const toml::array* expect_array(const toml::node& node, std::string_view name, config_error_sink& errors);
bool read_size(const toml::node& node, std::string_view name, std::uint64_t min, std::uint64_t max,
               std::uint64_t& out, config_error_sink& errors);
bool read_duration(const toml::node& node, std::string_view name, std::chrono::milliseconds min,
                   std::chrono::milliseconds max, std::chrono::milliseconds& out, config_error_sink& errors);

// One table. Each reader marks its key as known; report_unknown_keys() then reports the rest.
// When a key is absent, `out` keeps its value (the default) and the reader returns false;
// when it is present but wrong, the reader reports it and returns false.
class toml_table_reader {
 public:
  // `path` is the table's dotted name in messages ("" for the root, "limits", "headers[0]").
  toml_table_reader(const toml::table& table, std::string path, config_error_sink& errors);

  const toml::table& table() const { return table_; }
  const std::string& path() const { return path_; }
  config_error_sink& errors() const { return errors_; }
  std::string key_path(std::string_view key) const { return toml_key_path(path_, key); }

  // Marks `key` as known and returns its node, or null when absent.
  const toml::node* take(std::string_view key);
  bool was_taken(std::string_view key) const { return taken_.find(key) != taken_.end(); }

  bool read(std::string_view key, std::string& out);
  bool read(std::string_view key, bool& out);
  bool read_integer(std::string_view key, std::int64_t min, std::int64_t max, std::int64_t& out);
  template <class T>
  bool read_integer(std::string_view key, std::int64_t min, std::int64_t max, T& out) {
    std::int64_t value = 0;
    if (!read_integer(key, min, max, value)) return false;
    out = static_cast<T>(value);  // the caller's range fits T
    return true;
  }
  // A size: an integer (bytes) or a string such as "8KiB"; inclusive range.
  bool read_size(std::string_view key, std::uint64_t min, std::uint64_t max, std::uint64_t& out);
  // A duration string such as "30s"; inclusive range.
  bool read_duration(std::string_view key, std::chrono::milliseconds min, std::chrono::milliseconds max,
                     std::chrono::milliseconds& out);
  // An array whose elements are all strings.
  bool read(std::string_view key, std::vector<std::string>& out);
  // An array of listen addresses, each valid and listed once: "HOST:PORT" strings, or tables
  // { address = "HOST:PORT", proxy_protocol = BOOL } (unknown keys refused). `out` is changed
  // only when every element is good; each bad one is reported at its own line.
  bool read_listen_addresses(std::string_view key, std::vector<listener_config>& out);
  // A string that must be one of `choices`.
  template <class E>
  bool read_choice(std::string_view key, std::initializer_list<std::pair<std::string_view, E>> choices,
                   E& out) {
    std::string text;
    const toml::node* node = table_.get(key);
    if (!read(key, text)) return false;
    for (const auto& [name, value] : choices) {
      if (text == name) {
        out = value;
        return true;
      }
    }
    std::string list;
    for (const auto& choice : choices) {
      if (!list.empty()) list += ", ";
      list += '"';
      list += choice.first;
      list += '"';
    }
    report_bad_choice(*node, key, text, list);
    return false;
  }

  // Reports "unknown key 'path.key'" for every key no reader took.
  void report_unknown_keys();

 private:
  void report_bad_choice(const toml::node& node, std::string_view key, std::string_view got,
                         std::string_view list);

  const toml::table& table_;
  std::string path_;
  config_error_sink& errors_;
  std::set<std::string, std::less<>> taken_;
};

}  // namespace ferry
