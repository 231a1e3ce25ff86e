#include "config/config_loader.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <exception>
#include <filesystem>
#include <fstream>

#include "config/config_error.hpp"
#include "config/config_tables.hpp"
#include "config/toml_reader.hpp"

namespace ferry {

namespace {

// Optional modules ferry knows about; their tables are an error only when the module is not
// compiled in, so that a config written for a full build explains itself on a small one.
constexpr std::array<std::string_view, 6> optional_module_tables{"tls",  "http2",      "compression",
                                                                 "auth", "rate_limit", "metrics"};

// A config file is a few kilobytes; the cap keeps a mistaken --config /dev/zero from eating memory.
constexpr std::streamsize max_config_file_size = 16 * 1024 * 1024;

void configure_module(const module_descriptor& module, const toml::table* table, config_error_sink& errors,
                      pipeline_extensions& out) {
  if (!module.configure) return;
  // A module reports through `errors`; an exception escaping it still becomes a message so
  // that every other problem is reported too.
  try {
    module.configure(table, errors, out);
  } catch (const std::exception& e) {
    if (table != nullptr) {
      errors.report(*table, "module '" + std::string(module.name) + "': " + e.what());
    } else {
      errors.report("module '" + std::string(module.name) + "': " + e.what());
    }
  }
}

// Hands each compiled module its table (or null when the document has none).
void configure_modules(toml_table_reader& root, const module_registry& modules, config& cfg) {
  for (const auto& module : modules.modules()) {
    const toml::node* node = module.table.empty() ? nullptr : root.take(module.table);
    if (node == nullptr) {
      configure_module(module, nullptr, root.errors(), cfg.extensions);
      continue;
    }
    const toml::table* table = expect_table(*node, module.table, root.errors());
    if (table != nullptr) configure_module(module, table, root.errors(), cfg.extensions);
  }
}

// Top-level keys nobody took: tables of modules left out of this build, or typos.
void report_unclaimed_keys(const toml_table_reader& root) {
  for (const auto& [key, node] : root.table()) {
    if (root.was_taken(key.str())) continue;
    const bool is_module = std::find(optional_module_tables.begin(), optional_module_tables.end(),
                                     key.str()) != optional_module_tables.end();
    if (is_module) {
      root.errors().report(key.source(),
                           "module '" + std::string(key.str()) + "' is not compiled into this binary");
    } else {
      root.errors().report(key.source(), "unknown key '" + toml_key_path("", key.str()) + "'");
    }
  }
}

void merge_overrides(toml::table& into, const toml::table& overrides) {
  for (const auto& entry : overrides) {
    const std::string_view key = entry.first.str();
    const toml::node& value = entry.second;
    auto* existing = into.get(key);
    if (existing != nullptr && existing->is_table() && value.is_table()) {
      merge_overrides(*existing->as_table(), *value.as_table());
    } else {
      value.visit([&into, key](const auto& node) { into.insert_or_assign(key, node); });
    }
  }
}

}  // namespace

config default_config(const module_registry& modules, const toml::table& overrides) {
  if (!overrides.empty()) {
    config cfg = load_config_string("", "command line", modules, overrides);
    cfg.source.clear();
    return cfg;
  }
  config cfg;
  config_error_sink errors("<defaults>");
  for (const auto& module : modules.modules()) configure_module(module, nullptr, errors, cfg.extensions);
  errors.throw_if_any();
  return cfg;
}

config load_config_string(std::string_view text, const std::string& source_name,
                          const module_registry& modules, const toml::table& overrides) {
  config_error_sink errors(source_name);
  toml::table document;
  try {
    document = toml::parse(text, source_name);
  } catch (const toml::parse_error& e) {
    errors.report(e.source(), e.description());
    errors.throw_if_any();
  }
  merge_overrides(document, overrides);
  config cfg;
  cfg.source = source_name;
  cfg.sections = digest_config_sections(document);
  toml_table_reader root(document, "", errors);
  read_core_tables(root, cfg);
  configure_modules(root, modules, cfg);
  for (auto& vhost : cfg.vhosts) vhost.settings->extensions = cfg.extensions;
  report_unclaimed_keys(root);
  errors.throw_if_any();
  return cfg;
}

config load_config_file(const std::string& path, const module_registry& modules, const toml::table& overrides) {
  config_error_sink errors(path);
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    errors.report("cannot read the config file: it is a directory");
    errors.throw_if_any();
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    errors.report(std::string("cannot open the config file: ") + std::strerror(errno));
    errors.throw_if_any();
  }
  std::string text;
  std::array<char, 64 * 1024> buffer{};
  while (in) {
    in.read(buffer.data(), buffer.size());
    text.append(buffer.data(), static_cast<std::size_t>(in.gcount()));
    if (static_cast<std::streamsize>(text.size()) > max_config_file_size) {
      errors.report("the config file is larger than 16MiB");
      errors.throw_if_any();
    }
  }
  if (in.bad()) {
    errors.report(std::string("cannot read the config file: ") + std::strerror(errno));
    errors.throw_if_any();
  }
  return load_config_string(text, path, modules, overrides);
}

}  // namespace ferry
