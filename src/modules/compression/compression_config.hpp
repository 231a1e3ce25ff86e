// The [compression] table as plain values, read once at start-up. Runtime code sees the
// factory built from this, never TOML.
#pragma once

#include <toml++/toml.h>

#include <cstdint>
#include <string>
#include <vector>

namespace ferry {

class config_error_sink;

inline constexpr std::uint64_t compression_min_size_limit = std::uint64_t{1} << 30;  // 1 GiB

// What on-the-fly compression does while a worker's event loop is under CPU pressure.
enum class compression_pressure_policy : std::uint8_t {
  adapt,   // the cheapest level under high pressure, no on-the-fly compression under severe
  ignore,  // the configured levels whatever the load
};

struct compression_config {
  bool enabled = true;
  std::uint64_t min_size = 1024;   // bytes; smaller representations are sent as they are
  std::vector<std::string> types;  // lower-case "type/subtype" or "type/*"
  int gzip_level = 6;              // 1..9
  int brotli_level = 4;            // 0..11: 4 is about gzip -6's cost with a better ratio
  compression_pressure_policy under_pressure = compression_pressure_policy::adapt;

  compression_config();
};

// Text-like types plus formats that are uncompressed inside (wasm, ico, ttf/otf, eot).
std::vector<std::string> default_compressible_types();

// Reads [compression]; a null table gives the defaults. Unknown keys, wrong types and
// out-of-range values are reported to `errors` naming "compression.KEY"; such a key keeps its
// default. Never throws for bad input (the loader throws once it has collected everything).
compression_config parse_compression_config(const toml::table* table, config_error_sink& errors);

}  // namespace ferry
