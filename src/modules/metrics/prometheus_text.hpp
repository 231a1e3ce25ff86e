// The Prometheus text exposition format 0.0.4 of a metrics_snapshot. Pure functions that append
// to a caller's string: no locale, no I/O, one small allocation at most per call (the order
// of certificate names).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "modules/metrics_exporter.hpp"

namespace ferry {

// Every family (# HELP, # TYPE, samples) of `snapshot`, appended to `out`. Series with fixed
// label sets are always present, zeros included, so that rates work from the first scrape.
// Certificates with the same name are reported once, with the earliest expiry.
void render_prometheus_text(const metrics_snapshot& snapshot, std::string& out);

// A label value between the quotes: '\' → "\\", '"' → "\"", LF → "\n", and each byte
// that is not part of valid UTF-8 → U+FFFD (Prometheus refuses a scrape with invalid UTF-8).
void append_label_value(std::string_view value, std::string& out);

// A sample value Prometheus parses back to the same double: "NaN", "+Inf", "-Inf", otherwise
// the shortest round-trip spelling, in fixed notation between 1e-6 and 1e15.
void append_sample_value(double value, std::string& out);
void append_sample_value(std::uint64_t value, std::string& out);
void append_sample_value(std::int64_t value, std::string& out);

}  // namespace ferry
