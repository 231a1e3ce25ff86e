#include "modules/compression/compression_config.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "config/config_error.hpp"
#include "config/toml_values.hpp"
#include "modules/compression/brotli_encoder.hpp"
#include "modules/compression/gzip_encoder.hpp"
#include "modules/compression/media_type_set.hpp"

namespace ferry {
namespace {

void read_enabled(const toml::node& node, config_error_sink& errors, compression_config& out) {
  if (const auto* value = node.as_boolean()) {
    out.enabled = value->get();
  } else {
    errors.report(node, "compression.enabled: expected true or false");
  }
}

void read_min_size(const toml::node& node, config_error_sink& errors, compression_config& out) {
  std::optional<std::uint64_t> size;
  if (const auto* integer = node.as_integer()) {
    if (integer->get() >= 0) size = static_cast<std::uint64_t>(integer->get());
  } else if (const auto* text = node.as_string()) {
    const auto parsed_size = parse_size(text->get());
    if (!parsed_size) {
      errors.report(node, "compression.min_size: expected a size like \"1KiB\": " + parsed_size.error);
      return;
    }
    size = parsed_size.value;
  } else {
    errors.report(node,
                  "compression.min_size: expected a number of bytes or a size string "
                  "like \"1KiB\"");
    return;
  }
  if (!size || *size > compression_min_size_limit) {
    errors.report(node, "compression.min_size: must be between 0 and 1GiB");
    return;
  }
  out.min_size = *size;
}

void read_types(const toml::node& node, config_error_sink& errors, compression_config& out) {
  const auto* array = node.as_array();
  if (array == nullptr) {
    errors.report(node, "compression.types: expected an array of media types");
    return;
  }
  std::vector<std::string> types;
  bool ok = true;
  for (std::size_t i = 0; i < array->size(); ++i) {
    const toml::node& element = *array->get(i);
    const auto* text = element.as_string();
    const std::string where = "compression.types[" + std::to_string(i) + "]: ";
    if (text == nullptr) {
      errors.report(element, where + "expected a string");
      ok = false;
    } else if (!media_type_set::valid_pattern(text->get())) {
      errors.report(element, where + "\"" + text->get() +
                                 "\" is not a media type like \"text/html\" or \"text/*\" "
                                 "(no parameters, no \"*/*\")");
      ok = false;
    } else {
      std::string type = text->get();
      for (char& c : type) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      }
      types.push_back(std::move(type));
    }
  }
  if (ok) out.types = std::move(types);
}

void read_level(const toml::node& node, std::string_view key, int low, int high,
                config_error_sink& errors, int& out) {
  const auto* integer = node.as_integer();
  if (integer != nullptr && integer->get() >= low && integer->get() <= high) {
    out = static_cast<int>(integer->get());
    return;
  }
  errors.report(node, "compression." + std::string(key) + ": expected an integer " +
                          std::to_string(low) + ".." + std::to_string(high));
}

void read_under_pressure(const toml::node& node, config_error_sink& errors, compression_config& out) {
  const auto* text = node.as_string();
  if (text != nullptr && text->get() == "adapt") {
    out.under_pressure = compression_pressure_policy::adapt;
  } else if (text != nullptr && text->get() == "ignore") {
    out.under_pressure = compression_pressure_policy::ignore;
  } else {
    errors.report(node, "compression.under_pressure: expected \"adapt\" or \"ignore\"");
  }
}

}  // namespace

compression_config::compression_config() : types(default_compressible_types()) {}

std::vector<std::string> default_compressible_types() {
  return {
      "text/*",
      "application/javascript",
      "application/json",
      "application/xml",
      "application/wasm",
      "image/svg+xml",
      "application/manifest+json",
      "application/ld+json",
      "application/rss+xml",
      "application/atom+xml",
      "image/x-icon",
      "font/ttf",
      "font/otf",
      "application/vnd.ms-fontobject",
  };
}

compression_config parse_compression_config(const toml::table* table, config_error_sink& errors) {
  compression_config out;
  if (table == nullptr) return out;
  for (const auto& [key, node] : *table) {
    const std::string_view name = key.str();
    if (name == "enabled") {
      read_enabled(node, errors, out);
    } else if (name == "min_size") {
      read_min_size(node, errors, out);
    } else if (name == "types") {
      read_types(node, errors, out);
    } else if (name == "gzip_level") {
      read_level(node, name, gzip_min_level, gzip_max_level, errors, out.gzip_level);
    } else if (name == "brotli_level") {
      read_level(node, name, brotli_min_level, brotli_max_level, errors, out.brotli_level);
    } else if (name == "under_pressure") {
      read_under_pressure(node, errors, out);
    } else {
      errors.report(node, "compression." + std::string(name) +
                              ": unknown key (known: enabled, min_size, types, gzip_level, "
                              "brotli_level, under_pressure)");
    }
  }
  return out;
}

}  // namespace ferry
