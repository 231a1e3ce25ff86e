#include "modules/http2/http2_config.hpp"

#include <cstdint>
#include <string>

#include "config/config_error.hpp"
#include "config/toml_reader.hpp"

namespace ferry {
namespace {

constexpr std::int64_t million = 1'000'000;

void read_size32(toml_table_reader& reader, std::string_view key, std::uint64_t min, std::uint64_t max,
                 std::uint32_t& out) {
  std::uint64_t value = out;
  if (reader.read_size(key, min, max, value)) out = static_cast<std::uint32_t>(value);  // max fits
}

void read_flood_limits(toml_table_reader& reader, http2_flood_limits& out) {
  reader.read_integer("reset_burst", 1, 100000, out.reset_burst);
  reader.read_integer("reset_rate", 1, 100000, out.reset_rate);
  reader.read_duration("flood_window", std::chrono::milliseconds(100), std::chrono::hours(1), out.window);
  reader.read_integer("max_provoked_resets", 1, million, out.max_provoked_resets);
  reader.read_integer("max_empty_frames", 1, million, out.max_empty_frames);
  reader.read_integer("max_priority_frames", 1, million, out.max_priority_frames);
  reader.read_integer("max_window_updates", 1, million, out.max_window_updates);
  reader.read_integer("max_control_frames", 1, million, out.max_control_frames);
  reader.read_integer("max_continuations", 0, 1000, out.max_continuations);
  reader.read_integer("max_settings_entries", 8, 1000, out.max_settings_entries);
  reader.read_integer("max_queued_acks", 1, 100000, out.max_queued_acks);
}

}  // namespace

http2_config parse_http2_config(const toml::table* table, config_error_sink& errors) {
  http2_config out;
  if (table == nullptr) return out;
  toml_table_reader reader(*table, "http2", errors);
  reader.read("enabled", out.enabled);
  reader.read("cleartext", out.cleartext);
  reader.read_integer("max_concurrent_streams", 1, 1000, out.max_concurrent_streams);
  read_size32(reader, "initial_window_size", 1024, std::uint64_t{16} << 20, out.initial_window_size);
  read_size32(reader, "max_frame_size", 16384, http2_max_frame_size_limit, out.max_frame_size);
  read_size32(reader, "header_table_size", 0, 65536, out.header_table_size);
  read_flood_limits(reader, out.flood);
  reader.report_unknown_keys();
  return out;
}

}  // namespace ferry
