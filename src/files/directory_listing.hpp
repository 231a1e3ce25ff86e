// Directory listing bodies (only when directory_listing is enabled).
#pragma once

#include <cstdint>
#include <ctime>
#include <string>
#include <string_view>
#include <vector>

#include "platform/file_io.hpp"

namespace ferry {

using listing_entry = platform::directory_entry;

// An HTML page listing `entries` (sorted: directories first, then by name) under the heading
// `url_path` (the normalised request path, ending in '/'). Every name is HTML-escaped and its
// link percent-encoded, so a hostile file name cannot inject markup or change the link target.
std::string render_listing_html(std::string_view url_path, std::vector<listing_entry> entries);

// The same as a JSON array of {"name","type":"file"|"directory","size","modified"(IMF-fixdate)}
// with names JSON-escaped (invalid UTF-8 bytes as \u00XX-free replacement U+FFFD).
std::string render_listing_json(std::vector<listing_entry> entries);

// Whether the client prefers JSON to HTML, from its Accept header (application/json with a
// higher q than text/html; absent or "*/*" → HTML).
bool listing_wants_json(std::string_view accept);

}  // namespace ferry
