// The API keys file: one key per line, reloadable.
//
//   # comment lines start with '#' (after optional blanks); blank lines are ignored
//   <id> sha256:<64 lower-case hex> [roles=<role>,<role>...] [expires=<time>]
//
// Fields are separated by spaces or tabs. `roles=` and `expires=` are optional, each at most
// once, in either order; <time> is Unix seconds or RFC 3339 (2027-01-01T00:00:00Z). Anything
// else on a line is an error reported as "path:line: what". Lines are at most 4096 bytes.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "modules/auth/api_key_set.hpp"
#include "modules/auth/credential_file.hpp"

namespace ferry {

struct api_key_lines {
  std::vector<api_key_entry> entries;  // origin = "origin:line"
  std::vector<std::string> errors;
};

// Parses the text of a keys file; `origin` names it in errors (usually the path).
api_key_lines parse_api_key_lines(std::string_view text, std::string_view origin);

struct api_key_file_load {
  std::shared_ptr<const api_key_set> set;  // null when there were errors: keep the old set
  credential::file_stamp stamp;            // of the file read, also on errors (no retry until it changes)
  std::vector<std::string> errors;
};

// Reads `path` and builds one set from its keys and `config_entries` (keys written in
// ferry.toml); ids and hashes must be unique across both. To reload: when
// credential::stamp_file(path) differs from the last load's stamp, load again; install the
// new set if it is non-null, else log the errors and keep serving the old set.
api_key_file_load load_api_key_file(const std::string& path, std::span<const api_key_entry> config_entries = {});

}  // namespace ferry
