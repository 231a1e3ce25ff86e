#include "modules/auth/api_key_file.hpp"

namespace ferry {
namespace {

constexpr std::size_t max_line_length = 4096;

bool blank(char c) { return c == ' ' || c == '\t'; }

// Splits on runs of blanks.
std::vector<std::string_view> fields_of(std::string_view line) {
  std::vector<std::string_view> fields;
  std::size_t at = 0;
  while (at < line.size()) {
    while (at < line.size() && blank(line[at])) ++at;
    const std::size_t start = at;
    while (at < line.size() && !blank(line[at])) ++at;
    if (at > start) fields.push_back(line.substr(start, at - start));
  }
  return fields;
}

bool has_control(std::string_view line) {
  for (const char c : line) {
    const auto u = static_cast<unsigned char>(c);
    if ((u < 0x20 && c != '\t') || u == 0x7f) return true;
  }
  return false;
}

// Parses one non-comment line into `entry`; returns "" or what is wrong. Field values other
// than the id are never quoted back: a key pasted by mistake must not reach a log.
std::string parse_line(std::string_view line, api_key_entry& entry) {
  if (line.size() > max_line_length) return "line longer than 4096 bytes";
  if (has_control(line)) return "control character in line";
  const std::vector<std::string_view> fields = fields_of(line);
  if (fields.size() < 2) return "expected \"<id> sha256:<hex> [roles=a,b] [expires=TIME]\"";
  entry.id = std::string(fields[0]);
  entry.hash = std::string(fields[1]);
  bool seen_roles = false;
  bool seen_expires = false;
  for (std::size_t i = 2; i < fields.size(); ++i) {
    const std::string_view field = fields[i];
    if (field.starts_with("roles=")) {
      if (seen_roles) return "roles= given twice";
      seen_roles = true;
      std::string_view list = field.substr(6);
      if (list.empty()) return "roles= needs at least one role (omit it for none)";
      while (true) {
        const std::size_t comma = list.find(',');
        entry.roles.emplace_back(list.substr(0, comma));
        if (comma == std::string_view::npos) break;
        list.remove_prefix(comma + 1);
      }
    } else if (field.starts_with("expires=")) {
      if (seen_expires) return "expires= given twice";
      seen_expires = true;
      entry.expires = std::string(field.substr(8));
      if (entry.expires.empty()) return "expires= needs a time";
    } else {
      return "unknown field " + std::to_string(i + 1) + " (expected roles= or expires=)";
    }
  }
  return {};
}

}  // namespace

api_key_lines parse_api_key_lines(std::string_view text, std::string_view origin) {
  api_key_lines result;
  credential::for_each_line(text, [&](std::size_t number, std::string_view line) {
    const std::size_t first = line.find_first_not_of(" \t");
    if (first == std::string_view::npos || line[first] == '#') return true;
    api_key_entry entry;
    entry.origin = std::string(origin) + ':' + std::to_string(number);
    const std::string problem = parse_line(line, entry);
    if (!problem.empty()) {
      result.errors.push_back(credential::at_line(origin, number, problem));
    } else {
      result.entries.push_back(std::move(entry));
    }
    return true;
  });
  return result;
}

api_key_file_load load_api_key_file(const std::string& path, std::span<const api_key_entry> config_entries) {
  api_key_file_load result;
  credential::file_text file = credential::read_credential_file(path);
  result.stamp = file.stamp;
  if (!file.error.empty()) {
    result.errors.push_back(std::move(file.error));
    return result;
  }
  api_key_lines lines = parse_api_key_lines(file.text, path);
  result.errors = std::move(lines.errors);
  std::vector<api_key_entry> entries(config_entries.begin(), config_entries.end());
  for (api_key_entry& entry : lines.entries) entries.push_back(std::move(entry));
  api_key_set_result built = make_api_key_set(std::move(entries));
  for (std::string& error : built.errors) result.errors.push_back(std::move(error));
  if (result.errors.empty()) result.set = std::move(built.set);
  return result;
}

}  // namespace ferry
