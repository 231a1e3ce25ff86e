// TOML → config. Unknown keys, wrong types and out-of-range values are errors reported as
// `file:line: what is wrong`; loading throws config_error listing all of them.
#pragma once

#include <string>
#include <string_view>

#include "config/config.hpp"
#include "modules/module_registry.hpp"

namespace ferry {

// `overrides` (from command-line flags) is laid over the document before it is read: a key in
// both takes the override's value, and tables present in both are merged key by key.

// The configuration with no file: defaults, with every module configured from its defaults.
config default_config(const module_registry& modules, const toml::table& overrides = {});

// Reads and validates a TOML file. Tables owned by compiled modules go to the module; a table
// of a module not compiled in is an error ("module 'x' is not compiled into this binary").
config load_config_file(const std::string& path, const module_registry& modules,
                        const toml::table& overrides = {});

// Same, from text; `source_name` is used in messages.
config load_config_string(std::string_view text, const std::string& source_name,
                          const module_registry& modules, const toml::table& overrides = {});

// Checks that need the whole picture (after command-line overrides): root exists and is a
// directory, at least one listener, error page statuses 400–599, … Throws config_error.
void validate_config(const config& cfg);

}  // namespace ferry
