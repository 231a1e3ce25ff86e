#include "config/config_checks.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdint>
#include <cstring>

#include "config/cidr_list.hpp"
#include "http/char_classes.hpp"
#include "http/request.hpp"  // iequals

namespace ferry {

namespace {

bool is_control(char c) {
  const auto byte = static_cast<unsigned char>(c);
  return byte < 0x20 || byte == 0x7f;
}

bool has_control(std::string_view text) {
  return std::any_of(text.begin(), text.end(), is_control);
}

// Headers whose values decide message framing or the connection; a rule setting them would
// corrupt responses.
constexpr std::array<std::string_view, 10> server_owned_headers{
    "Content-Length", "Transfer-Encoding", "Connection",    "Keep-Alive",      "Upgrade", "TE",
    "Trailer",        "Proxy-Connection",  "Content-Range", "Content-Encoding"};

// Whether `path` has a "." or ".." segment.
bool has_dot_segment(std::string_view path) {
  std::size_t start = 0;
  while (start <= path.size()) {
    auto end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    const auto segment = path.substr(start, end - start);
    if (segment == "." || segment == "..") return true;
    start = end + 1;
  }
  return false;
}


}  // namespace

bool is_http_token(std::string_view text) { return char_class::is_token(text); }

std::string check_header_name(std::string_view name) {
  if (!is_http_token(name)) return "a header name must be a token (letters, digits and !#$%&'*+-.^_`|~)";
  for (const auto owned : server_owned_headers) {
    if (iequals(name, owned)) return "the server sets " + std::string(owned) + " itself";
  }
  return {};
}

std::string check_header_value(std::string_view value) {
  for (const char c : value) {
    if (c == '\t') continue;
    if (c == '\r' || c == '\n') return "a header value must not contain CR or LF";
    if (c == '\0') return "a header value must not contain NUL";
    if (is_control(c)) return "a header value must not contain control characters";
  }
  return {};
}

std::string check_server_header(std::string_view value) {
  for (const char c : value) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte > 0x7e) return "must be printable ASCII (no CR, LF or other controls)";
  }
  return {};
}

std::string check_account_name(std::string_view value) {
  if (value.empty() || value.size() > 32) return "must be 1 to 32 characters";
  if (value.front() == '-') return "must not start with '-'";
  for (const char c : value) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
                    c == '.' || c == '-';
    if (!ok) return "may contain only letters, digits, '_', '.' and '-'";
  }
  return {};
}

std::string check_file_path(std::string_view path) {
  if (path.empty() || path.front() != '/') return "must be an absolute path starting with '/'";
  if (has_control(path)) return "must not contain control characters";
  if (has_dot_segment(path)) return "must not contain \".\" or \"..\" segments";
  return {};
}

std::string check_path_glob(std::string_view glob) {
  if (glob.empty() || glob.front() != '/') return "must start with '/'";
  if (has_control(glob)) return "must not contain control characters";
  return {};
}

std::string check_index_name(std::string_view name) {
  if (name.empty()) return "must not be empty";
  if (name.find('/') != std::string_view::npos) return "must be a file name without '/'";
  if (name == "." || name == "..") return "must be a file name, not \".\" or \"..\"";
  if (has_control(name)) return "must not contain control characters";
  return {};
}

std::string check_extension(std::string_view extension) {
  if (extension.empty()) return "must not be empty";
  for (const char c : extension) {
    if (c == '.') return "must be an extension without '.' (\"html\", not \".html\")";
    if (c == '/' || c == ' ' || is_control(c)) return "must not contain '/', spaces or control characters";
  }
  return {};
}

std::string check_media_type(std::string_view media_type) {
  const auto slash = media_type.find('/');
  if (slash == std::string_view::npos) return "must be \"type/subtype\"";
  const auto type = media_type.substr(0, slash);
  auto rest = media_type.substr(slash + 1);
  const auto semicolon = rest.find(';');
  const auto subtype = rest.substr(0, semicolon);
  if (!is_http_token(type) || !is_http_token(subtype)) return "must be \"type/subtype\" made of tokens";
  if (semicolon != std::string_view::npos) {
    const auto parameters = rest.substr(semicolon);
    if (!check_header_value(parameters).empty()) return "parameters must not contain control characters";
  }
  return {};
}

std::string check_origin(std::string_view origin) {
  if (origin == "*") return {};
  const auto scheme_end = origin.find("://");
  if (scheme_end == std::string_view::npos || scheme_end == 0) {
    return "must be \"*\" or \"scheme://host[:port]\"";
  }
  const auto host = origin.substr(scheme_end + 3);
  if (host.empty()) return "has no host";
  for (const char c : host) {
    if (c == '/' || c == '?' || c == '#')
      return "must not have a path (\"https://a.example\", no trailing '/')";
    if (c == ' ' || is_control(c) || static_cast<unsigned char>(c) >= 0x80) {
      return "must not contain spaces, control or non-ASCII characters";
    }
  }
  for (const char c : origin.substr(0, scheme_end)) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '+' && c != '-' && c != '.') {
      return "has an invalid scheme";
    }
  }
  return {};
}

std::string check_precompressed_encoding(std::string_view encoding) {
  if (encoding == "br" || encoding == "zstd" || encoding == "gzip") return {};
  return "must be one of \"br\", \"zstd\", \"gzip\"";
}

std::string check_network(std::string_view text) { return parse_cidr(text).error; }

std::string check_log_level(std::string_view level) {
  constexpr std::array<std::string_view, 7> levels{"trace", "debug",    "info", "warn",
                                                   "error", "critical", "off"};
  if (std::find(levels.begin(), levels.end(), level) != levels.end()) return {};
  return "must be one of trace, debug, info, warn, error, critical, off";
}

std::string check_error_log(std::string_view target) {
  if (target.empty()) return "must be \"stderr\", \"stdout\" or a file path";
  if (target == "off")
    return "the error log cannot be turned off (use \"stderr\", \"stdout\" or a file path)";
  if (has_control(target)) return "must not contain control characters";
  return {};
}

std::string check_access_log(std::string_view target) {
  if (target.empty()) return "must be \"off\", \"stdout\", \"stderr\" or a file path";
  if (has_control(target)) return "must not contain control characters";
  return {};
}

std::string check_server_name(std::string_view name) {
  if (name.starts_with("*.")) name.remove_prefix(2);
  if (name.empty()) return "must name a host";
  if (name.size() > 253) return "is longer than 253 characters";
  std::size_t label = 0;
  for (std::size_t i = 0; i <= name.size(); ++i) {
    if (i == name.size() || name[i] == '.') {
      if (label == 0) return "has an empty label";
      if (label > 63) return "has a label longer than 63 characters";
      if (name[i - 1] == '-' || name[i - label] == '-') return "has a label starting or ending with '-'";
      label = 0;
      continue;
    }
    const char c = name[i];
    const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
    if (!ok) return "must be a lower-case DNS name or '*.' and one (letters, digits, '-' and '.')";
    ++label;
  }
  return {};
}

}  // namespace ferry
