// Content-Type by file extension.
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>

namespace ferry {

class mime_table {
 public:
  // Longer extensions are never looked up (content_type answers octet-stream), so an override
  // key longer than this can never match; config validation may reject it.
  static constexpr std::size_t max_extension_length = 16;

  // `overrides` maps an extension without the dot (case-insensitive) to a full Content-Type
  // value; it takes precedence over the built-in table.
  explicit mime_table(const std::map<std::string, std::string>& overrides = {});

  // The Content-Type value for a file name, chosen by its last extension (case-insensitive).
  // Text types (text/*, javascript, json, xml, svg, manifest, …) carry "; charset=utf-8".
  // Unknown or no extension: "application/octet-stream". The view stays valid as long as the
  // table.
  std::string_view content_type(std::string_view file_name) const;

 private:
  // Transparent hashing lets content_type look up a string_view of a stack buffer without
  // building a std::string (no allocation on the request path).
  struct extension_hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept {
      return std::hash<std::string_view>{}(s);
    }
  };
  // lower-case extension → value
  std::unordered_map<std::string, std::string, extension_hash, std::equal_to<>> by_extension_;
};

// The media type of a Content-Type value without parameters, e.g. "text/html".
std::string_view media_type_of(std::string_view content_type);

// Whether a media type is text-like (worth compressing): text/*, application/javascript,
// application/json, application/xml, image/svg+xml, *+json, *+xml, application/wasm, …
bool is_compressible_media_type(std::string_view media_type);

}  // namespace ferry
