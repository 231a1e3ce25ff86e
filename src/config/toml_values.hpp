// Value syntaxes shared by the core tables, the module tables and the command-line flags:
// sizes ("8KiB"), durations ("30s") and listen addresses ("[::1]:8080"). Pure functions that
// return an error text instead of throwing, so the caller can put a file and line in front.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "config/config.hpp"

namespace ferry {

// A parsed value, or why the text is not one. `error` is empty on success.
template <class T>
struct parsed {
  T value{};
  std::string error;
  explicit operator bool() const { return error.empty(); }
};

// "<digits>B", "<digits>KiB", "<digits>MiB" or "<digits>GiB" (no sign, no spaces, no
// fraction). A bare number is refused so that "10" cannot silently mean 10 bytes.
parsed<std::uint64_t> parse_size(std::string_view text);

// "<digits>ms", "<digits>s", "<digits>m" or "<digits>h". Zero parses; callers bound the range.
parsed<std::chrono::milliseconds> parse_duration(std::string_view text);

// The shortest exact spelling in the syntax above: 8192 → "8KiB", 1500 → "1500B".
std::string format_size(std::uint64_t bytes);
// 60000ms → "1m", 1500ms → "1500ms".
std::string format_duration(std::chrono::milliseconds duration);

// "HOST:PORT": an IPv4 literal, "localhost", or an IPv6 literal in brackets ("[::1]:8080").
// The port is 0..65535. The host is stored without brackets.
parsed<listener_config> parse_listen_address(std::string_view text);

// Text for a message: quoted, with control and non-ASCII bytes escaped, shortened when long.
std::string quote_for_message(std::string_view text);

}  // namespace ferry
