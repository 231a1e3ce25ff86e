// Content-Type by file extension.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <unordered_map>

namespace ferry {

class mime_table {
 public:
  // `overrides` maps an extension without the dot (case-insensitive) to a full Content-Type
  // value; it takes precedence over the built-in table.
  explicit mime_table(const std::map<std::string, std::string>& overrides = {});

  // The Content-Type value for a file name, chosen by its last extension (case-insensitive).
  // Text types (text/*, javascript, json, xml, svg, manifest, …) carry "; charset=utf-8".
  // Unknown or no extension: "application/octet-stream". The view stays valid as long as the
  // table.
  std::string_view content_type(std::string_view file_name) const;

 private:
  std::unordered_map<std::string, std::string> by_extension_;  // lower-case extension → value
};

// The media type of a Content-Type value without parameters, e.g. "text/html".
std::string_view media_type_of(std::string_view content_type);

// Whether a media type is text-like (worth compressing): text/*, application/javascript,
// application/json, application/xml, image/svg+xml, *+json, *+xml, application/wasm, …
bool is_compressible_media_type(std::string_view media_type);

}  // namespace ferry
