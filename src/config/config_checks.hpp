// Checks on single config values, shared by the loader (which adds the file and line) and by
// validate_config (which sees values after command-line overrides). Each returns "" when the
// value is fine, or what is wrong with it.
#pragma once

#include <string>
#include <string_view>

namespace ferry {

// RFC 9110 token: the syntax of header names and methods.
bool is_http_token(std::string_view text);

// A header name that rules may set: a token, and not one the server owns for framing
// (Content-Length, Transfer-Encoding, Connection, …).
std::string check_header_name(std::string_view name);
// Visible ASCII, space, tab and bytes >= 0x80; no CR, LF, NUL or other controls.
std::string check_header_value(std::string_view value);
// The Server header value: printable ASCII only (space allowed), no controls.
std::string check_server_header(std::string_view value);
// A user or group name, or a numeric id: 1–32 of [A-Za-z0-9_.-], not starting with '-'.
// (Whether it exists is checked when ferry switches to it.)
std::string check_account_name(std::string_view value);

// An absolute path below root naming a file: starts with '/', no control bytes, no "." or
// ".." segments (spa_fallback, error pages).
std::string check_file_path(std::string_view path);
// A header-rule glob: starts with '/', no control bytes.
std::string check_path_glob(std::string_view glob);
// An index file name: not empty, no '/', not "." or "..", no control bytes.
std::string check_index_name(std::string_view name);
// A file extension for [files.mime_types]: not empty, no '.', '/', spaces or control bytes.
std::string check_extension(std::string_view extension);
// "type/subtype" with optional "; parameters".
std::string check_media_type(std::string_view media_type);
// A CORS origin: "*" or "scheme://host[:port]" without a path.
std::string check_origin(std::string_view origin);
// A precompressed sidecar encoding: "br", "zstd" or "gzip".
std::string check_precompressed_encoding(std::string_view encoding);

// An IPv4 or IPv6 network, "ADDRESS/PREFIX" or a single ADDRESS: "" or parse_cidr's message
// (config/cidr_list.hpp builds the runtime list from the same text).
std::string check_network(std::string_view text);

// A virtual host's server name: a DNS name ("example.com", letters, digits and '-' in labels of
// 1 to 63, 253 at most) or a wildcard for its subdomains ("*.example.com"); lower case.
std::string check_server_name(std::string_view name);

// trace, debug, info, warn, error, critical or off.
std::string check_log_level(std::string_view level);
// error_log: "stderr", "stdout" or a path (not "off": the error log cannot be switched off).
std::string check_error_log(std::string_view target);
// access_log: "off", "stdout", "stderr" or a path.
std::string check_access_log(std::string_view target);

}  // namespace ferry
