// The [http2] table as plain values, read once at start-up. The sessions see these values,
// never TOML.
#pragma once

#include <toml++/toml.h>

#include <chrono>
#include <cstdint>

namespace ferry {

class config_error_sink;

// Limits against the frame floods (RFC 9113 §10.5 and the CVEs named in docs/configuration.md). Rates are token buckets: `burst` tokens at most, refilled at the given rate.
struct http2_flood_limits {
  // Client RST_STREAM frames (CVE-2023-44487 "rapid reset").
  std::uint32_t reset_burst = 200;
  std::uint32_t reset_rate = 33;  // per second
  // Everything below: at most N per `window`, refilled evenly over the window.
  std::chrono::milliseconds window{std::chrono::seconds(10)};
  // Streams the server had to reset because of a client frame (CVE-2025-8671 "MadeYouReset").
  std::uint32_t max_provoked_resets = 100;
  // DATA without END_STREAM and HEADERS/CONTINUATION, all with an empty payload (CVE-2019-9518).
  std::uint32_t max_empty_frames = 100;
  // PRIORITY frames (CVE-2019-9513).
  std::uint32_t max_priority_frames = 1000;
  // WINDOW_UPDATE frames beyond two per DATA frame sent (a client acknowledging what it reads
  // never runs out).
  std::uint32_t max_window_updates = 1000;
  // SETTINGS and PING frames, not counting ACKs (CVE-2019-9512/9515 when the ACKs are read).
  std::uint32_t max_control_frames = 500;
  // Counted per header block, per frame or in the output:
  std::uint32_t max_continuations = 8;    // CONTINUATION frames per header block (CVE-2024-27316)
  std::uint32_t max_settings_entries = 32;  // entries per SETTINGS frame
  std::uint32_t max_queued_acks = 100;      // PING/SETTINGS ACKs not yet produced (CVE-2019-9512/9515)
};

struct http2_config {
  bool enabled = true;
  bool cleartext = true;  // h2c with prior knowledge on plaintext listeners
  std::uint32_t max_concurrent_streams = 100;
  std::uint32_t initial_window_size = 65535;  // per stream, for request bodies
  std::uint32_t max_frame_size = 16384;       // largest frame the client may send us
  std::uint32_t header_table_size = 4096;     // HPACK dynamic table the client may use
  http2_flood_limits flood;
};

inline constexpr std::uint32_t http2_max_frame_size_limit = (1u << 24) - 1;

// Reads [http2]; a null table gives the defaults. Unknown keys, wrong types and out-of-range
// values are reported to `errors` naming "http2.KEY"; such a key keeps its default. Never
// throws for bad input.
http2_config parse_http2_config(const toml::table* table, config_error_sink& errors);

}  // namespace ferry
