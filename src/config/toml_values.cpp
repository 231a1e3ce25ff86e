#include "config/toml_values.hpp"

#include <array>
#include <cstddef>
#include <limits>

#include "platform/inet.hpp"

namespace ferry {

namespace {

constexpr std::uint64_t kib = 1024;
constexpr std::uint64_t mib = kib * 1024;
constexpr std::uint64_t gib = mib * 1024;

struct unit {
  std::string_view suffix;
  std::uint64_t factor;
};

constexpr std::array<unit, 4> size_units{{{"GiB", gib}, {"MiB", mib}, {"KiB", kib}, {"B", 1}}};
constexpr std::array<unit, 4> duration_units{{{"h", 3'600'000}, {"m", 60'000}, {"s", 1'000}, {"ms", 1}}};

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// The leading "<digits><unit>" shared by sizes and durations; `factor` is the unit's
// multiplier. Checks every step for overflow, since the digits may be arbitrarily long.
template <std::size_t N>
parsed<std::uint64_t> parse_scaled(std::string_view text, const std::array<unit, N>& units,
                                   std::string_view unit_list) {
  parsed<std::uint64_t> out;
  if (text.empty()) {
    out.error = "is empty";
    return out;
  }
  if (text.front() == '-') {
    out.error = "must not be negative";
    return out;
  }
  if (!is_digit(text.front())) {
    out.error = "must start with a number (e.g. \"10" + std::string(units[1].suffix) + "\")";
    return out;
  }
  std::uint64_t number = 0;
  bool overflow = false;
  std::size_t i = 0;
  for (; i < text.size() && is_digit(text[i]); ++i) {
    const auto digit = static_cast<std::uint64_t>(text[i] - '0');
    if (number > (std::numeric_limits<std::uint64_t>::max() - digit) / 10) overflow = true;
    if (!overflow) number = number * 10 + digit;
  }
  const std::string_view suffix = text.substr(i);
  if (suffix.empty()) {
    out.error = "needs a unit: " + std::string(unit_list);
    return out;
  }
  if (suffix.front() == '.' || suffix.front() == ',') {
    out.error = "must be a whole number (use a smaller unit)";
    return out;
  }
  for (const auto& u : units) {
    if (suffix != u.suffix) continue;
    if (overflow || number > std::numeric_limits<std::uint64_t>::max() / u.factor) {
      out.error = "is too large";
      return out;
    }
    out.value = number * u.factor;
    return out;
  }
  out.error = "has unknown unit " + quote_for_message(suffix) + " (use " + std::string(unit_list) + ")";
  return out;
}

template <std::size_t N>
std::string format_scaled(std::uint64_t value, const std::array<unit, N>& units) {
  for (const auto& u : units) {
    if (value != 0 && value % u.factor == 0) return std::to_string(value / u.factor) + std::string(u.suffix);
  }
  return "0" + std::string(units.back().suffix);
}

parsed<std::uint16_t> parse_port(std::string_view text) {
  parsed<std::uint16_t> out;
  if (text.empty()) {
    out.error = "missing port";
    return out;
  }
  std::uint32_t port = 0;
  for (const char c : text) {
    if (!is_digit(c)) {
      out.error = "port " + quote_for_message(text) + " is not a number";
      return out;
    }
    port = port * 10 + static_cast<std::uint32_t>(c - '0');
    if (port > 65535) {
      out.error = "port " + quote_for_message(text) + " is out of range (0..65535)";
      return out;
    }
  }
  out.value = static_cast<std::uint16_t>(port);
  return out;
}

bool is_ip_literal(int family, const std::string& host) {
  // inet_pton would stop at an embedded NUL and accept the prefix.
  if (host.find('\0') != std::string::npos) return false;
  std::array<unsigned char, 16> buffer{};
  return ::inet_pton(family, host.c_str(), buffer.data()) == 1;
}

}  // namespace

parsed<std::uint64_t> parse_size(std::string_view text) {
  return parse_scaled(text, size_units, "B, KiB, MiB or GiB");
}

parsed<std::chrono::milliseconds> parse_duration(std::string_view text) {
  const auto raw = parse_scaled(text, duration_units, "ms, s, m or h");
  parsed<std::chrono::milliseconds> out;
  out.error = raw.error;
  if (!raw) return out;
  // milliseconds is signed; keep the value representable.
  if (raw.value > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
    out.error = "is too large";
    return out;
  }
  out.value = std::chrono::milliseconds(static_cast<std::int64_t>(raw.value));
  return out;
}

std::string format_size(std::uint64_t bytes) {
  return format_scaled(bytes, size_units);
}

std::string format_duration(std::chrono::milliseconds duration) {
  if (duration.count() < 0) {
    // -(count + 1) + 1 stays in range even for the most negative count.
    const auto magnitude = static_cast<std::uint64_t>(-(duration.count() + 1)) + 1;
    return "-" + format_scaled(magnitude, duration_units);
  }
  return format_scaled(static_cast<std::uint64_t>(duration.count()), duration_units);
}

parsed<listener_config> parse_listen_address(std::string_view text) {
  parsed<listener_config> out;
  std::string_view host;
  std::string_view port;
  if (!text.empty() && text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string_view::npos) {
      out.error = "missing ']' after the IPv6 address";
      return out;
    }
    host = text.substr(1, close - 1);
    const std::string_view rest = text.substr(close + 1);
    if (rest.empty() || rest.front() != ':') {
      out.error = "expected \":PORT\" after \"]\"";
      return out;
    }
    port = rest.substr(1);
    if (!is_ip_literal(AF_INET6, std::string(host))) {
      out.error = "host " + quote_for_message(host) + " is not an IPv6 address";
      return out;
    }
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos) {
      out.error = "expected HOST:PORT, e.g. \"0.0.0.0:8080\"";
      return out;
    }
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    if (host.empty()) {
      out.error = "missing host (use 0.0.0.0 for every IPv4 address, [::] for every IPv6 address)";
      return out;
    }
    if (host.find(':') != std::string_view::npos) {
      out.error = "IPv6 addresses need brackets, e.g. \"[::1]:8080\"";
      return out;
    }
    if (host != "localhost" && !is_ip_literal(AF_INET, std::string(host))) {
      out.error = "host " + quote_for_message(host) + " is not an IP address or \"localhost\"";
      return out;
    }
  }
  const auto port_value = parse_port(port);
  if (!port_value) {
    out.error = port_value.error;
    return out;
  }
  out.value.host = std::string(host);
  out.value.port = port_value.value;
  return out;
}

std::string quote_for_message(std::string_view text) {
  constexpr std::size_t max_shown = 80;
  static constexpr char hex[] = "0123456789abcdef";
  std::string out = "\"";
  std::size_t shown = 0;
  for (const char c : text) {
    if (shown++ == max_shown) {
      out += "...";
      break;
    }
    const auto byte = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (byte < 0x20 || byte >= 0x7f) {
      out += "\\x";
      out += hex[byte >> 4];
      out += hex[byte & 0xf];
    } else {
      out += c;
    }
  }
  out += '"';
  return out;
}

}  // namespace ferry
